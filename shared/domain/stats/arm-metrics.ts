/**
 * Per-arm regression metrics from (predicted, actual) pairs: count, MAE, RMSE, MAPE and Pearson
 * correlation, plus the absolute errors the significance tests compare.
 */
import { sampleCorrelation } from 'simple-statistics';
import { ErrorAccumulator } from './error-metrics.js';
import { invalid } from './validation.js';

/** One arm's labelled predictions as two aligned columns. */
export interface ArmPairs {
  predicted: ArrayLike<number | null>;
  actual: ArrayLike<number | null>;
}

/** Summary metrics of one arm. */
export interface ArmSummary {
  /** Pairs with both values present. */
  count: number;
  /** Pairs dropped because a value was missing (null/NaN). */
  missing: number;
  mae: number;
  rmse: number;
  /** Mean absolute percentage error in percent over pairs with actual ≠ 0; null if there are none. */
  mape: number | null;
  /** Pearson correlation of predicted and actual; null when either side is constant. */
  correlation: number | null;
}

/**
 * Compute the arm's metrics and its absolute errors. Throws `ValidationError` (naming `what`)
 * when the columns differ in length or no complete pair remains.
 */
export function summarizeArm(pairs: ArmPairs, what = 'arm'): { summary: ArmSummary; absErrors: Float64Array } {
  const { predicted, actual } = pairs;
  if (predicted.length !== actual.length)
    invalid('arm input', `${what}.actual`, `length ${actual.length} differs from predicted (${predicted.length})`);
  const errors = new ErrorAccumulator();
  const abs = new Float64Array(predicted.length);
  const p: number[] = [];
  const a: number[] = [];
  for (let i = 0; i < predicted.length; i++) {
    const pi = predicted[i];
    const ai = actual[i];
    if (!errors.add(pi, ai)) continue;
    abs[errors.n - 1] = Math.abs((pi as number) - (ai as number));
    p.push(pi as number);
    a.push(ai as number);
  }
  const { n, mae, rmse, mape } = errors.result();
  if (n === 0) invalid('arm input', what, 'has no complete (predicted, actual) pair');
  // Pearson correlation; undefined (null) when either side is constant, where simple-statistics would give NaN.
  const correlation = n > 1 ? sampleCorrelation(p, a) : Number.NaN;
  const summary: ArmSummary = {
    count: n,
    missing: predicted.length - n,
    mae,
    rmse,
    mape,
    correlation: Number.isFinite(correlation) ? correlation : null,
  };
  return { summary, absErrors: abs.slice(0, n) };
}
