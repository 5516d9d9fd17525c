/**
 * PipelineLauncher on Vertex AI Pipelines: createPipelineJob with the run id as pipeline job id
 * (ALREADY_EXISTS means the run was launched before), pipelineJobs.get for the authoritative state.
 * The state is read over plain REST (google-auth-library), not the generated client: every completion
 * is verified with it, often on a cold start, and loading @google-cloud/aiplatform and its protos
 * costs seconds and ~100 MB there. Launch and cancel use the client.
 */
import { PermanentError, TransientError, errorMessage } from '../../domain/errors.js';
import type {
  PipelineLaunchRequest,
  PipelineLauncher,
  PipelineState,
  PipelineStatus,
} from '../../ports/pipeline-launcher.js';
import { buildPipelineSpec } from '../../ml/pipeline-spec.js';
import { httpStatusOf, restRequester, type GaxEndpointOptions, type RestRequester } from './endpoints.js';
import { lazy, type Lazy } from './lazy.js';

type AiPlatform = typeof import('@google-cloud/aiplatform');
type Client = InstanceType<AiPlatform['v1']['PipelineServiceClient']>;
type Value = import('@google-cloud/aiplatform').protos.google.protobuf.IValue;
type Struct = import('@google-cloud/aiplatform').protos.google.protobuf.IStruct;

/** Plain JSON -> protobuf Value (the client's object form of google.protobuf.Value). */
function toValue(v: unknown): Value {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v as Record<string, unknown>) };
}

/** Plain JSON object -> protobuf Struct. */
function toStruct(o: Record<string, unknown>): Struct {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toValue(v)])) };
}

/** Options of the launcher. */
export interface VertexPipelineLauncherOptions {
  project: string;
  location: string;
  /** Trainer image of the components; only functions that launch runs have one (launch fails without). */
  trainerImage?: string;
  /** Service account the job runs as. */
  serviceAccount?: string;
  /** gs:// root for KFP's own outputs; defaults to `<artifactUri>/pipeline-root`. */
  pipelineRoot?: string;
  /** Passed to the client (a local fake: `fallback: true` and a placeholder auth client). */
  clientOptions?: GaxEndpointOptions;
}

const STATES: Record<string, PipelineState> = {
  PIPELINE_STATE_UNSPECIFIED: 'queued',
  PIPELINE_STATE_QUEUED: 'queued',
  PIPELINE_STATE_PENDING: 'queued',
  PIPELINE_STATE_RUNNING: 'running',
  PIPELINE_STATE_CANCELLING: 'running',
  PIPELINE_STATE_PAUSED: 'running',
  PIPELINE_STATE_SUCCEEDED: 'succeeded',
  PIPELINE_STATE_FAILED: 'failed',
  PIPELINE_STATE_CANCELLED: 'cancelled',
};
const STATE_NAMES = [
  'PIPELINE_STATE_UNSPECIFIED',
  'PIPELINE_STATE_QUEUED',
  'PIPELINE_STATE_PENDING',
  'PIPELINE_STATE_RUNNING',
  'PIPELINE_STATE_SUCCEEDED',
  'PIPELINE_STATE_FAILED',
  'PIPELINE_STATE_CANCELLING',
  'PIPELINE_STATE_CANCELLED',
  'PIPELINE_STATE_PAUSED',
];

/** Map a Vertex PipelineState (enum name or number) to ours. */
export function mapPipelineState(state: unknown): PipelineState {
  const name = typeof state === 'number' ? STATE_NAMES[state] : String(state);
  return STATES[name ?? ''] ?? 'queued';
}

// gRPC calls report gRPC codes; the REST fallback reports the HTTP status. Accept both.
const ALREADY_EXISTS = new Set([6, 409]);
const NOT_FOUND = new Set([5, 404]);
const RETRYABLE = new Set([4, 8, 10, 13, 14, 429, 500, 502, 503, 504]);
const codeOf = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

/** Label values: lowercase letters, digits, `-` and `_`, at most 63 characters. */
function labelValue(v: string): string {
  return v
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, 63);
}

/** A PipelineJob as the REST API returns it (the fields read here). */
interface RestPipelineJob {
  state?: string | number;
  error?: { message?: string };
  runtimeConfig?: { parameterValues?: Record<string, unknown> };
}

/** How long one state read may take before it counts as an outage. */
const STATUS_TIMEOUT_MS = 30_000;

/** The Vertex AI pipeline launcher. */
export class VertexPipelineLauncher implements PipelineLauncher {
  private client?: Promise<Client>;
  /** The REST requester of `status` (retried after a failed set-up, e.g. credentials not found). */
  private readonly rest: Lazy<RestRequester> = lazy(() => restRequester(this.options.clientOptions?.authClient));

  constructor(private readonly options: VertexPipelineLauncherOptions) {}

  private get parent(): string {
    return `projects/${this.options.project}/locations/${this.options.location}`;
  }

