/** The per-topic view of the contracts: input schemas (operator-facing) and decoded payload types. */
import { z } from 'zod';
import type { Topic } from '../topics.js';
import { dataLandedInputSchema, type DataLanded } from './data-landed.js';
import {
  alertCommandInputSchema,
  driftDetectedInputSchema,
  scheduledCheckInputSchema,
  type DriftAlert,
} from './drift-alerts.js';
import { lifecycleEventSchema, type LifecycleEvent } from './lifecycle-events.js';
import { monitoringNotificationSchema } from './monitoring-incident.js';
import {
  pipelineCompletedInputSchema,
  systemReconcileInputSchema,
  vertexPipelineLogEntrySchema,
  type PipelineEvent,
} from './pipeline-events.js';
import { PROMOTIONS_SHAPES, type PromotionsMessage } from './promotions.js';
import { retrainRequestInputSchema, runCancelInputSchema, type RetrainTopicMessage } from './retrain-requests.js';
import { vertexAnomalyLogEntrySchema } from './vertex-anomaly.js';

/** The decoded payload type of each topic. */
export interface TopicPayloads {
  'data-landed': DataLanded;
  'retrain-requests': RetrainTopicMessage;
  'pipeline-events': PipelineEvent;
  promotions: PromotionsMessage;
  'drift-alerts': DriftAlert;
  'lifecycle-events': LifecycleEvent;
}

/** Every message shape a topic accepts, keyed by a short name (documentation and JSON Schema). */
export const TOPIC_SHAPES = {
  'data-landed': { 'data.landed': dataLandedInputSchema },
  'retrain-requests': { 'retrain.requested': retrainRequestInputSchema, 'run.cancel': runCancelInputSchema },
  'pipeline-events': {
    'pipeline.completed': pipelineCompletedInputSchema,
    'system.reconcile': systemReconcileInputSchema,
    'vertex-pipeline-log-entry': vertexPipelineLogEntrySchema,
  },
  promotions: PROMOTIONS_SHAPES,
  'drift-alerts': {
    'monitor.scheduled-check': scheduledCheckInputSchema,
    'drift.detected': driftDetectedInputSchema,
    'alert.command': alertCommandInputSchema,
    'monitoring-incident': monitoringNotificationSchema,
    'vertex-anomaly-log-entry': vertexAnomalyLogEntrySchema,
  },
  'lifecycle-events': { 'lifecycle.event': lifecycleEventSchema },
} as const satisfies Record<Topic, Record<string, z.ZodType>>;

/** The input schema of a topic (a union when the topic carries several shapes). */
export function topicInputSchema(topic: Topic): z.ZodType {
  const shapes = Object.values(TOPIC_SHAPES[topic]) as z.ZodType[];
  return shapes.length === 1 ? shapes[0] : z.union(shapes as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}
