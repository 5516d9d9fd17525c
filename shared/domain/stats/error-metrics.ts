/**
 * The one rule for prediction error metrics, used by training evaluation, A/B arms, the monitor and
 * (as SQL) the prediction logs: pairs with a missing side are skipped; MAE and RMSE over the rest;
 * MAPE in percent over the pairs whose actual is not zero (|actual| > `MAPE_ZERO_EPSILON`).
 */

/** Actuals at or below this magnitude are left out of MAPE (a percentage of zero is undefined). */
export const MAPE_ZERO_EPSILON = 1e-12;

/** Absolute percentage error of one pair in percent, or undefined when the actual is (near) zero. */
export function absolutePercentError(predicted: number, actual: number): number | undefined {
  return Math.abs(actual) > MAPE_ZERO_EPSILON ? (100 * Math.abs(predicted - actual)) / Math.abs(actual) : undefined;
}

/** Running sums of the error metrics; add pairs, then read `result()`. */
export class ErrorAccumulator {
  n = 0;
  private sumAbs = 0;
  private sumSq = 0;
  private sumPct = 0;
  private nPct = 0;

  /** Add one pair; returns false (and adds nothing) when either side is missing (null or NaN). */
  add(predicted: number | null, actual: number | null): boolean {
    if (predicted === null || actual === null || Number.isNaN(predicted) || Number.isNaN(actual)) return false;
    const e = predicted - actual;
    this.n++;
    this.sumAbs += Math.abs(e);
    this.sumSq += e * e;
    const ape = absolutePercentError(predicted, actual);
    if (ape !== undefined) {
      this.sumPct += ape;
      this.nPct++;
    }
    return true;
  }

  /** MAE, MSE, RMSE (NaN with no pairs) and MAPE in percent (null when every actual was zero). */
  result(): { n: number; mae: number; mse: number; rmse: number; mape: number | null } {
    const mse = this.n > 0 ? this.sumSq / this.n : Number.NaN;
    return {
      n: this.n,
      mae: this.n > 0 ? this.sumAbs / this.n : Number.NaN,
      mse,
      rmse: Math.sqrt(mse),
      mape: this.nPct > 0 ? this.sumPct / this.nPct : null,
    };
  }
}
