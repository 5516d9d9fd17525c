/**
 * Two-sample Kolmogorov-Smirnov test with scipy's `ks_2samp(method='auto')` semantics: exact
 * p-value when both samples have at most 10,000 values, otherwise `kstwo.sf(d, round(n1·n2/(n1+n2)))`.
 */
import { ksExactPValue } from './ks-exact.js';
import { kolmogorovSf } from './kolmogorov.js';
import { requireNonEmpty, sortedFinite } from './validation.js';

/** How the KS p-value was obtained. */
export const KS_METHODS = ['exact', 'asymptotic'] as const;
/** How the KS p-value was obtained. */
export type KsMethod = (typeof KS_METHODS)[number];

/** Result of a two-sample KS test. */
export interface KsResult {
  /** sup |F₁ - F₂| over the pooled sample (rounded to the exact lattice in exact mode, as scipy). */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  /** Which null distribution produced the p-value. */
  method: KsMethod;
}

/** Largest sample size for which `auto` uses the exact distribution (scipy's MAX_AUTO_N). */
export const KS_MAX_EXACT_N = 10_000;

/** Two-sided p-value for an observed KS statistic `d` with sample sizes n1 and n2. */
export function ksPValue(d: number, n1: number, n2: number): KsResult {
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const exact = ksExactPValue(d, n1, n2);
    if (exact.p !== undefined) return { statistic: exact.d, pValue: exact.p, method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = Math.round((m * n) / (m + n));
  return { statistic: d, pValue: Math.min(1, Math.max(0, kolmogorovSf(en, d))), method: 'asymptotic' };
}

/** KS statistic of two ascending-sorted samples by one merge pass (right-continuous ECDFs). */
export function ksStatisticSorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    while (i < n1 && a[i] <= v) i++;
    while (j < n2 && b[j] <= v) j++;
    const diff = Math.abs(i / n1 - j / n2);
    if (diff > d) d = diff;
  }
  return d;
}

/**
 * Two-sample KS test of raw samples (scipy `ks_2samp(reference, current)`). Missing values
 * (null/NaN) are dropped; an empty sample after that is a `ValidationError` naming it.
 */
export function ksTest(reference: ArrayLike<number | null>, current: ArrayLike<number | null>): KsResult {
  const a = sortedFinite(reference);
  const b = sortedFinite(current);
  requireNonEmpty({ reference: a.length, current: b.length }, 'KS test input');
  return ksPValue(ksStatisticSorted(a, b), a.length, b.length);
}
