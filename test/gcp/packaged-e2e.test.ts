/**
 * Issue 10's "done when": the PACKAGED functions (tsc build -> the archive Terraform uploads ->
 * unzipped -> functions-framework, one process per entry point) run under the environment terraform/
 * gives each of them (HCL parsed), against the Pub/Sub and Firestore emulators, a fake GCS that emits
 * the Storage finalize event to on-new-data, and a fake Vertex AI. A real training run (the trainer
 * entry, as the trainer image runs it, on the fake GCS) produces what the Vertex job "ran".
 *
 * GCS finalize -> Vertex launch -> pipeline log entry -> verified gate -> approve -> deploy; a second
 * version -> canary; `gcloud pubsub topics publish promotions` -> rollback. Checks Firestore and the
 * fake endpoint's split, the lifecycle log lines for humans, and trace fields on both trace headers.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PubSub } from '@google-cloud/pubsub';
import { FirestoreStateStore } from '../../shared/adapters/gcp/firestore.state-store.js';
import { COLLECTIONS, type ModelDoc } from '../../shared/domain/state.js';
import { FUNCTION_NAMES, FUNCTION_TOPICS, TOPICS, entryPointOf } from '../../shared/domain/topics.js';
import { defaultPolicy } from '../../shared/domain/lifecycle/index.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import {
  announceSkippedEmulatorTests,
  hasGcloud,
  startFirestoreEmulator,
  startPubSubEmulator,
  type Emulator,
} from '../support/emulators.js';
import { fixture } from '../fixtures/envelopes/load.js';
import { startFakeGcs, type FakeGcs, type ObjectMeta } from './fake-gcs.js';
import { startFakeVertex, type FakeVertex, type PipelineJob } from './fake-vertex.js';
import { packageApp, REPO, serveFunction, until, type PackagedApp, type ServedFunction } from './packaged-app.js';
import { DEMO, terraformEnv } from './terraform-env.js';

announceSkippedEmulatorTests('packaged functions e2e');

const PROJECT = DEMO.project;
const MODEL = 'ipo-valuation';
const LANDING = `${PROJECT}-ipo-landing`;
const TRACE = '0af7651916cd43dd8448eb211c80319c';

let app: PackagedApp;
let pubsubEmulator: Emulator;
let firestoreEmulator: Emulator;
let gcs: FakeGcs;
let vertex: FakeVertex;
let pubsub: PubSub;
let store: FirestoreStateStore;
const served = new Map<string, ServedFunction>();

/** The functions' recent log lines (stack frames left out), for failure messages. */
const logs = (): string =>
  [...served.values()]
    .map(
      (f) =>
        `--- ${f.target}\n${f.lines
          .filter((l) => !/^\s+at /.test(l))
          .slice(-15)
          .join('\n')}`,
    )
    .join('\n');
const model = async (): Promise<ModelDoc | undefined> => store.get<ModelDoc>(COLLECTIONS.models, MODEL);
const version = async (v: string): Promise<Record<string, unknown> | undefined> =>
  store.get(COLLECTIONS.versions(MODEL), v);

/** The environment Terraform gives `entryPoint`, pointed at the emulators and fakes. */
async function deployedEnv(entryPoint: string): Promise<Record<string, string>> {
  return {
    ...(await terraformEnv(entryPoint)),
    PUBSUB_EMULATOR_HOST: pubsubEmulator.host,
    FIRESTORE_EMULATOR_HOST: firestoreEmulator.host,
    IPO_VERTEX_API_ENDPOINT: vertex.url,
    IPO_STORAGE_API_ENDPOINT: gcs.url,
    // Not used on this path; pointed at the fake so nothing could reach Google.
    IPO_BIGQUERY_API_ENDPOINT: vertex.url,
    IPO_MONITORING_API_ENDPOINT: vertex.url,
    IPO_SECRET_MANAGER_API_ENDPOINT: vertex.url,
  };
}

/** Eventarc's delivery of a finalize event (binary mode) to on-new-data. */
async function finalize(meta: ObjectMeta): Promise<void> {
  const fn = served.get(entryPointOf('on-new-data'));
  if (!fn || meta.bucket !== LANDING) return;
  const res = await fetch(fn.url, {
    method: 'POST',
    body: JSON.stringify(meta),
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-type': 'google.cloud.storage.object.v1.finalized',
      'ce-source': `//storage.googleapis.com/projects/_/buckets/${meta.bucket}`,
      'ce-subject': `objects/${meta.name}`,
      'ce-id': `${meta.id}`,
      'ce-time': meta.updated,
    },
  });
  if (res.status >= 300) throw new Error(`on-new-data answered ${res.status} to the finalize event`);
}

