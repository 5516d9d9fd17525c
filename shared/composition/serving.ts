/**
 * The serving container's composition root and entry point (`node dist/shared/composition/serving.js`,
 * docker/serving.Dockerfile). Configuration comes from shared/serving/config.ts only. It listens at
 * once (Vertex's liveness probe is a TCP connect), loads the model from AIP_STORAGE_URI in the
 * background (health answers 503 until then), streams every prediction to BigQuery `prediction_log`
 * through a batcher off the request path, and on SIGTERM stops taking traffic, finishes in-flight
 * requests and flushes the buffered predictions before exiting.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { BigQueryPredictionLog } from '../adapters/gcp/bigquery.prediction-log.js';
import { GcsArtifactStore, parseGsUri } from '../adapters/gcp/gcs.artifact-store.js';
import { FsArtifactStore } from '../adapters/local/fs.artifact-store.js';
import { errorMessage, isRetryable } from '../domain/errors.js';
import { jsonLogger } from '../logging.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { Logger } from '../ports/logger.js';
import type { PredictionRecord } from '../ports/prediction-log.js';
import { explainRouteFor, loadServingConfig, type ServingConfig } from '../serving/config.js';
import { createContainerServer, type ContainerModel } from '../serving/container-server.js';
import { LogBatcher, type LogBatcherStats } from '../serving/log-batcher.js';

/** A running container. */
export interface RunningContainer {
  server: Server;
  /** `http://HOST:PORT` it listens on. */
  url: string;
  /** Resolves once the model serves; rejects when it cannot be loaded. */
  loaded: Promise<void>;
  /** Stop taking traffic, finish in-flight requests, flush the prediction log; resolves with its counters. */
  shutdown(): Promise<LogBatcherStats | undefined>;
}

/** Options beyond configuration. */
export interface ContainerStartOptions {
  logger?: Logger;
  /** Interface to listen on; default 0.0.0.0 as Vertex AI requires. */
  host?: string;
}

const LOAD_ATTEMPTS = 5;

/** Start listening and begin loading the model. */
export async function startServingContainer(
  config: ServingConfig,
  options: ContainerStartOptions = {},
): Promise<RunningContainer> {
  const logger = options.logger ?? jsonLogger(config.logLevel);
  const version = config.modelVersion ?? 'unversioned';
  const batcher = config.predictionLog === 'bigquery' ? await predictionBatcher(config, logger) : undefined;
  const container = createContainerServer({
    routes: { health: config.healthRoute, predict: config.predictRoute, explain: explainRouteFor(config.predictRoute) },
    modelId: config.modelId,
    version,
    endpointId: config.endpointId,
    deployedModelId: config.deployedModelId ?? version,
    ...(batcher ? { log: batcher } : {}),
    logger,
  });
  const server = createServer((req, res) => container.handle(req, res));
  await new Promise<void>((resolve) => server.listen(config.httpPort, options.host ?? '0.0.0.0', resolve));
  const { port } = server.address() as AddressInfo;
  logger.log(
    'INFO',
    `serving ${config.modelId}@${version} on port ${port}: loading the model from ${config.storageUri}`,
    {
      port,
      routes: {
        health: config.healthRoute,
        predict: config.predictRoute,
        explain: explainRouteFor(config.predictRoute),
      },
      predictionLog: config.predictionLog,
    },
  );

  let model: (ContainerModel & { dispose?(): void }) | undefined;
  const loaded = loadWithRetry(config, logger).then(
    (m) => {
      model = m;
      container.ready(m);
      logger.log('INFO', `model ${config.modelId}@${version} loaded; ready`);
    },
    (err: unknown) => {
      container.failed(err);
      throw err;
    },
  );
  loaded.catch(() => undefined);

  let stopped: Promise<LogBatcherStats | undefined> | undefined;
  const shutdown = async (): Promise<LogBatcherStats | undefined> => {
    container.stopping();
    const deadline = Date.now() + config.shutdownGraceMs;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.race([closed, delay(Math.min(5000, config.shutdownGraceMs))]);
    server.closeAllConnections();
    const stats = await batcher?.close(Math.max(0, deadline - Date.now()));
    if (stats)
      logger.log(
        'INFO',
        `prediction log: ${stats.written} predictions written in ${stats.batches} batches, ${stats.dropped} dropped, ${stats.rejected} rejected, ${stats.buffered} not written`,
        { ...stats },
      );
    model?.dispose?.();
    return stats;
  };
  return {
    server,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    loaded,
    shutdown: () => (stopped ??= shutdown()),
  };
}

