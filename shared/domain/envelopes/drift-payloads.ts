/** Decoders of the operator/monitor shapes of `drift-alerts` and the Vertex anomaly log entry. */
import {
  DEFAULT_MODEL_ID,
  alertCommandInputSchema,
  driftDetectedInputSchema,
  scheduledCheckInputSchema,
  vertexAnomalyLogEntrySchema,
  type VertexAnomaly,
} from '../contracts/index.js';
import type { DecodedTopicMessage, MessageMeta } from './decoded.js';
import { commandKeys, factKeys, parseOrThrow, scheduledTimeOf } from './keys.js';

type Decoded = DecodedTopicMessage<'drift-alerts'>;
const WHAT = 'drift-alerts message';

/** `monitor.scheduled-check`: dedupe on the key, else `scheduled-check@scheduledTime`, else `@messageId`. */
export function decodeScheduledCheck(json: unknown, meta: MessageMeta): Decoded {
  const p = parseOrThrow(scheduledCheckInputSchema, json, WHAT);
  const keys = commandKeys(p, meta, `scheduled-check@${scheduledTimeOf(meta, p.scheduledTime) ?? meta.messageId}`);
  return { topic: 'drift-alerts', payload: { ...p, ...keys }, dedupeKey: keys.idempotencyKey, ...keys };
}

/** `drift.detected`: dedupe on the key, else the message id. */
export function decodeDriftDetected(json: unknown, meta: MessageMeta): Decoded {
  const p = parseOrThrow(driftDetectedInputSchema, json, WHAT);
  const keys = commandKeys(p, meta, meta.messageId);
  return { topic: 'drift-alerts', payload: { ...p, ...keys }, dedupeKey: keys.idempotencyKey, ...keys };
}

/** `alert.command`: dedupe on the key, else the message id. */
export function decodeAlertCommand(json: unknown, meta: MessageMeta): Decoded {
  const p = parseOrThrow(alertCommandInputSchema, json, WHAT);
  const keys = commandKeys(p, meta, meta.messageId);
  return { topic: 'drift-alerts', payload: { ...p, ...keys }, dedupeKey: keys.idempotencyKey, ...keys };
}

/** Vertex `model_monitoring_anomaly` LogEntry -> `vertex.anomaly`; dedupe on `insertId`. */
export function decodeVertexAnomaly(json: unknown, meta: MessageMeta): Decoded {
  const entry = parseOrThrow(vertexAnomalyLogEntrySchema, json, WHAT);
  const j = entry.jsonPayload;
  const payload: VertexAnomaly = {
    type: 'vertex.anomaly',
    insertId: entry.insertId,
    objective: j.anomalyObjective,
    features: j.featureAnomalies.map((f) => ({
      name: f.featureDisplayName,
      deviation: f.deviation,
      threshold: f.threshold,
    })),
    deployedModelId: j.deployedModelId,
    modelId: DEFAULT_MODEL_ID,
    startTime: j.startTime,
    endTime: j.endTime,
  };
  return { topic: 'drift-alerts', payload, ...factKeys(meta, entry.insertId) };
}
