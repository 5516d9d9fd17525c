/** Vertex AI Model Monitoring `model_monitoring_anomaly` LogEntry, forwarded by a log sink. */
import { z } from 'zod';
import { isoDatetimeSchema, nonEmpty } from './common.js';

/** The LogEntry (documented fields; extra fields tolerated). */
export const vertexAnomalyLogEntrySchema = z
  .looseObject({
    insertId: nonEmpty,
    logName: z.string().optional(),
    jsonPayload: z.looseObject({
      anomalyObjective: nonEmpty,
      startTime: isoDatetimeSchema,
      endTime: isoDatetimeSchema,
      featureAnomalies: z
        .array(z.looseObject({ featureDisplayName: nonEmpty, deviation: z.number(), threshold: z.number() }))
        .default([]),
      deployedModelId: nonEmpty,
      modelDeploymentMonitoringJob: z.string().optional(),
    }),
  })
  .meta({ title: 'Vertex AI ModelMonitoringAnomaliesLogEntry', description: 'Forwarded by a log sink.' });

/** One feature over its threshold. */
export interface FeatureAnomaly {
  name: string;
  deviation: number;
  threshold: number;
}

/** A decoded Vertex model-monitoring anomaly. */
export interface VertexAnomaly {
  type: 'vertex.anomaly';
  insertId: string;
  /** e.g. `RAW_FEATURE_SKEW`, `RAW_FEATURE_DRIFT`. */
  objective: string;
  features: FeatureAnomaly[];
  deployedModelId: string;
  modelId: string;
  startTime: string;
  endTime: string;
}