/** Upload a CSV to the landing bucket through the real client (the finalize event follows). */
async function land(name: string, csv: string): Promise<void> {
  const { Storage } = await import('@google-cloud/storage');
  await new Storage({ projectId: PROJECT, apiEndpoint: gcs.url })
    .bucket(LANDING)
    .file(name)
    .save(csv, { resumable: false, contentType: 'text/csv' });
}

/** Play Vertex: run the job's pipeline components (validate, then train) with the trainer entry, as the trainer image does. */
async function runPipeline(job: PipelineJob): Promise<void> {
  const params: Record<string, unknown> = { ...job.parameters, hyperparameters: JSON.stringify({ epochs: 5 }) };
  for (const step of job.steps) {
    const args = step.args.map((a) =>
      a.replace(/\{\{\$\.inputs\.parameters\['([a-z_]+)'\]\}\}/g, (_m, p: string) => String(params[p] ?? '')),
    );
    // The image's command (`node --import tsx shared/composition/trainer.ts`) from its working directory, the repository.
    const [command, ...commandArgs] = step.command;
    await promisify(execFile)(command === 'node' ? process.execPath : command, [...commandArgs, ...args], {
      cwd: REPO,
      env: { ...process.env, STORAGE_EMULATOR_HOST: gcs.url, GCLOUD_PROJECT: PROJECT },
      maxBuffer: 32 << 20,
    }).catch((err: Error & { stdout?: string }) => {
      throw new Error(`trainer ${step.name} failed: ${(err.stdout ?? err.message).slice(-2000)}`);
    });
  }
  job.state = 'PIPELINE_STATE_SUCCEEDED';
}

/** Vertex's pipeline_job_events log entry for a job, as the log sink publishes it. */
async function publishLogEntry(jobId: string): Promise<void> {
  const entry = fixture<{ resource: { labels: Record<string, string> } }>('vertex-pipeline-log-entry.json');
  entry.resource.labels.pipeline_job_id = jobId;
  await pubsub.topic('pipeline-events').publishMessage({ json: entry });
}

async function approve(v: string): Promise<void> {
  await pubsub.topic('promotions').publishMessage({
    json: {
      type: 'promotion.command',
      action: 'approve',
      modelId: MODEL,
      version: v,
      actor: 'alice@example.com',
      reason: 'e2e review',
    },
  });
}

/** One training cycle from a landed file (`quarters` of a 60-company panel) to a blessed version; returns the version. */
async function trainFrom(name: string, quarters: number): Promise<string> {
  const before = new Set(vertex.jobs.keys());
  await land(name, generateSampleCsv({ companies: 60, quarters, seed: 1 }));
  const job = await until(
    `a pipeline job for ${name}`,
    async () => [...vertex.jobs.values()].find((j) => !before.has(j.id)),
    logs,
  );
  expect(job.image).toBe(`${DEMO.region}-docker.pkg.dev/${PROJECT}/ipo-mlops/trainer:latest`);
  expect(job.serviceAccount).toBe(`ipo-pipeline@${PROJECT}.iam.gserviceaccount.com`);
  expect(job.parameters).toMatchObject({
    data_uri: `gs://${LANDING}/${name}`,
    artifact_uri: `gs://${PROJECT}-ipo-artifacts/runs/${job.id}`,
    model_id: MODEL,
  });
  await runPipeline(job);
  await publishLogEntry(job.id);
  const run = await until(
    `run ${job.id} evaluated`,
    async () => {
      const r = await store.get<{ state: string; version?: string }>(COLLECTIONS.runs, job.id);
      return r?.state === 'evaluated' ? r : undefined;
    },
    logs,
    90_000,
  );
  expect(await version(String(run.version))).toMatchObject({ state: 'blessed', runId: job.id });
  return String(run.version);
}

