/** Metrics sink port: monitoring and business metrics (Cloud Monitoring custom metrics / SQLite). */

/** Metric names written by the monitor; closed vocabulary. */
export const METRIC_NAMES = [
  'drift_share',
  'feature_drift',
  'prediction_drift',
  'skew_share',
  'feature_skew',
  'r2_on_actuals',
  'labelled_count',
  'data_age_days',
  'accuracy_by_sector',
  'valuation_error_quantile',
  'model_confidence',
  'prediction_volume',
] as const;
/** A metric name. */
export type MetricName = (typeof METRIC_NAMES)[number];

/** One point. Labels are strings (Cloud Monitoring's rule). */
export interface MetricPoint {
  modelId: string;
  version: string;
  metric: MetricName;
  labels: Record<string, string>;
  value: number;
  at: string;
}

/** The metrics sink. */
export interface MetricsSink {
  write(points: MetricPoint[]): Promise<void>;
  /** Points of a metric for a model since a time, oldest first (for the console; may be unsupported remotely). */
  read(modelId: string, metric: MetricName, since: string): Promise<MetricPoint[]>;
}
