/**
 * Service and handler tests without training: real state store (SQLite by default, any StateStore
 * port) and the real handlers, with small fakes for the launcher, inspector, serving, datasets,
 * prediction log, metrics and artifacts. A recording bus keeps every publish; `pump` delivers the
 * recorded commands to the consuming functions, so whole lifecycles run deterministically.
 */
import { FUNCTION_NAMES, FUNCTION_TOPICS, type FunctionName, type Topic } from '../../shared/domain/topics.js';
import { buildPubSubCloudEvent } from '../../shared/domain/envelopes/index.js';
import { COLLECTIONS, type MetricSet } from '../../shared/domain/state.js';
import { PermanentError, TransientError } from '../../shared/domain/errors.js';
import {
  defaultPolicy,
  SIGNATURE_ATTRIBUTE,
  signCommand,
  type ModelPolicyInput,
} from '../../shared/domain/lifecycle/index.js';
import { memoryLogger } from '../../shared/logging.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite.state-store.js';
import type { EventBus, OutgoingMessage } from '../../shared/ports/event-bus.js';
import type { Doc, StateStore } from '../../shared/ports/state-store.js';
import type { PipelineLaunchRequest, PipelineLauncher, PipelineStatus } from '../../shared/ports/pipeline-launcher.js';
import type { ModelInspector, RunEvaluation } from '../../shared/ports/model-inspector.js';
import type { DesiredDeployment, ModelServing } from '../../shared/ports/model-serving.js';
import type { DatasetDescription, DatasetInspector, DescribeOptions } from '../../shared/ports/dataset-inspector.js';
import type { PredictionLog, LabelledPrediction } from '../../shared/ports/prediction-log.js';
import type { MetricPoint, MetricsSink } from '../../shared/ports/metrics-sink.js';
import type { ArtifactStore } from '../../shared/ports/artifact-store.js';
import type { ServiceDeps } from '../../shared/services/context.js';
import { createEffectExecutors } from '../../shared/services/effects.js';
import { ledgerId, LEDGER, type LedgerEntry } from '../../shared/services/processing.js';
import type { CloudEventHandler } from '../../shared/services/edge.js';
import { onNewData } from '../../functions/on-new-data/index.js';
import { onEvalComplete } from '../../functions/on-eval-complete/index.js';
import { onPromotion } from '../../functions/on-promotion/index.js';
import { onDriftAlert } from '../../functions/on-drift-alert/index.js';

/** The model every harness works on. */
export const MODEL_ID = 'ipo-valuation';
/** Its endpoint. */
export const ENDPOINT_ID = `${MODEL_ID}-endpoint`;
/** The project the harness's CloudEvents name. */
export const PROJECT = 'test-project';

/** The command signing key of every harness (the composition roots read theirs from configuration). */
export const TEST_SIGNING_KEY = 'test-command-signing-key-0123456789abcdef';

/** Attributes of a genuine control-plane command: `signature` made with the harness's key. */
export function signedAttributes(
  topic: Topic,
  payload: Record<string, unknown>,
  key = TEST_SIGNING_KEY,
): Record<string, string> {
  return { [SIGNATURE_ATTRIBUTE]: signCommand(key, topic, payload) };
}

/** A clock the test moves by hand. */
export interface TestClock {
  now: () => Date;
  advanceMinutes(minutes: number): void;
}

/** A clock starting at `start`. */
export function testClock(start = '2024-06-01T00:00:00.000Z'): TestClock {
  let t = Date.parse(start);
  return { now: () => new Date(t), advanceMinutes: (m) => void (t += m * 60_000) };
}

/** A bus that records successful publishes, can fail on demand and may forward to a real bus. */
export class RecordingBus implements EventBus {
  readonly published: (OutgoingMessage & { id: string })[] = [];
  private failing: ((m: OutgoingMessage) => boolean)[] = [];
  private seq = 0;

  constructor(private readonly forward?: EventBus) {}

  /** Throw a transient error on the next publish matching `match` (once per call). */
  failOnce(match: (m: OutgoingMessage) => boolean = () => true): void {
    this.failing.push(match);
  }

  async publish(message: OutgoingMessage): Promise<string> {
    const i = this.failing.findIndex((f) => f(message));
    if (i >= 0) {
      this.failing.splice(i, 1);
      throw new TransientError('BUS.UNAVAILABLE', `injected publish failure on ${message.topic}`);
    }
    const id = this.forward ? await this.forward.publish(message) : String(++this.seq);
    this.published.push({ ...message, id });
    return id;
  }

