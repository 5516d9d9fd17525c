/**
 * Vertex AI batch prediction for a registered version: a `batchPredictionJobs` job on the Model
 * Registry version the serving adapter uploaded (`<modelId>@v1-2-3`), reading a GCS CSV or JSONL
 * file and writing JSONL predictions under a GCS prefix. CSV rows reach the serving container as
 * objects keyed by the header (`instanceConfig.instanceType: object`), as the online path sends them.
 *
 * Submitting is idempotent: the job carries a `request-key` label (derived from model, version,
 * input and output unless given) and a submit first looks for a live or finished job with that key,
 * so a retried `ipo-mlops predict --gcp` does not start a second job.
 */
import { createHash } from 'node:crypto';
import type { protos, v1 } from '@google-cloud/aiplatform';
import { PermanentError, TransientError, ValidationError, errorMessage, type Issue } from '../../domain/errors.js';
import type { GaxEndpointOptions } from './endpoints.js';
import { GRPC, lazy, type Lazy } from './lazy.js';
import { googleStatusCode, isRetryableStatus } from './monitoring.metrics-sink.js';
import { registryId, versionAlias } from './vertex.model-serving.js';

type Job = protos.google.cloud.aiplatform.v1.IBatchPredictionJob;

/** Options of {@link VertexBatchPrediction}. */
export interface VertexBatchPredictionOptions {
  projectId: string;
  location: string;
  /** Default `n1-standard-2`. */
  machineType?: string;
  /** Identity the prediction containers run as (the serving identity); default Vertex's own. */
  serviceAccount?: string;
  client?: GaxEndpointOptions;
}

/** What to predict. */
export interface BatchPredictionRequest {
  modelId: string;
  /** A registered semver, already uploaded to the Model Registry (deployed at least once). */
  version: string;
  /** `gs://…/file.csv` (with a header row) or `gs://…/file.jsonl` (one JSON object per line). */
  inputUri: string;
  /** `gs://bucket/prefix`: Vertex writes `prediction.results-*` files in a job directory under it. */
  outputUriPrefix: string;
  /** Most replicas (default 2); Vertex starts with one. */
  maxReplicas?: number;
  /** Identifies the request for idempotency; default a hash of model, version, input and output. */
  requestKey?: string;
}

/** A batch prediction job's state, normalised. */
export const BATCH_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
/** A normalised job state. */
export type BatchState = (typeof BATCH_STATES)[number];

/** A submitted job. */
export interface BatchPredictionJob {
  /** `projects/P/locations/L/batchPredictionJobs/ID`. */
  name: string;
  state: BatchState;
  /** Where the predictions are, once Vertex created the output directory. */
  outputDirectory?: string;
  error?: string;
  /** Rows predicted and failed so far. */
  counts?: { succeeded: number; failed: number };
  /** True when a submit found the job of an earlier identical request. */
  alreadyExisted?: boolean;
}

// JobState enum names and numbers (REST returns either, depending on the client's enum encoding).
const JOB_STATES = [
  'JOB_STATE_UNSPECIFIED',
  'JOB_STATE_QUEUED',
  'JOB_STATE_PENDING',
  'JOB_STATE_RUNNING',
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLING',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_PAUSED',
  'JOB_STATE_EXPIRED',
  'JOB_STATE_UPDATING',
  'JOB_STATE_PARTIALLY_SUCCEEDED',
];
const MAPPED: Record<string, BatchState> = {
  JOB_STATE_RUNNING: 'running',
  JOB_STATE_CANCELLING: 'running',
  JOB_STATE_UPDATING: 'running',
  JOB_STATE_SUCCEEDED: 'succeeded',
  JOB_STATE_PARTIALLY_SUCCEEDED: 'succeeded',
  JOB_STATE_FAILED: 'failed',
  JOB_STATE_EXPIRED: 'failed',
  JOB_STATE_CANCELLED: 'cancelled',
};

/** Map a Vertex JobState (enum name or number) to ours. */
export function mapJobState(state: unknown): BatchState {
  const name = typeof state === 'number' ? JOB_STATES[state] : String(state);
  return MAPPED[name ?? ''] ?? 'queued';
}

/** Batch predictions on Vertex AI. */
export class VertexBatchPrediction {
  private readonly jobs: Lazy<v1.JobServiceClient>;
  private readonly parent: string;

  constructor(private readonly options: VertexBatchPredictionOptions) {
    this.parent = `projects/${options.projectId}/locations/${options.location}`;
    this.jobs = lazy(async () => {
      const { v1: vertex } = await import('@google-cloud/aiplatform');
      return new vertex.JobServiceClient({
        apiEndpoint: `${options.location}-aiplatform.googleapis.com`,
        ...options.client,
      } as ConstructorParameters<typeof vertex.JobServiceClient>[0]);
    });
  }

