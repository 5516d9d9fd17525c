/**
 * The embedded composition root: SQLite state and bus, a worker-thread pipeline runner, an
 * in-process endpoint with its SQLite prediction log and metrics, artifacts on the file system.
 * The four functions' routes are subscribed to the bus through the same edge Cloud Functions runs.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { defaultPolicy, type ModelPolicyInput } from '../domain/lifecycle/index.js';
import { FUNCTION_NAMES, FUNCTION_TOPICS } from '../domain/topics.js';
import { COLLECTIONS, SCHEMAS } from '../domain/state.js';
import { jsonLogger } from '../logging.js';
import type { Logger } from '../ports/logger.js';
import type { DeadLetters } from '../ports/dead-letters.js';
import { ValidationError } from '../domain/errors.js';
import { SqliteStateStore } from '../adapters/local/sqlite.state-store.js';
import { SqliteEventBus, type SubscribeOptions } from '../adapters/local/sqlite.event-bus.js';
import { FsArtifactStore } from '../adapters/local/fs.artifact-store.js';
import { WorkerPipelineRunner } from '../adapters/local/worker.pipeline-runner.js';
import { LocalModelServing } from '../adapters/local/local.model-serving.js';
import { SqlitePredictionLog } from '../adapters/local/sqlite.prediction-log.js';
import { createPredictionHandler, type RouteHandler } from '../adapters/local/prediction-endpoint.js';
import { canExplain } from '../serving/explainable.js';
import { SqliteMetricsSink } from '../adapters/local/sqlite.metrics-sink.js';
import { csvDatasetInspector } from '../adapters/dataset-inspector.js';
import { mlModelInspector } from '../adapters/ml.model-inspector.js';
import { DEFAULT_CONTRACT } from '../ml/default-contract.js';
import type { PipelineCompletion } from '../ml/pipeline-result.js';
import type { PipelineProgress } from '../ml/pipeline.js';
import { createEffectExecutors } from '../services/effects.js';
import type { ServiceDeps } from '../services/context.js';
import { createCloudEventHandler } from '../services/edge.js';
import { FUNCTION_ROUTES } from '../services/routes/index.js';
import { getDoc } from '../services/documents.js';
import { runReconciler } from '../services/reconciler.service.js';

/** Options beyond configuration (tests and the demo tune these). */
export interface LocalStackOptions {
  logger?: Logger;
  clock?: () => Date;
  policy?: ModelPolicyInput;
  /** Bus retry settings (tests shorten backoff). */
  subscription?: SubscribeOptions;
  /** Hyperparameters for every run (the demo trains fewer epochs). */
  hyperparameters?: Record<string, number>;
}

/** Everything the local platform runs on. */
export interface LocalStack {
  deps: ServiceDeps;
  bus: SqliteEventBus;
  store: SqliteStateStore;
  runner: WorkerPipelineRunner;
  serving: LocalModelServing;
  predictionLog: SqlitePredictionLog;
  metrics: SqliteMetricsSink;
  artifacts: FsArtifactStore;
  /** The bus's dead letters: list and replay (the platform API and CLI use it). */
  deadLetters: DeadLetters;
  dataDir: string;
  /** The endpoint's HTTP routes (Vertex AI's predict shape, actuals), for the platform's server. */
  predictionHandler: RouteHandler;
  /** Subscribe the four functions' handlers to their topics on the bus, and resume runs a previous stop interrupted. */
  registerFunctions(): void;
  close(): Promise<void>;
}

/**
 * Build the embedded stack under `config.dataDir`. The local default policy auto-approves and has no
 * retrain cooldown (the minimum-new-rows rule and the alert debounce still apply), so a CSV dropped into
 * the landing folder retrains at once; a request within a cooldown would be recorded as skipped, not deferred.
 */
