/** Prediction log port: every served prediction, joined later with realised values (actuals). */

/** One logged prediction (BigQuery table `predictions`, SQLite table `predictions`). */
export interface PredictionRecord {
  requestId: string;
  modelId: string;
  version: string;
  endpointId: string;
  /** The raw instance as received (before preprocessing). */
  features: Record<string, unknown>;
  prediction: number;
  predictedAt: string;
  latencyMs: number;
  /** Market regime label at prediction time, for the business metric "volume by market condition". */
  marketCondition?: string;
}

/** A realised value for an earlier prediction. */
export interface ActualRecord {
  requestId: string;
  modelId: string;
  actualValue: number;
  observedAt: string;
}

/** A prediction with its realised value. */
export type LabelledPrediction = PredictionRecord & { actualValue: number; observedAt: string };

/** Per-version error summary computed in the store's own SQL (BigQuery / SQLite). */
export interface ArmSummary {
  version: string;
  count: number;
  mae: number;
  rmse: number;
  mape: number;
  correlation: number | null;
}

/** A window filter. */
export interface Window {
  since?: string;
  until?: string;
  version?: string;
  limit?: number;
}

/** The prediction log. */
export interface PredictionLog {
  record(rows: PredictionRecord[]): Promise<void>;
  /** Join actuals to logged predictions; unknown request ids are returned, not dropped silently. */
  recordActuals(rows: ActualRecord[]): Promise<{ matched: number; unknownRequestIds: string[] }>;
  recent(modelId: string, window: Window): Promise<PredictionRecord[]>;
  labelled(modelId: string, window: Window): Promise<LabelledPrediction[]>;
  /** Per-version count, MAE, RMSE, MAPE (percent) and correlation over labelled predictions. */
  armSummaries(modelId: string, window: Window): Promise<ArmSummary[]>;
  /** Requests per bucket (for cost planning). */
  requestRate(endpointId: string, since: string, bucketMinutes: number): Promise<{ at: string; count: number }[]>;
}