  /** Publishes on one topic. */
  on(topic: Topic): (OutgoingMessage & { id: string })[] {
    return this.published.filter((m) => m.topic === topic);
  }

  /** How many times each idempotencyKey attribute was published. */
  countsByKey(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.published) {
      const key = m.attributes?.idempotencyKey ?? `(none) ${m.id}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  async close(): Promise<void> {
    this.failing = [];
  }
}

/** Records launches; launching an existing run id is a no-op, as on Vertex (job id = run id). */
export class FakeLauncher implements PipelineLauncher {
  readonly launches: PipelineLaunchRequest[] = [];
  readonly jobs = new Map<string, PipelineStatus>();
  /** Every call, including repeats of a run id already launched. */
  calls = 0;
  private failures = 0;

  /** Make the next `n` launches fail transiently. */
  failNext(n = 1): void {
    this.failures += n;
  }

  async launch(request: PipelineLaunchRequest): Promise<{ jobId: string; alreadyExisted: boolean }> {
    this.calls += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new TransientError('PIPELINE.UNAVAILABLE', 'injected launch failure');
    }
    if (this.jobs.has(request.runId)) return { jobId: request.runId, alreadyExisted: true };
    this.jobs.set(request.runId, { jobId: request.runId, state: 'running', artifactUri: request.artifactUri });
    this.launches.push(request);
    return { jobId: request.runId, alreadyExisted: false };
  }

  async status(jobId: string): Promise<PipelineStatus | undefined> {
    return this.jobs.get(jobId);
  }

  async cancel(jobId: string): Promise<{ cancelled: boolean }> {
    const job = this.jobs.get(jobId);
    if (!job || job.state !== 'running') return { cancelled: false };
    this.jobs.set(jobId, { ...job, state: 'cancelled' });
    return { cancelled: true };
  }
}

/** What a fake run "produced". */
export interface EvaluationSpec {
  r2?: number;
  mape?: number;
  fingerprint?: string;
  contractHash?: string;
  rows?: number;
  snapshotAt?: string;
  validationPassed?: boolean;
}

function metrics(r2: number, mape: number): MetricSet {
  const rmse = Math.round((1 - r2) * 100) / 10;
  return { r2, mse: rmse * rmse, mae: rmse * 0.8, rmse, mape, overfitting: 1.1 };
}

/** A run evaluation: good by default (R² 0.85, MAPE 9%, beats the baseline). */
export function evaluation(spec: EvaluationSpec = {}): RunEvaluation {
  return {
    metrics: metrics(spec.r2 ?? 0.85, spec.mape ?? 9),
    baselineMetrics: metrics(0.5, 25),
    validationPassed: spec.validationPassed ?? true,
    lineage: {
      contractHash: spec.contractHash ?? 'contract-1',
      datasetFingerprint: spec.fingerprint ?? 'fp-q1',
      rows: spec.rows ?? 1000,
      dataSnapshotAt: spec.snapshotAt ?? '2024-03-31T00:00:00.000Z',
    },
  };
}

/** Canned evaluations keyed by run id (last path segment of the artifact URI). */
export class FakeInspector implements ModelInspector {
  readonly byRun = new Map<string, RunEvaluation>();
  next: RunEvaluation = evaluation();

  private evalOf(artifactUri: string): RunEvaluation {
    return this.byRun.get(artifactUri.split('/').pop() ?? '') ?? this.next;
  }

  async readEvaluation(artifactUri: string): Promise<RunEvaluation> {
    return this.evalOf(artifactUri);
  }

  async servability(): Promise<{ ok: boolean }> {
    return { ok: true };
  }

  /** The champion scores what it scored on its own data: change thresholds compare like with like. */
  async evaluateOn(modelArtifactUri: string): Promise<MetricSet | undefined> {
    return this.evalOf(modelArtifactUri).metrics;
  }
}

/** Records every applied split; can fail on demand. */
export class FakeServing implements ModelServing {
  readonly applied: DesiredDeployment[] = [];
  private readonly live = new Map<string, Record<string, number>>();
  private failures = 0;
  private held: Promise<void> | undefined;
  private reachedHold: (() => void) | undefined;

  /** Make the next `n` applies fail transiently. */
  failNext(n = 1): void {
    this.failures += n;
  }

  /** Hold the next apply (after it captured its desired state) until `release`; `reached` resolves when it waits. */
  holdNext(): { reached: Promise<void>; release: () => void } {
    let release = (): void => undefined;
    this.held = new Promise<void>((r) => (release = r));
    const reached = new Promise<void>((r) => (this.reachedHold = r));
    return { reached, release };
  }

  async apply(desired: DesiredDeployment): Promise<{ changed: boolean }> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new TransientError('SERVING.UNAVAILABLE', 'injected serving failure');
    }
    const held = this.held;
    if (held !== undefined) {
      this.held = undefined;
      this.reachedHold?.();
      await held;
    }
    const before = JSON.stringify(this.live.get(desired.endpointId) ?? {});
    if (before === JSON.stringify(desired.split)) return { changed: false };
    this.live.set(desired.endpointId, { ...desired.split });
    this.applied.push(structuredClone(desired));
    return { changed: true };
  }

  async currentSplit(endpointId: string): Promise<Record<string, number>> {
    return { ...(this.live.get(endpointId) ?? {}) };
  }
}

/** Datasets by URI: row counts, unreadable URIs, and an injectable transient outage. */
export class FakeDatasets implements DatasetInspector {
  readonly rows = new Map<string, number>();
  readonly unreadable = new Set<string>();
  /** Content hash per URI (default: one fixed content per URI); change it to model an overwritten file. */
  readonly sha256 = new Map<string, string>();
  /** Sidecar contract per data URI. */
  readonly sidecars = new Map<string, string>();
  /** Rows unseen by the baseline, per data URI (compared only when a baseline is given). */
  readonly newRows = new Map<string, number>();
  /** URIs the inspector refuses, with the refusal (junk: binary, empty, too large). */
  readonly refuse = new Map<string, PermanentError>();
  /** The baseline of each describe call, in order. */
  readonly baselines: (string | undefined)[] = [];
  calls = 0;
  transientFailures = 0;

  async describe(uri: string, options: DescribeOptions = {}): Promise<DatasetDescription> {
    this.calls += 1;
    this.baselines.push(options.baselineUri);
    if (this.transientFailures > 0) {
      this.transientFailures -= 1;
      throw new TransientError('DATA.UNAVAILABLE', `injected outage reading ${uri}`);
    }
    if (this.unreadable.has(uri)) throw new PermanentError('DATA.UNREADABLE', `dataUri: ${uri} cannot be read`);
    const refusal = this.refuse.get(uri);
    if (refusal) throw refusal;
    const sidecar = this.sidecars.get(uri);
    const fresh = options.baselineUri === undefined ? undefined : this.newRows.get(uri);
    return {
      uri,
      rowCount: this.rows.get(uri) ?? 1000,
      bytes: 1024,
      sha256: this.sha256.get(uri) ?? `sha-of-${uri}`,
      ...(sidecar ? { contractUri: sidecar } : {}),
      ...(fresh !== undefined ? { newRows: fresh } : {}),
    };
  }
}

/** A prediction log holding only the labelled predictions a test gives it (filtered by version when asked). */
function fakePredictionLog(labelled: LabelledPrediction[]): PredictionLog {
  return {
    record: async () => undefined,
    recordActuals: async () => ({ matched: 0, unknownRequestIds: [] }),
    recent: async () => [],
    labelled: async (_modelId, window) =>
      window?.version === undefined ? labelled : labelled.filter((p) => p.version === window.version),
    armSummaries: async () => [],
    requestRate: async () => [],
  };
}

function fakeMetrics(points: MetricPoint[]): MetricsSink {
  return { write: async (p) => void points.push(...p), read: async () => [] };
}

function fakeArtifacts(): ArtifactStore {
  const files = new Map<string, Uint8Array>();
  return {
    uri: (path) => `mem:///${path}`,
    write: async (uri, bytes) => void files.set(uri, typeof bytes === 'string' ? Buffer.from(bytes) : bytes),
    read: async (uri) => {
      const b = files.get(uri);
      if (!b) throw new PermanentError('ARTIFACT.NOT_FOUND', `${uri} not found`);
      return b;
    },
    exists: async (uri) => files.has(uri),
    list: async (prefix) => [...files.keys()].filter((k) => k.startsWith(prefix)),
  };
}