export async function createLocalStack(config: Config, options: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = resolve(config.dataDir);
  const folders = { artifacts: join(dataDir, 'artifacts'), landing: join(dataDir, 'landing') };
  for (const folder of Object.values(folders)) mkdirSync(folder, { recursive: true });
  const logger = options.logger ?? jsonLogger(config.logLevel);
  const clock = options.clock ?? (() => new Date());
  // State and bus in one database: a decision's messages are committed with its state (no outbox step).
  const database = { path: join(dataDir, 'state.db'), synchronous: config.sqliteSynchronous };
  const bus = new SqliteEventBus({
    ...database,
    defaults: { ...busPolicy(config), ...options.subscription },
    importFrom: join(dataDir, 'bus.db'),
    backgroundCheckpoint: true,
  });
  const store = new SqliteStateStore({ ...database, now: clock, bus });
  // A message's dataUri / contractUri is only ever read from these two folders (ARTIFACT.OUTSIDE_ROOT otherwise).
  const artifacts = new FsArtifactStore(folders.artifacts, { roots: [folders.landing] });
  const predictionLog = new SqlitePredictionLog({
    path: join(dataDir, 'telemetry.db'),
    synchronous: config.sqliteSynchronous,
  });
  const metrics = new SqliteMetricsSink({ path: join(dataDir, 'metrics.db'), synchronous: config.sqliteSynchronous });
  const serving = new LocalModelServing({
    loadPredictor: async (uri) => {
      const { loadServingModel } = await import('../ml/serving-model.js'); // TensorFlow.js on first use only
      const model = await loadServingModel(artifacts, uri);
      return {
        predict: async (rows) => model.predict(rows as never),
        close: async () => model.dispose(),
        ...(canExplain(model) ? { explain: async (rows: Record<string, unknown>[]) => model.explain(rows) } : {}),
      };
    },
  });
  const runner = new WorkerPipelineRunner({
    storeRoots: [folders.artifacts, folders.landing],
    onProgress: (runId, event) =>
      void recordProgress(store, clock, runId, event).catch((err: unknown) =>
        logger.log('WARNING', `progress of ${runId} not recorded: ${String(err)}`),
      ),
    onComplete: (completion) => publishCompletion(bus, completion),
    onCallbackError: (err, completion) =>
      logger.log('ERROR', `completion of ${completion.runId} not published: ${String(err)}`, {
        correlationId: completion.correlationId,
      }),
  });
  const base = {
    store,
    bus,
    logger,
    clock,
    launcher: withHyperparameters(runner, options.hyperparameters),
    datasets: csvDatasetInspector(artifacts, {
      timeColumn: DEFAULT_CONTRACT.timeColumn,
      maxBytes: config.maxDatasetBytes,
    }),
    inspector: mlModelInspector(artifacts),
    serving,
    predictionLog,
    metrics,
    artifacts,
    settings: {
      modelId: config.modelId,
      endpointId: `${config.modelId}-endpoint`,
      artifactRoot: artifacts.uri('runs'),
      defaultPolicy: defaultPolicy({
        autoApprove: true,
        retrain: { cooldownMinutes: 0 },
        ...(config.approvers ? { approvers: [...new Set([...config.approvers, 'automation'])] } : {}),
        ...options.policy,
      }),
      commandSigningKey: config.commandSigningKey ?? localSigningKey(dataDir),
      eventTtlHours: config.eventTtlHours,
      maxDatasetBytes: config.maxDatasetBytes,
    },
  };
  const deps: ServiceDeps = { ...base, effects: createEffectExecutors(base) };
  const getDeps = async (): Promise<ServiceDeps> => deps;
  const predictionHandler = createPredictionHandler({
    serving,
    log: predictionLog,
    endpointId: base.settings.endpointId,
    modelId: config.modelId,
    projectId: 'local',
    location: 'local',
    clock,
  });
  return {
    deps,
    bus,
    store,
    runner,
    serving,
    predictionLog,
    metrics,
    artifacts,
    dataDir,
    predictionHandler,
    deadLetters: bus.deadLetterQueue(),
    registerFunctions() {
      for (const fn of FUNCTION_NAMES) {
        const handler = createCloudEventHandler(fn, FUNCTION_TOPICS[fn], getDeps, FUNCTION_ROUTES[fn]);
        for (const topic of FUNCTION_TOPICS[fn]) bus.subscribe(topic, `${fn}--${topic}`, (event) => handler(event));
      }
      // Runs a clean stop interrupted are still submitted / running with their attempt: one reconciler
      // pass relaunches them now (same run id, same attempt) rather than at the first scheduled tick.
      const identity = {
        handler: 'local-startup',
        dedupeKey: 'startup',
        messageId: 'startup',
        topic: 'pipeline-events',
        correlationId: 'startup',
      };
      void runReconciler(deps, identity).catch((err: unknown) =>
        logger.log('ERROR', `startup reconciler pass failed: ${String(err)}`),
      );
    },
    async close() {
      await runner.close();
      await bus.close(); // stops deliveries; the shared connection closes with the store
      await store.close();
      predictionLog.close();
      metrics.close();
    },
  };
}

