/** Decoders of `pipeline-events` shapes: local-runner completion, Vertex log entry, reconcile tick. */
import {
  pipelineCompletedInputSchema,
  systemReconcileInputSchema,
  VERTEX_PIPELINE_STATES,
  vertexPipelineLogEntrySchema,
  type PipelineJobState,
} from '../contracts/index.js';
import type { DecodedTopicMessage, MessageMeta } from './decoded.js';
import { commandKeys, factKeys, parseOrThrow, scheduledTimeOf } from './keys.js';

type Decoded = DecodedTopicMessage<'pipeline-events'>;
const WHAT = 'pipeline-events message';

/** `pipeline.completed`: dedupe on `pipelineJobId#state` (the fact, whoever reports it). */
export function decodePipelineCompleted(json: unknown, meta: MessageMeta): Decoded {
  const p = parseOrThrow(pipelineCompletedInputSchema, json, WHAT);
  const dedupeKey = `${p.pipelineJobId}#${p.state}`;
  const keys = commandKeys(p, meta, dedupeKey);
  return { topic: 'pipeline-events', payload: { ...p, ...keys }, dedupeKey, ...keys };
}

/** `system.reconcile` (a command): dedupe on the key, else `reconcile@scheduledTime`, else `reconcile@messageId`. */
export function decodeSystemReconcile(json: unknown, meta: MessageMeta): Decoded {
  const p = parseOrThrow(systemReconcileInputSchema, json, WHAT);
  const keys = commandKeys(p, meta, `reconcile@${scheduledTimeOf(meta, p.scheduledTime) ?? meta.messageId}`);
  return { topic: 'pipeline-events', payload: { ...p, ...keys }, dedupeKey: keys.idempotencyKey, ...keys };
}

/** Whether a JSON object looks like a Cloud Logging LogEntry. */
export function isLogEntry(json: Record<string, unknown>): boolean {
  return 'jsonPayload' in json || 'logName' in json || 'resource' in json;
}

/** Vertex `pipeline_job_events` LogEntry -> `pipeline.job-state`; dedupe on `pipelineJobId#state`. */
export function decodeVertexPipelineLogEntry(json: unknown, meta: MessageMeta): Decoded {
  const entry = parseOrThrow(vertexPipelineLogEntrySchema, json, WHAT);
  const labels = entry.resource.labels;
  const payload: PipelineJobState = {
    type: 'pipeline.job-state',
    pipelineJobId: labels.pipeline_job_id,
    state: VERTEX_PIPELINE_STATES[entry.jsonPayload.state],
  };
  if (labels.location) payload.location = labels.location;
  const project =
    labels.resource_container?.replace(/^projects\//, '') ?? /^projects\/([^/]+)\//.exec(entry.logName ?? '')?.[1];
  if (project) payload.project = project;
  return { topic: 'pipeline-events', payload, ...factKeys(meta, `${payload.pipelineJobId}#${payload.state}`) };
}