/** Options of {@link createHarness}. */
export interface HarnessOptions {
  /** The state store; default a fresh SQLite `:memory:` store (closed with the harness). */
  store?: StateStore;
  /** A real bus the recording bus forwards to. */
  forwardTo?: EventBus;
  policy?: ModelPolicyInput;
  clock?: TestClock;
}

/** A message to deliver to a function. */
export interface Delivery {
  attributes?: Record<string, string>;
  messageId?: string;
  /** Raw `message.data` text instead of JSON of the payload. */
  rawData?: string;
}

/** Everything a service or handler test needs. */
export interface Harness {
  deps: ServiceDeps;
  store: StateStore;
  bus: RecordingBus;
  clock: TestClock;
  launcher: FakeLauncher;
  inspector: FakeInspector;
  serving: FakeServing;
  datasets: FakeDatasets;
  labelled: LabelledPrediction[];
  logger: ReturnType<typeof memoryLogger>;
  getDeps: () => Promise<ServiceDeps>;
  /** The four cloudEvent handlers, built as functions/index.ts builds them. */
  handlers: Record<FunctionName, CloudEventHandler>;
  /** A Pub/Sub CloudEvent (structured, as Eventarc delivers it) for a payload on a topic. */
  cloudEvent(topic: Topic, payload: unknown, delivery?: Delivery): Record<string, unknown>;
  /** Deliver a payload to the function consuming `topic`. */
  deliver(topic: Topic, payload: unknown, delivery?: Delivery): Promise<void>;
  /** Deliver every recorded, not yet delivered command to its consumer, until quiet; returns deliveries made. */
  pump(): Promise<number>;
  /** The runner's completion message for a run (keyed on job id + state, as the local runner sends it). */
  complete(runId: string, state: 'succeeded' | 'failed' | 'cancelled', error?: string): Promise<void>;
  close(): Promise<void>;
}

