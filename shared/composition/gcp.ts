/**
 * The Google Cloud composition root: Firestore, Pub/Sub, GCS, Vertex AI, BigQuery and Cloud
 * Monitoring adapters, built once per cold start for the function being served (FUNCTION_TARGET).
 * A function gets exactly the ports its variables configure; a port it has no configuration for
 * fails with CONFIG.NOT_CONFIGURED naming the variable, instead of calling Google with a guess.
 * Every adapter loads its SDK on first use; secrets are read here, once, unless Cloud Run mounted them.
 */
import { targetOf, type Config, type GcpTarget } from '../config.js';
import { defaultPolicy } from '../domain/lifecycle/index.js';
import { PermanentError, ValidationError, type Issue } from '../domain/errors.js';
import { jsonLogger } from '../logging.js';
import type { PredictionLog } from '../ports/prediction-log.js';
import { FirestoreStateStore } from '../adapters/gcp/firestore.state-store.js';
import { PubSubEventBus } from '../adapters/gcp/pubsub.event-bus.js';
import { GcsArtifactStore } from '../adapters/gcp/gcs.artifact-store.js';
import { VertexPipelineLauncher } from '../adapters/gcp/vertex.pipeline-launcher.js';
import { VertexModelServing } from '../adapters/gcp/vertex.model-serving.js';
import { VertexBatchPrediction } from '../adapters/gcp/vertex.batch-prediction.js';
import { BigQueryPredictionLog } from '../adapters/gcp/bigquery.prediction-log.js';
import { MonitoringMetricsSink } from '../adapters/gcp/monitoring.metrics-sink.js';
import { SecretManagerReader } from '../adapters/gcp/secret-manager.secret-reader.js';
import { lifecycleLoggingBus } from '../adapters/gcp/lifecycle-log.event-bus.js';
import {
  gaxOptions,
  parseApiEndpoint,
  placeholderAuthClient,
  restOptions,
  storageOptions,
} from '../adapters/gcp/endpoints.js';
import { csvDatasetInspector } from '../adapters/dataset-inspector.js';
import { mlModelInspector } from '../adapters/ml.model-inspector.js';
import { createEffectExecutors } from '../services/effects.js';
import type { ServiceDeps } from '../services/context.js';

/** The dependencies of an event function, and the drift webhook's token when this is on-drift-alert. */
export interface GcpRuntime {
  deps: ServiceDeps;
  webhookToken?: string;
}

/** What the actuals ingestion function needs (structurally the serving helper's `ActualsDeps`). */
export interface GcpActualsDeps {
  log: PredictionLog;
  modelId: string;
  clock: () => Date;
}

/** Build an event function's dependencies (and read its secrets) for the gcp backend. */
export async function createGcpRuntime(config: Config): Promise<GcpRuntime> {
  const target = targetOf(config.functionTarget);
  const projectId = need(config.gcpProject, 'GCP_PROJECT', target);
  const location = config.gcpRegion;
  const [vertex, monitoring, secrets, firestoreAuth] = await Promise.all([
    gaxOptions(parseApiEndpoint(config.vertexApiEndpoint)),
    gaxOptions(parseApiEndpoint(config.monitoringApiEndpoint)),
    readSecrets(config, target),
    config.firestoreEmulatorHost === undefined ? undefined : placeholderAuthClient(),
  ]);
  const bucket = need(config.artifactBucket, 'ARTIFACT_BUCKET', target);
  const artifacts = new GcsArtifactStore(
    `gs://${bucket}/runs`,
    storageOptions(parseApiEndpoint(config.storageApiEndpoint)),
  );
  const endpointId = need(config.vertexEndpointId, 'VERTEX_ENDPOINT_ID', target);
  const logger = jsonLogger(config.logLevel, undefined, { projectId });
  const base = {
    // REST for unary calls: no gRPC channel set-up on the cold path (the SDK uses gRPC where streaming needs it).
    store: new FirestoreStateStore({
      projectId,
      databaseId: config.firestoreDatabase,
      preferRest: true,
      ...(firestoreAuth ? { authClient: firestoreAuth } : {}),
    }),
    bus: lifecycleLoggingBus(new PubSubEventBus({ projectId }), logger),
    logger,
    clock: () => new Date(),
    launcher: new VertexPipelineLauncher({
      project: projectId,
      location,
      clientOptions: vertex,
      ...(config.trainerImage ? { trainerImage: config.trainerImage } : {}),
      ...(config.pipelineServiceAccount ? { serviceAccount: config.pipelineServiceAccount } : {}),
      pipelineRoot: `gs://${bucket}/pipeline-root`,
    }),
    datasets: csvDatasetInspector(artifacts, { maxBytes: config.maxDatasetBytes }),
    inspector: mlModelInspector(artifacts),
    serving:
      config.servingImage === undefined
        ? notConfigured<VertexModelServing>('model serving', 'SERVING_IMAGE', target)
        : new VertexModelServing({
            projectId,
            location,
            servingImage: config.servingImage,
            client: vertex,
            fallback: vertex.fallback === true,
            ...(config.servingServiceAccount ? { serviceAccount: config.servingServiceAccount } : {}),
          }),
    predictionLog:
      config.bigqueryDataset === undefined
        ? notConfigured<PredictionLog>('the prediction log', 'BIGQUERY_DATASET', target)
        : await bigQueryLog(config, projectId),
    metrics: new MonitoringMetricsSink({ projectId, client: monitoring, fallback: monitoring.fallback === true }),
    artifacts,
    settings: {
      modelId: config.modelId,
      endpointId,
      artifactRoot: artifacts.uri(''),
      // Humans approve on Google Cloud; automation stays an approver for the follow-up promote and drift rollbacks (signed commands).
      defaultPolicy: defaultPolicy({
        autoApprove: false,
        approvers: [...new Set([...(config.approvers ?? []), 'automation'])],
      }),
      // A pipeline-events message is a claim anyone with publish rights could make: confirm it with Vertex.
      verifyPipelineCompletions: true,
      eventTtlHours: config.eventTtlHours,
      maxDatasetBytes: config.maxDatasetBytes,
      commandSigningKey: need(secrets.commandSigningKey, 'COMMAND_SIGNING_KEY_SECRET', target),
    },
  };
  const deps: ServiceDeps = { ...base, effects: createEffectExecutors(base) };
  return { deps, ...(secrets.webhookToken === undefined ? {} : { webhookToken: secrets.webhookToken }) };
}

