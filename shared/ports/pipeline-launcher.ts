/** Pipeline launcher port: start a training pipeline run and read its authoritative state. */

/** What a pipeline run needs. The run id doubles as the pipeline job id, so launching is idempotent. */
export interface PipelineLaunchRequest {
  runId: string;
  modelId: string;
  correlationId: string;
  /** URI of the training data (CSV): `file://` locally, `gs://` on Google Cloud. */
  dataUri: string;
  /** URI of the data contract JSON; absent means the default contract. */
  contractUri?: string;
  /** Where the run writes its artifacts (a directory / GCS prefix URI). */
  artifactUri: string;
  hyperparameters: Record<string, number>;
  seed: number;
  labels?: Record<string, string>;
}

/** Terminal and non-terminal pipeline states, normalised across runners. */
export const PIPELINE_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
/** A pipeline state. */
export type PipelineState = (typeof PIPELINE_STATES)[number];

/** The authoritative status of a pipeline job. */
export interface PipelineStatus {
  jobId: string;
  state: PipelineState;
  artifactUri?: string;
  error?: string;
}

/** The launcher. */
export interface PipelineLauncher {
  /** Start the run; if a job with this run id exists already, do nothing and return its id. */
  launch(request: PipelineLaunchRequest): Promise<{ jobId: string; alreadyExisted: boolean }>;
  /** Read the job's authoritative state. */
  status(jobId: string): Promise<PipelineStatus | undefined>;
  /** Ask the job to stop; `cancelled` is false when it was unknown or had already ended. Idempotent. */
  cancel(jobId: string): Promise<{ cancelled: boolean }>;
}
