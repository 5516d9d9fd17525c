/**
 * Per-arm regression metrics from (predicted, actual) pairs: count, MAE, RMSE, MAPE and Pearson
 * correlation, plus the absolute errors the significance tests compare.
 */
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
  if (predicted.length !== actual.length) invalid('arm input', `${what}.actual`, `length ${actual.length} differs from predicted (${predicted.length})`);
  const abs = new Float64Array(predicted.length);
  let n = 0;
  let sumAbs = 0;
  let sumSq = 0;
  let sumPct = 0;
  let nPct = 0;
  let sp = 0;
  let sa = 0;
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i];
    const a = actual[i];
    if (p === null || a === null || p !== p || a !== a) continue;
    const e = p - a;
    const ae = Math.abs(e);
    abs[n++] = ae;
    sumAbs += ae;
    sumSq += e * e;
    if (a !== 0) {
      sumPct += ae / Math.abs(a);
      nPct++;
    }
    sp += p;
    sa += a;
  }
  if (n === 0) invalid('arm input', what, 'has no complete (predicted, actual) pair');
  const mp = sp / n;
  const ma = sa / n;
  let cov = 0;
  let vp = 0;
  let va = 0;
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i];
    const a = actual[i];
    if (p === null || a === null || p !== p || a !== a) continue;
    cov += (p - mp) * (a - ma);
    vp += (p - mp) ** 2;
    va += (a - ma) ** 2;
  }
  const summary: ArmSummary = {
    count: n,
    missing: predicted.length - n,
    mae: sumAbs / n,
    rmse: Math.sqrt(sumSq / n),
    mape: nPct > 0 ? (100 * sumPct) / nPct : null,
    correlation: vp > 0 && va > 0 ? cov / Math.sqrt(vp * va) : null,
  };
  return { summary, absErrors: abs.slice(0, n) };
}