/** Build the event function dependencies for the gcp backend (see {@link createGcpRuntime}). */
export async function createGcpDeps(config: Config): Promise<ServiceDeps> {
  return (await createGcpRuntime(config)).deps;
}

/**
 * The Vertex batch prediction launcher, for `ipo-mlops predict --gcp` (the operator CLI): jobs run on
 * the registered version's Model Registry entry as the serving identity, clients honour the endpoint overrides.
 */
export async function createGcpBatchPrediction(config: Config): Promise<VertexBatchPrediction> {
  const projectId = need(config.gcpProject, 'GCP_PROJECT', undefined);
  return new VertexBatchPrediction({
    projectId,
    location: config.gcpRegion,
    client: await gaxOptions(parseApiEndpoint(config.vertexApiEndpoint)),
    ...(config.servingServiceAccount ? { serviceAccount: config.servingServiceAccount } : {}),
  });
}

/** Build the actuals ingestion function's dependencies: the BigQuery prediction log only. */
export async function createGcpActualsDeps(config: Config): Promise<GcpActualsDeps> {
  const target = targetOf(config.functionTarget);
  const projectId = need(config.gcpProject, 'GCP_PROJECT', target);
  need(config.bigqueryDataset, 'BIGQUERY_DATASET', target);
  return { log: await bigQueryLog(config, projectId), modelId: config.modelId, clock: () => new Date() };
}

async function bigQueryLog(config: Config, projectId: string): Promise<BigQueryPredictionLog> {
  const rest = await restOptions(parseApiEndpoint(config.bigqueryApiEndpoint));
  return new BigQueryPredictionLog({
    projectId,
    dataset: need(config.bigqueryDataset, 'BIGQUERY_DATASET', undefined),
    ...rest,
  });
}

/** The secrets a target uses: the mounted value when Cloud Run set it, else read from Secret Manager (in parallel). */
async function readSecrets(
  config: Config,
  target: GcpTarget | undefined,
): Promise<{ webhookToken?: string; commandSigningKey?: string }> {
  const reader = lazyReader(config);
  const [webhookToken, commandSigningKey] = await Promise.all([
    target === undefined || target === 'on-drift-alert'
      ? secret(config.webhookToken, config.webhookTokenSecret, reader)
      : undefined,
    secret(config.commandSigningKey, config.commandSigningKeySecret, reader),
  ]);
  return {
    ...(webhookToken === undefined ? {} : { webhookToken }),
    ...(commandSigningKey === undefined ? {} : { commandSigningKey }),
  };
}

async function secret(
  mounted: string | undefined,
  version: string | undefined,
  reader: () => Promise<SecretManagerReader>,
): Promise<string | undefined> {
  if (mounted !== undefined) return mounted;
  return version === undefined ? undefined : (await reader()).access(version);
}

function lazyReader(config: Config): () => Promise<SecretManagerReader> {
  let reader: Promise<SecretManagerReader> | undefined;
  return () =>
    (reader ??= restOptions(parseApiEndpoint(config.secretManagerApiEndpoint)).then((o) => new SecretManagerReader(o)));
}

function need<T>(value: T | undefined, env: string, target: GcpTarget | undefined): T {
  if (value !== undefined && value !== '') return value;
  const issue: Issue = { path: env, message: `is required on the gcp backend${target ? ` for ${target}` : ''}` };
  throw new ValidationError('configuration', [issue], 'CONFIG.INVALID');
}

/**
 * A port this function has no configuration for: any call fails permanently, naming the variable, so a
 * wrong wiring shows up as one clear rejection instead of a request to Google with a made-up value.
 */
function notConfigured<T extends object>(what: string, env: string, target: GcpTarget | undefined): T {
  const fail = async (): Promise<never> => {
    throw new PermanentError(
      'CONFIG.NOT_CONFIGURED',
      `${target ?? 'this function'} has no ${env}: ${what} is not used by it`,
    );
  };
  return new Proxy({}, { get: (_t, prop) => (prop === 'then' ? undefined : fail) }) as T;
}
