/**
 * The training-time summary of a numeric feature: quantile bins for PSI, equal-width (Sturges)
 * bins for Jensen-Shannon, moments, low-cardinality value counts, and the sorted sample that KS and
 * Wasserstein need. Fit once at training time, serialise with `numericBaselineToJson`, reuse later.
 */
import { invalid, isMissing, sortedFinite } from './validation.js';

/** Value counts are kept when the reference has at most this many distinct values. */
export const MAX_TRACKED_DISTINCT = 20;

/** Bin edges with the reference share of each bin (`proportions.length` = bins). */
export interface BinnedReference {
  /** Bin edges (see `psiBin` / `histogramBin` for the rule mapping a value to a bin). */
  edges: number[];
  /** Share of reference values in each bin; sums to 1. */
  proportions: number[];
}

/** Fitted numeric baseline of one feature. */
export interface NumericBaseline {
  kind: 'numeric';
  /** Non-missing reference values. */
  count: number;
  /** Missing (null/NaN) reference values. */
  missing: number;
  mean: number;
  /** Population standard deviation (ddof = 0, as numpy `std`). */
  std: number;
  min: number;
  max: number;
  /** Number of distinct reference values. */
  nUnique: number;
  /** Value counts when `nUnique` ≤ MAX_TRACKED_DISTINCT, else null. */
  distinct: { value: number; count: number }[] | null;
  /** PSI bins: interior quantile edges of the reference; bin = number of edges < x. */
  psi: BinnedReference;
  /** JS bins: Sturges equal-width edges over [min, max] plus one open tail bin on each side. */
  histogram: BinnedReference;
  /** The reference sample, ascending (KS and Wasserstein are computed against it). */
  sorted: Float64Array;
}

/** JSON-safe form of a `NumericBaseline` (the sorted sample as a plain array). */
export type NumericBaselineJson = Omit<NumericBaseline, 'sorted'> & { sorted: number[] };

/** PSI bin of x: the number of edges strictly below x (so x equal to an edge goes left). */
export function psiBin(edges: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Histogram bin of x for edges e₀..e_k (numpy rule: [eᵢ, eᵢ₊₁), last bin closed) shifted by one,
 * with bin 0 for x < e₀ and bin k+1 for x > e_k; k + 2 bins in all.
 */
export function histogramBin(edges: ArrayLike<number>, x: number): number {
  const k = edges.length - 1;
  const lo = edges[0];
  const hi = edges[k];
  if (x < lo) return 0;
  if (x > hi) return k + 1;
  if (x === hi) return k;
  let i = Math.min(k - 1, Math.max(0, Math.floor(((x - lo) / (hi - lo)) * k)));
  while (i > 0 && x < edges[i]) i--;
  while (i < k - 1 && x >= edges[i + 1]) i++;
  return i + 1;
}

/** numpy-style linear-interpolated quantile of an ascending sample. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  if (lo + 1 >= sorted.length) return sorted[sorted.length - 1];
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

function proportionsOf(sorted: Float64Array, bins: number, binOf: (x: number) => number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < sorted.length; i++) counts[binOf(sorted[i])]++;
  return counts.map((c) => c / sorted.length);
}

/**
 * Fit the baseline of a numeric feature from its training values. `bins` quantile bins for PSI
 * (fewer when quantiles coincide, e.g. a constant feature gives one bin). Missing values are
 * counted and excluded. Throws `ValidationError` when no value is left or `bins` < 1.
 */
export function fitNumericBaseline(values: ArrayLike<number | null>, bins = 10): NumericBaseline {
  if (!(Number.isInteger(bins) && bins >= 1))
    invalid('numeric baseline', 'bins', `must be an integer >= 1, got ${bins}`);
  const sorted = sortedFinite(values);
  const n = sorted.length;
  if (n === 0) invalid('numeric baseline', 'values', `no non-missing values (${values.length} missing)`);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (sorted[i] - mean) ** 2;
  const distinct: { value: number; count: number }[] = [];
  let nUnique = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) {
      if (nUnique <= MAX_TRACKED_DISTINCT) distinct[distinct.length - 1].count++;
      continue;
    }
    nUnique++;
    if (nUnique <= MAX_TRACKED_DISTINCT) distinct.push({ value: sorted[i], count: 1 });
  }
  const psiEdges: number[] = [];
  for (let b = 1; b < bins; b++) {
    const e = quantileSorted(sorted, b / bins);
    if (psiEdges.length === 0 || e > psiEdges[psiEdges.length - 1]) psiEdges.push(e);
  }
  const min = sorted[0];
  const max = sorted[n - 1];
  const k = max > min ? Math.ceil(Math.log2(n) + 1) : 1;
  const histEdges = Array.from({ length: k + 1 }, (_, i) => (i === k ? max : min + ((max - min) * i) / k));
  return {
    kind: 'numeric',
    count: n,
    missing: values.length - n,
    mean,
    std: Math.sqrt(ss / n),
    min,
    max,
    nUnique,
    distinct: nUnique <= MAX_TRACKED_DISTINCT ? distinct : null,
    psi: { edges: psiEdges, proportions: proportionsOf(sorted, psiEdges.length + 1, (x) => psiBin(psiEdges, x)) },
    histogram: { edges: histEdges, proportions: proportionsOf(sorted, k + 2, (x) => histogramBin(histEdges, x)) },
    sorted,
  };
}

/** JSON-safe copy of a baseline, for the model artifact. */
export function numericBaselineToJson(b: NumericBaseline): NumericBaselineJson {
  return { ...b, sorted: Array.from(b.sorted) };
}

/** Rebuild a baseline from its JSON form (the sample is re-sorted defensively). */
export function numericBaselineFromJson(j: NumericBaselineJson): NumericBaseline {
  if (j.sorted.some((v) => isMissing(v))) invalid('numeric baseline', 'sorted', 'contains missing values');
  return { ...j, sorted: Float64Array.from(j.sorted).sort() };
}
