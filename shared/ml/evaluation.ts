/** Evaluation on the test split: the MLP and the ridge baseline, train/validation gap, overfitting and per-slice metrics. */
import type { EpochLog } from './mlp.js';
import { regressionMetrics, type RegressionMetrics } from './metrics.js';

/** Metrics of one slice (e.g. sector = Technology). */
export interface SliceMetrics {
  column: string;
  value: string;
  metrics: RegressionMetrics;
}

/** The full evaluation, stored as `metrics.json`. */
export interface Evaluation {
  /** The MLP on the test split. */
  test: RegressionMetrics;
  /** The MLP on the training and validation splits. */
  train: RegressionMetrics;
  validation: RegressionMetrics;
  /** The ridge baseline on the test split. */
  baseline: RegressionMetrics;
  baselineModel: 'ridge';
  /** Whether the MLP's test R² exceeds the baseline's (the gate's primary metric). */
  beatsBaseline: boolean;
  /** Losses in model space (MSE of the standardised transformed target), without dropout. */
  trainLoss: number;
  validationLoss: number;
  /** validationLoss - trainLoss. */
  trainValidationGap: number;
  /** validationLoss / trainLoss: larger means more overfit. */
  overfittingIndicator: number;
  slices: SliceMetrics[];
  training: { epochsRun: number; bestEpoch: number; stoppedEarly: boolean; history: EpochLog[] };
}

/** Per-slice metrics for every value of each slice column. */
export function sliceMetrics(columns: Record<string, (string | null)[]>, rows: number[], actual: ArrayLike<number>, predicted: ArrayLike<number>, previous: ArrayLike<number>): SliceMetrics[] {
  const out: SliceMetrics[] = [];
  for (const [column, values] of Object.entries(columns)) {
    const groups = new Map<string, number[]>();
    rows.forEach((row, k) => {
      const v = values[row] ?? '(missing)';
      const g = groups.get(v);
      if (g) g.push(k);
      else groups.set(v, [k]);
    });
    for (const [value, ks] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const at = (arr: ArrayLike<number>): number[] => ks.map((k) => arr[k]);
      out.push({ column, value, metrics: regressionMetrics(at(actual), at(predicted), at(previous)) });
    }
  }
  return out;
}
