/**
 * The Google Cloud composition root: Firestore, Pub/Sub, GCS, Vertex AI, BigQuery and Cloud
 * Monitoring adapters, built once per cold start. Every adapter loads its SDK on first use.
 */
import type { Config } from '../config.js';
import { defaultPolicy } from '../domain/lifecycle/index.js';
import { jsonLogger } from '../logging.js';
import { FirestoreStateStore } from '../adapters/gcp/firestore.state-store.js';
import { PubSubEventBus } from '../adapters/gcp/pubsub.event-bus.js';
import { GcsArtifactStore } from '../adapters/gcp/gcs.artifact-store.js';
import { VertexPipelineLauncher } from '../adapters/gcp/vertex.pipeline-launcher.js';
import { VertexModelServing } from '../adapters/gcp/vertex.model-serving.js';
import { BigQueryPredictionLog } from '../adapters/gcp/bigquery.prediction-log.js';
import { MonitoringMetricsSink } from '../adapters/gcp/monitoring.metrics-sink.js';
import { csvDatasetInspector } from '../adapters/dataset-inspector.js';
import { mlModelInspector } from '../adapters/ml.model-inspector.js';
import { createEffectExecutors } from '../services/effects.js';
import type { ServiceDeps } from '../services/context.js';

/** Build the service dependencies for the gcp backend. */
export function createGcpDeps(config: Config): ServiceDeps {
  const projectId = required(config.gcpProject, 'GCP_PROJECT');
  const location = config.gcpRegion;
  const artifacts = new GcsArtifactStore(`gs://${required(config.artifactBucket, 'ARTIFACT_BUCKET')}/runs`);
  const base = {
    store: new FirestoreStateStore({ projectId, databaseId: config.firestoreDatabase }),
    bus: new PubSubEventBus({ projectId }),
    logger: jsonLogger(config.logLevel),
    clock: () => new Date(),
    launcher: new VertexPipelineLauncher({
      project: projectId, location, trainerImage: required(config.trainerImage, 'TRAINER_IMAGE'),
      ...(config.pipelineServiceAccount ? { serviceAccount: config.pipelineServiceAccount } : {}),
      pipelineRoot: `gs://${config.artifactBucket}/pipeline-root`,
    }),
    datasets: csvDatasetInspector(artifacts),
    inspector: mlModelInspector(artifacts),
    serving: new VertexModelServing({ projectId, location, endpointId: config.vertexEndpointId ?? '', ...(config.servingImage ? { servingImage: config.servingImage } : {}) }),
    predictionLog: new BigQueryPredictionLog({ projectId, dataset: config.bigqueryDataset ?? 'ipo_mlops' }),
    metrics: new MonitoringMetricsSink({ projectId }),
    artifacts,
    settings: { modelId: config.modelId, endpointId: config.vertexEndpointId ?? 'ipo-valuation', artifactRoot: artifacts.uri(''), defaultPolicy: defaultPolicy({ autoApprove: false }), commandSigningKey: config.commandSigningKey ?? '' }, // gcp: read COMMAND_SIGNING_KEY_SECRET (an empty key refuses every automation command)
  };
  return { ...base, effects: createEffectExecutors(base) };
}

function required(value: string | undefined, env: string): string {
  if (value === undefined || value === '') throw new Error(`${env} is required on the gcp backend`);
  return value;
}
