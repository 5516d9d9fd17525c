/**
 * One small seeded platform for the console's browser tests. A real first model is trained on a
 * small generated panel (policy: no auto-approval and a gate that 15 epochs pass) and approved
 * through the publish API; real predictions, actuals and a scheduled check write monitoring metrics.
 * Display-only state that would need more training or days of traffic (a second blessed version,
 * earlier metric points, an experiment with test statistics, an open alert, a run in progress) is
 * written straight into the store; approvals and rollbacks in the tests go through the UI.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../shared/config.js';
import { COLLECTIONS, type AlertDoc, type ModelDoc, type RunDoc, type VersionDoc } from '../../shared/domain/state.js';
import { memoryLogger } from '../../shared/logging.js';
import { generateSampleCsv, generateSamplePanel } from '../../shared/ml/sample-data.generator.js';
import type { MetricPoint } from '../../shared/ports/metrics-sink.js';
import { startPlatform, type Platform } from '../../shared/platform/server.js';
import type { Page } from 'playwright-core';

/** The model every seeded document belongs to. */
export const MODEL_ID = 'ipo-valuation';
/** The trained first version (production after seeding). */
export const V1 = '1.0.0';
/** The seeded blessed version the tests approve and roll back through the UI. */
export const V2 = '1.1.0';
/** The fake run shown as in progress. */
export const RUNNING_RUN_ID = 'run-console-inflight';

/** A model as `/api/models/:id` returns it (the parts the tests read). */
export interface ModelView extends ModelDoc {
  versions: VersionDoc[];
  deployment: { split: Record<string, number>; revision: number } | null;
  canaryVersion: string | null;
}

/** A seeded platform and its clean-up. */
export interface SeededPlatform {
  platform: Platform;
  url: string;
  getJson<T>(path: string): Promise<T>;
  model(): Promise<ModelView>;
  /** Poll `/api/models/:id` until `done` holds (throws with the last state after `timeoutMs`). */
  waitForModel(done: (m: ModelView) => boolean, timeoutMs?: number): Promise<ModelView>;
  close(): Promise<void>;
}

type Post = (path: string, body: unknown, headers?: Record<string, string>) => Promise<unknown>;
type GetJson = <T>(path: string) => Promise<T>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(done: () => Promise<boolean>, message: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(message);
    await sleep(100);
  }
}