let messageSeq = 0;

/** A unique message id. */
export function nextMessageId(): string {
  messageSeq += 1;
  return `m-${Date.now().toString(36)}-${messageSeq}`;
}

/** Which function consumes a topic. */
export function consumerOf(topic: Topic): FunctionName | undefined {
  return FUNCTION_NAMES.find((fn) => FUNCTION_TOPICS[fn].includes(topic));
}

/** Build a harness around a real store. */
export function createHarness(options: HarnessOptions = {}): Harness {
  const ownStore = options.store === undefined;
  const store = options.store ?? new SqliteStateStore({ path: ':memory:' });
  const clock = options.clock ?? testClock();
  const bus = new RecordingBus(options.forwardTo);
  const launcher = new FakeLauncher();
  const inspector = new FakeInspector();
  const serving = new FakeServing();
  const datasets = new FakeDatasets();
  const labelled: LabelledPrediction[] = [];
  const logger = memoryLogger();
  const base = {
    store,
    bus,
    logger,
    clock: clock.now,
    launcher,
    datasets,
    inspector,
    serving,
    predictionLog: fakePredictionLog(labelled),
    metrics: fakeMetrics([]),
    artifacts: fakeArtifacts(),
    settings: {
      modelId: MODEL_ID,
      endpointId: ENDPOINT_ID,
      artifactRoot: 'mem:///runs',
      defaultPolicy: defaultPolicy({ autoApprove: true, ...options.policy }),
      commandSigningKey: TEST_SIGNING_KEY,
    },
  };
  const deps: ServiceDeps = { ...base, effects: createEffectExecutors(base) };
  const getDeps = async (): Promise<ServiceDeps> => deps;
  const handlers: Record<FunctionName, CloudEventHandler> = {
    'on-new-data': onNewData(getDeps),
    'on-eval-complete': onEvalComplete(getDeps),
    'on-promotion': onPromotion(getDeps),
    'on-drift-alert': onDriftAlert(getDeps),
  };
  let delivered = 0;

  const cloudEvent = (topic: Topic, payload: unknown, d: Delivery = {}): Record<string, unknown> =>
    buildPubSubCloudEvent({
      project: PROJECT,
      topic,
      messageId: d.messageId ?? nextMessageId(),
      publishTime: clock.now().toISOString(),
      data: d.rawData ?? JSON.stringify(payload),
      attributes: d.attributes ?? {},
    });
  const deliver = async (topic: Topic, payload: unknown, d: Delivery = {}): Promise<void> => {
    const fn = consumerOf(topic);
    if (fn === undefined) throw new Error(`no function consumes ${topic}`);
    await handlers[fn](cloudEvent(topic, payload, d));
  };

  return {
    deps,
    store,
    bus,
    clock,
    launcher,
    inspector,
    serving,
    datasets,
    labelled,
    logger,
    getDeps,
    handlers,
    cloudEvent,
    deliver,
    async pump() {
      let count = 0;
      while (delivered < bus.published.length) {
        const m = bus.published[delivered++];
        if (consumerOf(m.topic) === undefined) continue;
        await deliver(m.topic, m.data, { attributes: m.attributes ?? {}, messageId: `bus-${m.id}` });
        count += 1;
        if (count > 200) throw new Error('pump: more than 200 deliveries, a message loop?');
      }
      return count;
    },
    complete: (runId, state, error) =>
      deliver(
        'pipeline-events',
        {
          type: 'pipeline.completed',
          runId,
          modelId: MODEL_ID,
          pipelineJobId: runId,
          state,
          finishedAt: clock.now().toISOString(),
          ...(error ? { error } : {}),
        },
        { attributes: { idempotencyKey: `${runId}#${state}` } },
      ),
    async close() {
      if (ownStore) await store.close();
    },
  };
}