/** The bus's retry and dead-letter policy from configuration (Pub/Sub's defaults). */
function busPolicy(config: Config): SubscribeOptions {
  if (config.busMaxBackoffSeconds < config.busMinBackoffSeconds) {
    throw new ValidationError(
      'configuration',
      [
        {
          path: 'IPO_BUS_MAX_BACKOFF_SECONDS',
          message: `must be at least IPO_BUS_MIN_BACKOFF_SECONDS (${config.busMinBackoffSeconds}), got ${config.busMaxBackoffSeconds}`,
        },
      ],
      'CONFIG.INVALID',
    );
  }
  return {
    maxDeliveryAttempts: config.maxDeliveryAttempts,
    minBackoffMs: config.busMinBackoffSeconds * 1000,
    maxBackoffMs: config.busMaxBackoffSeconds * 1000,
  };
}

/** governance: the command signing key kept under the data dir (created on first start, owner-only), so restarts verify what was signed before. */
function localSigningKey(dataDir: string): string {
  const file = join(dataDir, 'command-signing.key');
  try {
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // kept from an earlier start (or another process won the race)
  }
  return readFileSync(file, 'utf8').trim();
}

function withHyperparameters(
  runner: WorkerPipelineRunner,
  hp: Record<string, number> | undefined,
): WorkerPipelineRunner {
  if (!hp) return runner;
  const launch = runner.launch.bind(runner);
  runner.launch = (request) => launch({ ...request, hyperparameters: { ...hp, ...request.hyperparameters } });
  return runner;
}

async function recordProgress(
  store: SqliteStateStore,
  clock: () => Date,
  runId: string,
  event: PipelineProgress,
): Promise<void> {
  await store.transaction(async (tx) => {
    const run = await getDoc(tx, SCHEMAS.RunDoc, COLLECTIONS.runs, runId);
    if (!run || !['submitted', 'running'].includes(run.state)) return;
    const at = clock().toISOString();
    const progress =
      event.kind === 'step'
        ? { ...(run.progress ?? {}), step: event.step, stepStatus: event.status }
        : {
            ...(run.progress ?? {}),
            step: 'train',
            epoch: event.epoch,
            epochs: event.epochs,
            loss: event.loss,
            valLoss: event.valLoss,
            family: event.family,
            member: event.member,
            members: event.members,
          };
    tx.set(COLLECTIONS.runs, runId, { ...run, state: 'running', progress, updatedAt: at });
  });
}

/** Turn the runner's completion into a `pipeline-events` message (keyed on job id + state, like the Vertex path). */
export async function publishCompletion(bus: SqliteEventBus, c: PipelineCompletion): Promise<void> {
  await bus.publish({
    topic: 'pipeline-events',
    data: {
      type: 'pipeline.completed',
      runId: c.runId,
      modelId: c.modelId,
      pipelineJobId: c.runId,
      state: c.state,
      artifactUri: c.artifactUri,
      finishedAt: c.finishedAt,
      ...(c.error ? { error: c.error } : {}),
      ...(c.errorCode ? { errorCode: c.errorCode } : {}),
      ...(c.retryable === false ? { retryable: false } : {}),
    },
    attributes: { idempotencyKey: `${c.runId}#${c.state}`, correlationId: c.correlationId },
  });
}