  private async pipelines(): Promise<Client> {
    this.client ??= import('@google-cloud/aiplatform').then(
      (m) =>
        new m.v1.PipelineServiceClient({
          apiEndpoint: `${this.options.location}-aiplatform.googleapis.com`,
          ...this.options.clientOptions,
        } as ConstructorParameters<AiPlatform['v1']['PipelineServiceClient']>[0]),
    );
    return this.client;
  }

  async launch(request: PipelineLaunchRequest): Promise<{ jobId: string; alreadyExisted: boolean }> {
    const image = this.options.trainerImage;
    if (image === undefined)
      throw new PermanentError(
        'CONFIG.NOT_A_LAUNCHER',
        `run ${request.runId}: this function has no TRAINER_IMAGE, so it cannot launch pipelines (on-new-data and on-eval-complete do)`,
      );
    const client = await this.pipelines();
    const parameterValues = {
      run_id: request.runId,
      model_id: request.modelId,
      correlation_id: request.correlationId,
      data_uri: request.dataUri,
      contract_uri: request.contractUri ?? '',
      artifact_uri: request.artifactUri,
      seed: request.seed,
      hyperparameters: JSON.stringify(request.hyperparameters),
    };
    const labels = Object.fromEntries(
      Object.entries({ 'model-id': request.modelId, 'run-id': request.runId, ...request.labels }).map(([k, v]) => [
        labelValue(k),
        labelValue(v),
      ]),
    );
    try {
      await client.createPipelineJob({
        parent: this.parent,
        pipelineJobId: request.runId,
        pipelineJob: {
          displayName: `${request.modelId}-${request.runId}`.slice(0, 128),
          labels,
          pipelineSpec: toStruct(buildPipelineSpec({ image })),
          runtimeConfig: {
            gcsOutputDirectory: this.options.pipelineRoot ?? `${request.artifactUri.replace(/\/+$/, '')}/pipeline-root`,
            parameterValues: Object.fromEntries(Object.entries(parameterValues).map(([k, v]) => [k, toValue(v)])),
          },
          ...(this.options.serviceAccount ? { serviceAccount: this.options.serviceAccount } : {}),
        },
      });
      return { jobId: request.runId, alreadyExisted: false };
    } catch (err) {
      if (ALREADY_EXISTS.has(codeOf(err) ?? 0)) return { jobId: request.runId, alreadyExisted: true };
      throw toAppError(err, 'launch');
    }
  }

  async status(jobId: string): Promise<PipelineStatus | undefined> {
    const url = `${this.restRoot}/v1/${this.parent}/pipelineJobs/${encodeURIComponent(jobId)}`;
    let job: RestPipelineJob;
    try {
      job = (await (await this.rest.get()).request<RestPipelineJob>({ url, method: 'GET', timeout: STATUS_TIMEOUT_MS }))
        .data;
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 404) return undefined;
      const message = `Vertex AI pipeline status failed: ${errorMessage(err)}`;
      // No answer at all (connection refused, timeout) is an outage too.
      if (status === undefined || RETRYABLE.has(status))
        throw new TransientError('PIPELINE.UNAVAILABLE', message, { httpStatus: status });
      throw new PermanentError('PIPELINE.REJECTED', message, { httpStatus: status });
    }
    const artifact = job.runtimeConfig?.parameterValues?.artifact_uri;
    const error = job.error?.message;
    return {
      jobId,
      state: mapPipelineState(job.state),
      ...(typeof artifact === 'string' && artifact !== '' ? { artifactUri: artifact } : {}),
      ...(error ? { error } : {}),
    };
  }

  /** The REST root: the configured override, else the regional endpoint. */
  private get restRoot(): string {
    const o = this.options.clientOptions;
    if (o?.apiEndpoint === undefined) return `https://${this.options.location}-aiplatform.googleapis.com`;
    return `${o.protocol ?? 'https'}://${o.apiEndpoint}${o.port === undefined ? '' : `:${o.port}`}`;
  }

  async cancel(jobId: string): Promise<{ cancelled: boolean }> {
    const status = await this.status(jobId);
    if (status === undefined || !(status.state === 'queued' || status.state === 'running')) return { cancelled: false };
    const client = await this.pipelines();
    try {
      // Asynchronous on Vertex: the job moves to CANCELLING, then CANCELLED (the log sink reports it).
      await client.cancelPipelineJob({ name: `${this.parent}/pipelineJobs/${jobId}` });
      return { cancelled: true };
    } catch (err) {
      // FAILED_PRECONDITION: the job ended between the status read and the cancel.
      if (codeOf(err) === 9 || codeOf(err) === 400) return { cancelled: false };
      if (NOT_FOUND.has(codeOf(err) ?? 0)) return { cancelled: false };
      throw toAppError(err, 'cancel');
    }
  }
}

function toAppError(err: unknown, op: string): Error {
  const code = codeOf(err);
  const message = `Vertex AI pipeline ${op} failed: ${err instanceof Error ? err.message : String(err)}`;
  return code !== undefined && RETRYABLE.has(code)
    ? new TransientError('PIPELINE.UNAVAILABLE', message, { grpcCode: code })
    : new PermanentError('PIPELINE.REJECTED', message, { grpcCode: code });
}