/** BigQuery streaming inserts (insertId = request id) behind the batcher; retries are the batcher's, not the client's. */
async function predictionBatcher(config: ServingConfig, logger: Logger): Promise<LogBatcher<PredictionRecord>> {
  const log = new BigQueryPredictionLog({
    projectId: config.gcpProject as string,
    dataset: config.bigqueryDataset,
    maxRetries: 0,
    ...(config.bigqueryApiEndpoint
      ? { apiEndpoint: config.bigqueryApiEndpoint, authClient: await noCredentials() }
      : {}),
  });
  return new LogBatcher<PredictionRecord>({
    write: (rows) => log.record(rows),
    what: 'predictions',
    logger,
    batchSize: config.batchSize,
    flushIntervalMs: config.flushIntervalMs,
    maxBuffered: config.maxBuffered,
    maxAttempts: config.maxAttempts,
  });
}

/** An emulator or test server takes any token: a static one keeps the client from looking for credentials. */
async function noCredentials(): Promise<object> {
  const { OAuth2Client } = await import('google-auth-library');
  return new OAuth2Client({ credentials: { access_token: 'emulator', expiry_date: Number.MAX_SAFE_INTEGER } });
}

function artifactStore(config: ServingConfig): ArtifactStore {
  if (config.storageUri.startsWith('file://')) return new FsArtifactStore(fileURLToPath(config.storageUri));
  const { bucket } = parseGsUri(config.storageUri);
  return new GcsArtifactStore(`gs://${bucket}`, {
    ...(config.gcpProject ? { projectId: config.gcpProject } : {}),
    ...(config.storageApiEndpoint ? { apiEndpoint: config.storageApiEndpoint } : {}),
  });
}

/** Load the model (TensorFlow.js on first use), retrying transient storage errors with backoff. */
async function loadWithRetry(config: ServingConfig, logger: Logger): Promise<ContainerModel & { dispose(): void }> {
  const { loadServingModel } = await import('../ml/serving-model.js');
  const store = artifactStore(config);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await loadServingModel(store, config.storageUri);
    } catch (err) {
      if (!isRetryable(err) || attempt >= LOAD_ATTEMPTS) throw err;
      logger.log(
        'WARNING',
        `loading the model failed (attempt ${attempt} of ${LOAD_ATTEMPTS}), retrying: ${errorMessage(err)}`,
      );
      await delay(500 * 2 ** attempt);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The container process: start, exit 1 if the model cannot load, flush and exit 0 on SIGTERM / SIGINT. */
async function main(): Promise<void> {
  let config: ServingConfig;
  try {
    config = loadServingConfig();
  } catch (err) {
    jsonLogger('INFO').log('ERROR', `cannot start: ${errorMessage(err)}`);
    process.exit(1);
  }
  const logger = jsonLogger(config.logLevel);
  const running = await startServingContainer(config, { logger });
  const stop = (signal: string, code: number) =>
    void running.shutdown().then(() => {
      logger.log('INFO', `stopped (${signal})`);
      process.exit(code);
    });
  process.once('SIGTERM', () => stop('SIGTERM', 0));
  process.once('SIGINT', () => stop('SIGINT', 0));
  running.loaded.catch((err: unknown) => {
    logger.log('ERROR', `cannot serve: the model at ${config.storageUri} did not load: ${errorMessage(err)}`);
    stop('model load failed', 1);
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) await main();
