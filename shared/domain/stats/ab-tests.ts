/**
 * Two-sample significance tests for A/B analysis: Welch's t-test (scipy
 * `ttest_ind(equal_var=False)`, also from summary statistics as SQL aggregates give them) and
 * the Mann-Whitney U test (scipy `mannwhitneyu(alternative='two-sided', method='asymptotic',
 * use_continuity=True)`, with tie correction).
 */
import { mean, sampleVariance } from 'simple-statistics';
import { normalSf, studentTTwoSidedP } from './special-functions.js';
import { invalid, requireNonEmpty, sortedFinite } from './validation.js';

/** Welch t-test result (statistic of a - b). */
export interface WelchResult {
  statistic: number;
  df: number;
  pValue: number;
}

/** Sample summary: mean, unbiased variance (ddof 1) and size. */
export interface SampleSummary {
  mean: number;
  variance: number;
  n: number;
}

/** Mann-Whitney result: U of the first sample and the two-sided p-value. */
export interface MannWhitneyResult {
  statistic: number;
  pValue: number;
}

/** Mean and unbiased variance (ddof 1, simple-statistics' two-pass sum of squared deviations) of the non-missing values. */
export function summarize(values: ArrayLike<number | null>): SampleSummary {
  const present: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v === v) present.push(v);
  }
  const n = present.length;
  return { mean: n > 0 ? mean(present) : Number.NaN, variance: n > 1 ? sampleVariance(present) : Number.NaN, n };
}

/**
 * Welch's t-test from summaries. Needs n ≥ 2 on both sides (`ValidationError` otherwise).
 * Where scipy returns NaN (both variances 0) this returns t = 0, p = 1 for equal means and
 * t = ±∞, p = 0 otherwise, with df = n1 + n2 - 2.
 */
export function welchTTestFromSummary(a: SampleSummary, b: SampleSummary): WelchResult {
  requireNonEmpty({ a: a.n, b: b.n }, 'Welch t-test input', 2);
  if (!(a.variance >= 0) || !(b.variance >= 0))
    invalid('Welch t-test input', a.variance >= 0 ? 'b.variance' : 'a.variance', 'must be >= 0');
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const diff = a.mean - b.mean;
  if (va + vb === 0) {
    const t = diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
    return { statistic: t, df: a.n + b.n - 2, pValue: diff === 0 ? 1 : 0 };
  }
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = diff / Math.sqrt(va + vb);
  return { statistic: t, df, pValue: studentTTwoSidedP(t, df) };
}

/** Welch's t-test of two samples (missing values dropped); see `welchTTestFromSummary`. */
export function welchTTest(a: ArrayLike<number | null>, b: ArrayLike<number | null>): WelchResult {
  return welchTTestFromSummary(summarize(a), summarize(b));
}

/**
 * Mann-Whitney U (two-sided, normal approximation with continuity and tie correction). Ranks come
 * from merging the two sorted samples, so a million values cost two native sorts.
 * Throws `ValidationError` for an empty sample; all values tied gives U = n1·n2/2, p = 1.
 */
export function mannWhitneyU(a: ArrayLike<number | null>, b: ArrayLike<number | null>): MannWhitneyResult {
  const x = sortedFinite(a);
  const y = sortedFinite(b);
  const n1 = x.length;
  const n2 = y.length;
  requireNonEmpty({ a: n1, b: n2 }, 'Mann-Whitney input');
  let i = 0;
  let j = 0;
  let rank = 0; // ranks assigned so far
  let r1 = 0;
  let tieTerm = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && x[i] <= y[j]) ? x[i] : y[j];
    let cx = 0;
    let cy = 0;
    while (i < n1 && x[i] === v) {
      i++;
      cx++;
    }
    while (j < n2 && y[j] === v) {
      j++;
      cy++;
    }
    const t = cx + cy;
    r1 += cx * (rank + (t + 1) / 2);
    rank += t;
    tieTerm += t * t * t - t;
  }
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u = Math.max(u1, n1 * n2 - u1);
  const n = n1 + n2;
  const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (!(s > 0)) return { statistic: u1, pValue: 1 };
  const z = (u - (n1 * n2) / 2 - 0.5) / s;
  return { statistic: u1, pValue: Math.min(1, Math.max(0, 2 * normalSf(z))) };
}