beforeAll(async () => {
  if (!hasGcloud()) return;
  [app, pubsubEmulator, firestoreEmulator, gcs, vertex] = await Promise.all([
    packageApp(),
    startPubSubEmulator(),
    startFirestoreEmulator(),
    startFakeGcs(),
    startFakeVertex(PROJECT, DEMO.region, DEMO.endpointId),
  ]);
  gcs.onFinalize((meta) => void finalize(meta).catch((err: unknown) => console.error(err)));
  const { PubSub: Client } = await import('@google-cloud/pubsub');
  pubsub = new Client({ projectId: PROJECT });
  await Promise.all(TOPICS.map((t) => pubsub.createTopic(t)));
  store = new FirestoreStateStore({ projectId: PROJECT });
  // The operator's policy for this demo: the gate still runs, with thresholds a 5-epoch model meets.
  const at = new Date().toISOString();
  await store.transaction(async (tx) =>
    tx.set(COLLECTIONS.models, MODEL, {
      modelId: MODEL,
      endpointId: DEMO.endpointId,
      championHistory: [],
      createdAt: at,
      updatedAt: at,
      policy: defaultPolicy({
        autoApprove: false,
        approvers: ['alice@example.com', 'automation'],
        gate: { valueThresholds: [{ metric: 'r2', lower: 0 }], changeThresholds: [], mustBeatBaseline: false },
        retrain: { minNewRows: 1, cooldownMinutes: 0 },
      }),
    } satisfies ModelDoc),
  );
  const entryPoints = [...FUNCTION_NAMES.map((fn) => entryPointOf(fn)), 'onDriftAlertWebhook'];
  const started = await Promise.all(entryPoints.map(async (e) => serveFunction(app, e, await deployedEnv(e))));
  for (const fn of started) served.set(fn.target, fn);
  for (const fn of FUNCTION_NAMES) {
    const target = served.get(entryPointOf(fn));
    for (const topic of FUNCTION_TOPICS[fn]) {
      await pubsub.topic(topic).createSubscription(`${fn}--${topic}`, {
        ackDeadlineSeconds: 60,
        pushConfig: { pushEndpoint: `${target?.url ?? ''}/projects/${PROJECT}/topics/${topic}` },
      });
    }
  }
}, 240_000);

afterAll(async () => {
  await Promise.allSettled([...served.values()].map((f) => f.stop()));
  await pubsub?.close();
  await store?.close();
  await Promise.allSettled([pubsubEmulator?.stop(), firestoreEmulator?.stop(), gcs?.close(), vertex?.close()]);
  app?.remove();
}, 60_000);

