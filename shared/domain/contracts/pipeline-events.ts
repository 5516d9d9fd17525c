/**
 * Contract of the `pipeline-events` topic: the local runner's completion event, the Vertex AI
 * PipelineJob log entry forwarded by a log sink, and the scheduler's reconcile tick.
 */
import { z } from 'zod';
import { commandKeyFields, isoDatetimeSchema, modelIdField, nonEmpty, type WithKeys } from './common.js';

/** Terminal states of a pipeline run. */
export const PIPELINE_TERMINAL_STATES = ['succeeded', 'failed', 'cancelled'] as const;
/** A terminal pipeline state. */
export type PipelineTerminalState = (typeof PIPELINE_TERMINAL_STATES)[number];

/** Vertex AI terminal `PipelineState` names and their normalised form. */
export const VERTEX_PIPELINE_STATES: Readonly<Record<string, PipelineTerminalState>> = {
  PIPELINE_STATE_SUCCEEDED: 'succeeded',
  PIPELINE_STATE_FAILED: 'failed',
  PIPELINE_STATE_CANCELLED: 'cancelled',
};

/** The local runner's completion event. */
export const pipelineCompletedInputSchema = z
  .strictObject({
    type: z.literal('pipeline.completed'),
    runId: nonEmpty,
    modelId: modelIdField,
    pipelineJobId: nonEmpty,
    state: z.enum(PIPELINE_TERMINAL_STATES),
    artifactUri: nonEmpty.optional(),
    error: z.string().optional(),
    errorCode: z.string().optional().describe('Error code of a failed run, e.g. DATA.INVALID'),
    retryable: z
      .boolean()
      .optional()
      .describe('false when retrying cannot help (invalid data); absent means retry with backoff'),
    finishedAt: isoDatetimeSchema,
    ...commandKeyFields,
  })
  .meta({ title: 'pipeline.completed', description: 'A pipeline run reached a terminal state (local runner).' });

/** The scheduler's "reconcile stale runs and outboxes" tick. */
export const systemReconcileInputSchema = z
  .strictObject({
    type: z.literal('system.reconcile'),
    scheduledTime: isoDatetimeSchema.optional(),
    ...commandKeyFields,
  })
  .meta({ title: 'system.reconcile', description: 'Re-drive stale outboxes and poll runs stuck in running.' });

/** A Vertex AI `pipeline_job_events` LogEntry (extra fields tolerated). */
export const vertexPipelineLogEntrySchema = z
  .looseObject({
    resource: z.looseObject({
      type: z.literal('aiplatform.googleapis.com/PipelineJob').optional(),
      labels: z.looseObject({
        pipeline_job_id: nonEmpty,
        location: z.string().optional(),
        resource_container: z.string().optional(),
      }),
    }),
    jsonPayload: z.looseObject({
      state: z.enum(
        Object.keys(VERTEX_PIPELINE_STATES) as [string, ...string[]],
        'must be a terminal PIPELINE_STATE_*',
      ),
    }),
    logName: z.string().optional(),
    insertId: z.string().optional(),
    timestamp: z.string().optional(),
  })
  .meta({
    title: 'Vertex AI PipelineJobLogEntry',
    description: 'Forwarded by a log sink on terminal pipeline states.',
  });

/** A decoded local-runner completion. */
export type PipelineCompleted = WithKeys<z.output<typeof pipelineCompletedInputSchema>>;
/** A decoded reconcile tick. */
export type SystemReconcile = WithKeys<z.output<typeof systemReconcileInputSchema>>;
/** A decoded Vertex pipeline log entry (a hint: read the job for the authoritative state). */
export interface PipelineJobState {
  type: 'pipeline.job-state';
  pipelineJobId: string;
  state: PipelineTerminalState;
  location?: string;
  project?: string;
}
/** Anything decoded from `pipeline-events`. */
export type PipelineEvent = PipelineCompleted | PipelineJobState | SystemReconcile;