/** Collections a lifecycle touches (besides the ledger and the audit log), by path. */
export function stateCollections(modelId = MODEL_ID): string[] {
  return [
    COLLECTIONS.models,
    COLLECTIONS.versions(modelId),
    COLLECTIONS.runs,
    COLLECTIONS.deployments,
    COLLECTIONS.experiments,
    COLLECTIONS.alerts,
    COLLECTIONS.datasets,
  ];
}

/** Every document of the given collections, by collection then id (a comparable snapshot). */
export async function snapshot(
  store: StateStore,
  collections = stateCollections(),
): Promise<Record<string, Record<string, Doc>>> {
  const out: Record<string, Record<string, Doc>> = {};
  for (const c of collections) {
    const docs = await store.query(c);
    out[c] = Object.fromEntries(docs.map((d) => [d.id, d.data]));
  }
  return out;
}

/** The ledger entry of a dedupe key, if any. */
export function ledgerEntry(store: StateStore, dedupeKey: string): Promise<LedgerEntry | undefined> {
  return store.get<LedgerEntry>(LEDGER, ledgerId(dedupeKey));
}

/** Ledger entries of one status. */
export async function ledgerEntries(store: StateStore, status?: 'applied' | 'rejected'): Promise<LedgerEntry[]> {
  const found = await store.query<LedgerEntry>(
    LEDGER,
    status ? { where: [{ field: 'status', op: '==', value: status }] } : {},
  );
  return found.map((f) => f.data);
}

/** Deliver `fn()` like Pub/Sub does: retry while it fails with a retryable error (bounded). */
export async function redeliverUntilAcked(fn: () => Promise<void>, attempts = 30): Promise<number> {
  for (let i = 1; ; i += 1) {
    try {
      await fn();
      return i;
    } catch (err) {
      if (i >= attempts || err instanceof PermanentError) throw err;
    }
  }
}

/** A `data.landed` message for a data URI. */
export function landed(dataUri: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'data.landed', modelId: MODEL_ID, dataUri, source: 'loader', ...extra };
}

/** A promotion command (the operator path). */
export function command(action: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'promotion.command', modelId: MODEL_ID, action, actor: 'operator@local', ...extra };
}

/** The model's run in flight. */
export async function inFlightRun(store: StateStore, modelId = MODEL_ID): Promise<string> {
  const model = await store.get<{ inFlightRunId?: string | null }>(COLLECTIONS.models, modelId);
  if (typeof model?.inFlightRunId !== 'string') throw new Error(`model ${modelId} has no run in flight`);
  return model.inFlightRunId;
}

/**
 * Land data, let the run succeed with `spec`, and pump the follow-up commands: returns the run id.
 * With the default policy (autoApprove) the first version ends in production, later ones in canary.
 */
export async function landAndTrain(
  h: Harness,
  dataUri: string,
  spec: EvaluationSpec = {},
  rows = spec.rows ?? 1000,
): Promise<string> {
  h.datasets.rows.set(dataUri, rows);
  await h.deliver('data-landed', landed(dataUri));
  const runId = await inFlightRun(h.store);
  h.inspector.byRun.set(runId, evaluation({ rows, ...spec }));
  await h.complete(runId, 'succeeded');
  await h.pump();
  return runId;
}