describe('packaged functions e2e', () => {
  it('needs gcloud for the emulators', () => {
    expect(typeof hasGcloud()).toBe('boolean');
  });

  it.skipIf(!hasGcloud())(
    'lands data, trains, gates, deploys, canaries and rolls back through the packaged functions',
    async () => {
      expect(app.files).toEqual(
        expect.arrayContaining(['dist/functions/index.js', 'package.json', 'package-lock.json']),
      );

      // 1. First data -> run -> blessed 1.0.0, waiting for a human (autoApprove is off on Google Cloud).
      const v1 = await trainFrom('ipo/2024-q1.csv', 8);
      await until(
        'the approval-needed line for humans',
        async () =>
          served
            .get('onEvalComplete')
            ?.entries()
            .find((e) => e.lifecycleEvent === 'approval-needed' && e.modelId === MODEL),
        logs,
      );

      // A forged completion (a job Vertex never ran) registers nothing: pipelineJobs.get says NOT_FOUND.
      await publishLogEntry('run-forged');
      const forged = await until(
        'the forged completion refused',
        async () =>
          served
            .get('onEvalComplete')
            ?.entries()
            .find((e) => e.code === 'PIPELINE.UNVERIFIED'),
        logs,
      );
      expect(String(forged.message)).toContain('run-forged');
      expect(await store.get(COLLECTIONS.runs, 'run-forged')).toBeUndefined();
      expect((await store.query(COLLECTIONS.versions(MODEL))).map((v) => v.id)).toEqual([v1]);

      // 2. Approve -> automation promotes -> upload + deploy on the endpoint, at 100%.
      await approve(v1);
      await until('v1 in production', async () => ((await model())?.championVersion === v1 ? true : undefined), logs);
      await until(
        'the endpoint serving v1',
        async () => (vertex.splitByVersion()[`${MODEL}@${v1}`] === 100 ? true : undefined),
        logs,
      );
      expect(vertex.deployed[0]).toMatchObject({ serviceAccount: `ipo-serving@${PROJECT}.iam.gserviceaccount.com` });
      expect([...vertex.uploads.values()][0]).toMatchObject({
        imageUri: `${DEMO.region}-docker.pkg.dev/${PROJECT}/ipo-mlops/serving:latest`,
        artifactUri: expect.stringMatching(/^gs:\/\/demo-ipo-artifacts\/runs\//),
      });

      // 3. New data (two more quarters) -> v2 -> approve -> canary next to v1.
      const v2 = await trainFrom('ipo/2024-q2.csv', 10);
      await approve(v2);
      await until('v2 in canary', async () => ((await version(v2))?.state === 'canary' ? true : undefined), logs);
      await until(
        'the canary split on the endpoint',
        async () => (vertex.splitByVersion()[`${MODEL}@${v2}`] === 10 ? true : undefined),
        logs,
      );
      expect(vertex.splitByVersion()).toEqual({ [`${MODEL}@${v1}`]: 90, [`${MODEL}@${v2}`]: 10 });

      // 4. An operator rolls back with gcloud, as docs/deploy.md shows.
      const command = JSON.stringify({
        type: 'promotion.command',
        action: 'rollback',
        modelId: MODEL,
        version: v2,
        actor: 'alice@example.com',
        reason: 'e2e: canary looks wrong',
      });
      await promisify(execFile)(
        'gcloud',
        ['pubsub', 'topics', 'publish', 'promotions', `--message=${command}`, '--attribute=origin=gcloud'],
        {
          env: {
            ...process.env,
            CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB: `http://${pubsubEmulator.host}/`,
            CLOUDSDK_CORE_PROJECT: PROJECT,
            CLOUDSDK_AUTH_DISABLE_CREDENTIALS: 'true',
          },
        },
      );
      await until(
        'v2 rolled back',
        async () => ((await version(v2))?.state === 'rolled_back' ? true : undefined),
        logs,
      );
      await until(
        'the endpoint back on v1 only',
        async () =>
          JSON.stringify(vertex.splitByVersion()) === JSON.stringify({ [`${MODEL}@${v1}`]: 100 }) ? true : undefined,
        logs,
      );
      expect(await store.get(COLLECTIONS.deployments, DEMO.endpointId)).toMatchObject({
        endpointId: DEMO.endpointId,
        modelId: MODEL,
        split: { [v1]: 100 },
      });
      expect((await model())?.championVersion).toBe(v1);
      await until(
        'the rollback line for humans',
        async () =>
          served
            .get('onPromotion')
            ?.entries()
            .find((e) => e.lifecycleEvent === 'version.rolled-back' && e.modelId === MODEL),
        logs,
      );
    },
    300_000,
  );

  it.skipIf(!hasGcloud())(
    'carries the request trace into the log lines: traceparent on a CloudEvent, X-Cloud-Trace-Context on the webhook',
    async () => {
      const promotion = served.get('onPromotion') as ServedFunction;
      const data = Buffer.from(
        JSON.stringify({
          type: 'promotion.command',
          action: 'reject',
          modelId: MODEL,
          version: '9.9.9',
          actor: 'alice@example.com',
        }),
      ).toString('base64');
      const res = await fetch(`${promotion.url}/projects/${PROJECT}/topics/promotions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${TRACE}-b7ad6b7169203331-01` },
        body: JSON.stringify({
          subscription: 'projects/demo/subscriptions/s',
          message: { data, messageId: 'trace-1', publishTime: new Date().toISOString(), attributes: {} },
        }),
      });
      expect(res.status).toBeLessThan(300);
      await until(
        'a traced on-promotion line',
        async () =>
          promotion.entries().find((e) => e['logging.googleapis.com/trace'] === `projects/${PROJECT}/traces/${TRACE}`),
        logs,
      );
      expect(promotion.entries().find((e) => e['logging.googleapis.com/trace'] !== undefined)).toMatchObject({
        'logging.googleapis.com/spanId': 'b7ad6b7169203331',
        'logging.googleapis.com/trace_sampled': true,
      });

      const webhook = served.get('onDriftAlertWebhook') as ServedFunction;
      const incident = fixture<{ incident: Record<string, unknown> }>('monitoring-incident-closed.json');
      incident.incident.policy_user_labels = { model_id: MODEL };
      const hook = await fetch(`${webhook.url}/?token=${DEMO.secrets.WEBHOOK_TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Cloud-Trace-Context': `${'1'.repeat(32)}/42;o=1` },
        body: JSON.stringify(incident),
      });
      expect(hook.status, await hook.text()).toBe(200);
      const line = await until(
        'a traced webhook line',
        async () =>
          webhook
            .entries()
            .find((e) => e['logging.googleapis.com/trace'] === `projects/${PROJECT}/traces/${'1'.repeat(32)}`),
        logs,
      );
      expect(line).toMatchObject({ 'logging.googleapis.com/spanId': '000000000000002a' });
    },
    60_000,
  );
});