/** Start and seed the platform (about half a minute of training on an idle machine). */
export async function startSeededPlatform(): Promise<SeededPlatform> {
  const dir = mkdtempSync(join(tmpdir(), 'ipo-console-'));
  const platform = await startPlatform(
    loadConfig({ IPO_DATA_DIR: dir, PORT: '0', IPO_BOOTSTRAP_SAMPLE_DATA: 'false', LOG_LEVEL: 'ERROR' }),
    {
      scheduler: false,
      watchLanding: false,
      logger: memoryLogger(),
      hyperparameters: { epochs: 15 },
      // A tiny panel and 15 epochs do not beat the ridge baseline's MAPE; these tests need a blessed version, not a good model.
      policy: {
        autoApprove: false,
        gate: {
          mustBeatBaseline: false,
          valueThresholds: [
            { metric: 'r2', lower: 0.5 },
            { metric: 'mape', upper: 40 },
          ],
        },
      },
    },
  );
  // The API needs the operator token; the browser signs in with it (see `signIn`).
  const bearer = { authorization: `Bearer ${platform.operatorToken.value}` };
  const getJson: GetJson = async <T>(path: string): Promise<T> => {
    const res = await fetch(platform.url + path, { headers: bearer });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const post: Post = async (path, body, headers = {}) => {
    const res = await fetch(platform.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer, ...headers },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  };
  const model = () => getJson<ModelView>(`/api/models/${MODEL_ID}`);
  const waitForModel = async (done: (m: ModelView) => boolean, timeoutMs = 60_000): Promise<ModelView> => {
    const deadline = Date.now() + timeoutMs;
    let last: ModelView | undefined;
    for (;;) {
      last = await model().catch(() => undefined);
      if (last && done(last)) return last;
      if (Date.now() > deadline) break;
      await sleep(500);
    }
    throw new Error(
      `model state not reached: ${JSON.stringify({ versions: last?.versions.map((v) => [v.version, v.state, v.gate.reasons]), split: last?.deployment?.split })}`,
    );
  };
  const seeded: SeededPlatform = {
    platform,
    url: platform.url,
    getJson,
    model,
    waitForModel,
    async close() {
      await platform.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    writeFileSync(join(platform.landingDir, 'panel.csv'), generateSampleCsv({ companies: 80, quarters: 16, seed: 3 }));
    await platform.scanLanding();
    await platform.scanLanding();
    await waitForModel((m) => m.versions.some((v) => v.version === V1 && v.state !== 'registered'), 600_000);
    const trained = await waitForModel((m) => m.versions.some((v) => v.version === V1 && v.state === 'blessed'), 0);
    await post('/api/publish/promotions', {
      type: 'promotion.command',
      action: 'approve',
      modelId: MODEL_ID,
      version: V1,
      actor: 'operator@local',
      reason: 'first model, reviewed',
    });
    await waitForModel((m) => m.championVersion === V1 && m.deployment?.split[V1] === 100);
    // The deployment document is committed before its deploy effect runs: wait until the endpoint serves it.
    await waitFor(
      async () => (await platform.stack.serving.currentSplit(platform.stack.deps.settings.endpointId))[V1] === 100,
      'the endpoint never served ' + V1,
    );
    await serveAndMonitor(post, getJson);
    await seedDisplayState(platform, trained.versions.find((v) => v.version === V1) as VersionDoc);
    return seeded;
  } catch (err) {
    await seeded.close();
    throw err;
  }
}

/** Real traffic: predictions, their actuals, then a scheduled check that writes the monitoring metrics. */
async function serveAndMonitor(post: Post, getJson: GetJson): Promise<void> {
  const panel = generateSamplePanel({ companies: 40, quarters: 4, seed: 11, startYear: 2020 });
  const target = panel.header.indexOf('enterprise_value');
  const instances = panel.rows.map((r, i) => ({
    ...Object.fromEntries(panel.header.flatMap((name, j) => (j === target ? [] : [[name, r[j]]]))),
    market_condition: i % 3 === 0 ? 'bear' : 'bull',
  }));
  await post(
    '/v1/projects/local/locations/local/endpoints/ipo-valuation-endpoint:predict',
    { instances },
    { 'x-request-id': 'console-seed' },
  );
  const actuals = panel.rows.flatMap((r, i) =>
    typeof r[target] === 'number' ? [{ requestId: `console-seed:${i}`, actualValue: r[target] }] : [],
  );
  await post('/v1/actuals', { actuals });
  await post('/api/publish/drift-alerts', { type: 'monitor.scheduled-check', modelId: MODEL_ID });
  const deadline = Date.now() + 60_000;
  while ((await getJson<unknown[]>(`/api/metrics/${MODEL_ID}/feature_drift`)).length === 0) {
    if (Date.now() > deadline) throw new Error('the scheduled check wrote no feature_drift points');
    await sleep(500);
  }
}

/** History and display-only documents (see the file comment). */
async function seedDisplayState(platform: Platform, v1: VersionDoc): Promise<void> {
  const { store, metrics } = platform.stack;
  const now = Date.now();
  const iso = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000).toISOString();
  const real = await metrics.read(MODEL_ID, 'feature_drift', iso(24));
  const earlier: MetricPoint[] = [];
  for (const hoursAgo of [30, 24, 18, 12, 6]) {
    const point = (metric: MetricPoint['metric'], value: number, labels: Record<string, string> = {}) =>
      earlier.push({ modelId: MODEL_ID, version: V1, metric, labels, value, at: iso(hoursAgo) });
    for (const p of real) point('feature_drift', p.value * (1 + hoursAgo / 30), p.labels);
    point('drift_share', hoursAgo === 6 ? 0.34 : 0.1);
    point('prediction_drift', 0.02 + hoursAgo / 1000, { method: 'jensen_shannon' });
    point('r2_on_actuals', 0.8 + hoursAgo / 300);
  }
  await metrics.write(earlier);
  const at = new Date(now).toISOString();
  await store.transaction(async (tx) => {
    const model = (await tx.get<ModelDoc>(COLLECTIONS.models, MODEL_ID)) as ModelDoc;
    const v2: VersionDoc = {
      ...v1,
      version: V2,
      state: 'blessed',
      runId: 'run-console-second',
      approvals: [],
      createdAt: at,
      updatedAt: at,
      stateHistory: [
        { to: 'registered', at, actor: 'on-eval-complete', reason: 'run run-console-second' },
        { from: 'registered', to: 'blessed', at, actor: 'on-eval-complete', reason: 'passed every gate check' },
      ],
    };
    tx.set(COLLECTIONS.versions(MODEL_ID), V2, v2);
    const run: RunDoc = {
      runId: RUNNING_RUN_ID,
      modelId: MODEL_ID,
      state: 'running',
      reasons: ['drift'],
      dataUri: 'file:///landing/next.csv',
      artifactUri: 'file:///artifacts/runs/next',
      pipelineJobId: RUNNING_RUN_ID,
      attempt: 1,
      correlationId: 'console-seed',
      progress: { step: 'train', epoch: 7, epochs: 15, loss: 0.081, valLoss: 0.093 },
      createdAt: at,
      updatedAt: at,
    };
    tx.set(COLLECTIONS.runs, RUNNING_RUN_ID, run);
    tx.set(COLLECTIONS.models, MODEL_ID, { ...model, inFlightRunId: RUNNING_RUN_ID });
    const alert: AlertDoc = {
      alertId: 'alert-console-drift',
      modelId: MODEL_ID,
      source: 'monitor',
      signal: 'drift',
      state: 'open',
      decision: 'request-retrain',
      decidedAt: at,
      summary: 'data drift: 2 of 6 columns drifted (revenue, sector), share 0.34 ≥ 0.3',
      openedAt: iso(6),
      updatedAt: at,
    };
    tx.set(COLLECTIONS.alerts, alert.alertId, alert);
    const arm = (version: string, mae: number) => ({
      version,
      count: 64,
      missing: 0,
      mae,
      rmse: mae * 1.4,
      mape: mae / 1e8,
      correlation: 0.97,
    });
    tx.set(COLLECTIONS.experiments, `${MODEL_ID}@${V2}`, {
      experimentId: `${MODEL_ID}@${V2}`,
      modelId: MODEL_ID,
      kind: 'canary',
      control: V1,
      candidate: V2,
      status: 'running',
      startedAt: iso(20),
      deadline: iso(-52),
      minSamplesPerArm: 30,
      extensions: 0,
      createdAt: iso(20),
      updatedAt: at,
      lastAnalysis: {
        at,
        kind: 'inconclusive',
        reasons: ['MAE difference not significant at α = 0.05 (Welch p = 0.41)'],
        evidence: {
          control: arm(V1, 1.2e9),
          candidate: arm(V2, 1.1e9),
          alpha: 0.05,
          minSamplesPerArm: 30,
          welch: { statistic: -0.83, df: 125.6, pValue: 0.41 },
          mannWhitney: { statistic: 1890, pValue: 0.37 },
          bootstrap: { estimate: -1e8, lower: -3.2e8, upper: 1.1e8, confidence: 0.95, resamples: 1000 },
          breachedGuardrails: [],
        },
      },
    });
  });
}

/** Start a console session in the page's browser context (the session cookie the login page would set). */
export async function signIn(page: Page, seeded: Pick<SeededPlatform, 'url' | 'platform'>): Promise<void> {
  const res = await page.request.post(`${seeded.url}/api/session`, {
    data: { token: seeded.platform.operatorToken.value },
  });
  if (!res.ok()) throw new Error(`sign-in: HTTP ${res.status()} ${await res.text()}`);
}