  /** Start a job (or find the one an identical earlier request started). */
  async submit(request: BatchPredictionRequest): Promise<BatchPredictionJob> {
    const format = validate(request);
    const key =
      request.requestKey ??
      createHash('sha256')
        .update(JSON.stringify([request.modelId, request.version, request.inputUri, request.outputUriPrefix]))
        .digest('hex')
        .slice(0, 32);
    const client = await this.jobs.get();
    const [existing] = await call('list batch prediction jobs', () =>
      client.listBatchPredictionJobs(
        { parent: this.parent, filter: `labels.request-key="${key}"`, pageSize: 10 },
        { autoPaginate: false },
      ),
    );
    const reusable = existing.find((j) => mapJobState(j.state) !== 'failed' && mapJobState(j.state) !== 'cancelled');
    if (reusable) return { ...toJob(reusable), alreadyExisted: true };
    const model = `${this.parent}/models/${registryId(request.modelId)}@${versionAlias(request.version)}`;
    const [created] = await call(
      `create batch prediction for ${request.modelId}@${request.version}`,
      () =>
        client.createBatchPredictionJob({
          parent: this.parent,
          batchPredictionJob: {
            displayName: `${request.modelId}@${request.version} batch ${key.slice(0, 8)}`.slice(0, 128),
            model,
            inputConfig: { instancesFormat: format, gcsSource: { uris: [request.inputUri] } },
            instanceConfig: { instanceType: 'object' },
            outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: request.outputUriPrefix } },
            dedicatedResources: {
              machineSpec: { machineType: this.options.machineType ?? 'n1-standard-2' },
              startingReplicaCount: 1,
              maxReplicaCount: request.maxReplicas ?? 2,
            },
            labels: {
              'model-id': registryId(request.modelId),
              'model-version': versionAlias(request.version),
              'request-key': key,
            },
            ...(this.options.serviceAccount ? { serviceAccount: this.options.serviceAccount } : {}),
          },
        }),
      model,
    );
    return { ...toJob(created), alreadyExisted: false };
  }

  /** The job's state, output directory and counts. */
  async status(name: string): Promise<BatchPredictionJob> {
    const client = await this.jobs.get();
    const [job] = await call(`read ${name}`, () => client.getBatchPredictionJob({ name }));
    return toJob(job);
  }

  /** Close the client if it was ever created. */
  async close(): Promise<void> {
    const pending = this.jobs.peek();
    if (pending) await (await pending).close();
  }
}

function validate(request: BatchPredictionRequest): 'csv' | 'jsonl' {
  const issues: Issue[] = [];
  const format = /\.csv$/i.test(request.inputUri) ? 'csv' : /\.jsonl$/i.test(request.inputUri) ? 'jsonl' : undefined;
  if (!request.inputUri.startsWith('gs://') || format === undefined)
    issues.push({ path: 'inputUri', message: `must be a gs:// .csv or .jsonl file, got ${request.inputUri}` });
  if (!/^gs:\/\/[^/]+/.test(request.outputUriPrefix))
    issues.push({ path: 'outputUriPrefix', message: `must be a gs:// prefix, got ${request.outputUriPrefix}` });
  if (request.maxReplicas !== undefined && !(Number.isInteger(request.maxReplicas) && request.maxReplicas >= 1))
    issues.push({ path: 'maxReplicas', message: 'must be a positive integer' });
  if (request.version.trim() === '') issues.push({ path: 'version', message: 'must name a registered version' });
  if (issues.length > 0 || format === undefined)
    throw new ValidationError('batch prediction request', issues, 'PREDICT.BATCH_INVALID');
  return format;
}

function toJob(job: Job): BatchPredictionJob {
  const stats = job.completionStats;
  const output = job.outputInfo?.gcsOutputDirectory ?? undefined;
  return {
    name: job.name ?? '',
    state: mapJobState(job.state),
    ...(output ? { outputDirectory: output } : {}),
    ...(job.error?.message ? { error: job.error.message } : {}),
    ...(stats
      ? { counts: { succeeded: Number(stats.successfulCount ?? 0), failed: Number(stats.failedCount ?? 0) } }
      : {}),
  };
}

async function call<T>(what: string, fn: () => Promise<T>, model?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = googleStatusCode(err);
    const message = `Vertex AI: ${what} failed: ${errorMessage(err)}`;
    if (code === GRPC.NOT_FOUND && model !== undefined) {
      throw new PermanentError(
        'PREDICT.MODEL_NOT_REGISTERED',
        `${model} is not in the Vertex Model Registry: a version is uploaded when it is first deployed (canary or promote)`,
        { model },
      );
    }
    throw isRetryableStatus(code)
      ? new TransientError('PREDICT.VERTEX_UNAVAILABLE', message, { grpcCode: code })
      : new PermanentError('PREDICT.VERTEX_REJECTED', message, { grpcCode: code });
  }
}
