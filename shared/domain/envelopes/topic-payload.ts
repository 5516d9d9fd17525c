/** Shape detection per topic: route a parsed payload to the decoder of its `type` (or foreign shape). */
import { ValidationError } from '../errors.js';
import type { Topic } from '../topics.js';
import {
  decodeDataLanded,
  decodeLifecycleEvent,
  decodePolicyUpdate,
  decodePromotion,
  decodeRetrainRequest,
  decodeRunCancel,
} from './command-payloads.js';
import type { DecodedTopicMessage, MessageMeta } from './decoded.js';
import {
  decodeAlertCommand,
  decodeDriftDetected,
  decodeScheduledCheck,
  decodeVertexAnomaly,
} from './drift-payloads.js';
import { describe, isJsonObject, type JsonObject } from './json-value.js';
import { quoteInput } from './limits.js';
import { decodeMonitoringIncident } from './monitoring-webhook.js';
import {
  decodePipelineCompleted,
  decodeSystemReconcile,
  decodeVertexPipelineLogEntry,
  isLogEntry,
} from './pipeline-payloads.js';

type ShapeDecoder<T extends Topic> = (json: JsonObject, meta: MessageMeta) => DecodedTopicMessage<T>;

/** A shape published by another system (no `type` field), recognised by its structure. */
interface ForeignShape<T extends Topic> {
  name: string;
  matches: (json: JsonObject) => boolean;
  decode: ShapeDecoder<T>;
}

interface TopicDecoder<T extends Topic> {
  byType: Record<string, ShapeDecoder<T>>;
  foreign: ForeignShape<T>[];
}

const DECODERS: { [T in Topic]: TopicDecoder<T> } = {
  'data-landed': { byType: { 'data.landed': decodeDataLanded }, foreign: [] },
  'retrain-requests': {
    byType: { 'retrain.requested': decodeRetrainRequest, 'run.cancel': decodeRunCancel },
    foreign: [],
  },
  'pipeline-events': {
    byType: { 'pipeline.completed': decodePipelineCompleted, 'system.reconcile': decodeSystemReconcile },
    foreign: [{ name: 'Vertex AI PipelineJob log entry', matches: isLogEntry, decode: decodeVertexPipelineLogEntry }],
  },
  promotions: { byType: { 'promotion.command': decodePromotion, 'policy.update': decodePolicyUpdate }, foreign: [] },
  'drift-alerts': {
    byType: {
      'monitor.scheduled-check': decodeScheduledCheck,
      'drift.detected': decodeDriftDetected,
      'alert.command': decodeAlertCommand,
    },
    foreign: [
      { name: 'Cloud Monitoring incident', matches: (j) => 'incident' in j, decode: decodeMonitoringIncident },
      { name: 'Vertex AI model_monitoring_anomaly log entry', matches: isLogEntry, decode: decodeVertexAnomaly },
    ],
  },
  'lifecycle-events': { byType: { 'lifecycle.event': decodeLifecycleEvent }, foreign: [] },
};

/** The `type` values a topic accepts. */
export function messageTypesOf(topic: Topic): string[] {
  return Object.keys(DECODERS[topic].byType);
}

/** Whether a payload is a foreign (non-`type`) shape on its topic, e.g. a LogEntry or an incident. */
export function isForeignShape(topic: Topic, json: unknown): boolean {
  return isJsonObject(json) && json.type === undefined && DECODERS[topic].foreign.some((f) => f.matches(json));
}

/** Validate a parsed payload of `topic` and derive its keys; throws ValidationError listing every problem. */
export function decodeTopicPayload<T extends Topic>(
  topic: T,
  json: unknown,
  meta: MessageMeta,
): DecodedTopicMessage<T> {
  const what = `${topic} message`;
  if (!isJsonObject(json))
    throw new ValidationError(what, [{ path: '', message: `must be a JSON object (got ${describe(json)})` }]);
  const decoder = DECODERS[topic] as TopicDecoder<T>;
  const types = Object.keys(decoder.byType);
  const expected = `expected one of: ${[...types, ...decoder.foreign.map((f) => f.name)].join(', ')}`;
  if (typeof json.type === 'string') {
    const decode = decoder.byType[json.type];
    if (decode === undefined)
      throw new ValidationError(what, [
        { path: 'type', message: `unknown message type ${quoteInput(json.type)}; ${expected}` },
      ]);
    return decode(json, meta);
  }
  if (json.type !== undefined)
    throw new ValidationError(what, [{ path: 'type', message: `must be a string; ${expected}` }]);
  const foreign = decoder.foreign.find((f) => f.matches(json));
  if (foreign !== undefined) return foreign.decode(json, meta);
  // A single-shape topic lets its schema report the missing `type` together with every other problem.
  if (types.length === 1) return decoder.byType[types[0]](json, meta);
  throw new ValidationError(what, [{ path: 'type', message: `required; ${expected}` }]);
}
