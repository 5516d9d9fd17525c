/** Evaluation on the test split: the chosen family and the ridge baseline, every candidate, train/validation gap, overfitting and per-slice metrics. */
import type { EpochLog } from './mlp.js';
import { targetMetrics, type RegressionMetrics } from './metrics.js';
import type { ModelFamily } from './model-families.js';

/** How a family trained: epochs for the MLP (the longest member for an ensemble), boosting iterations for trees, none for ridge. */
export interface TrainingRecord {
  family: ModelFamily;
  epochsRun: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  history: EpochLog[];
  /** Members of an ensemble. */
  members?: number;
}

/**
 * One candidate family's scores. The chosen family has the lowest `validationLoss` among the eligible
 * ones (overfitting within the contract's `model.maxOverfitting`), or overall when none is eligible.
 */
export interface FamilyScores {
  validation: RegressionMetrics;
  test: RegressionMetrics;
  /** Model-space MSE (standardised transformed target) on the training and validation splits. */
  trainLoss: number;
  validationLoss: number;
  /** validationLoss / trainLoss. */
  overfitting: number;
  eligible: boolean;
  epochsRun: number;
}

/** Metrics of one slice (e.g. sector = Technology). */
export interface SliceMetrics {
  column: string;
  value: string;
  metrics: RegressionMetrics;
}

/** The full evaluation, stored as `metrics.json`. */
export interface Evaluation {
  /** The chosen family on the test split. */
  test: RegressionMetrics;
  /** The chosen family on the training and validation splits. */
  train: RegressionMetrics;
  validation: RegressionMetrics;
  /** The ridge baseline on the test split. */
  baseline: RegressionMetrics;
  baselineModel: 'ridge';
  /** Whether the chosen model's test R² exceeds the baseline's. */
  beatsBaseline: boolean;
  /** The family chosen on the validation split (lowest model-space validation loss; ties go to the earlier-named family). */
  chosenFamily: ModelFamily;
  /** Every candidate's scores, including the chosen one. */
  families: Partial<Record<ModelFamily, FamilyScores>>;
  /** Losses in model space (MSE of the standardised transformed target), without dropout. */
  trainLoss: number;
  validationLoss: number;
  /** validationLoss - trainLoss. */
  trainValidationGap: number;
  /** validationLoss / trainLoss: larger means more overfit. */
  overfittingIndicator: number;
  slices: SliceMetrics[];
  /** The chosen family's training. */
  training: TrainingRecord;
}

/** Per-slice metrics for every value of each slice column (with `logScale` for a log-transformed target). */
export function sliceMetrics(
  transform: 'log' | 'none',
  columns: Record<string, (string | null)[]>,
  rows: number[],
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  previous: ArrayLike<number>,
): SliceMetrics[] {
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
      out.push({ column, value, metrics: targetMetrics(transform, at(actual), at(predicted), at(previous)) });
    }
  }
  return out;
}
