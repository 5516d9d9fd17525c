/**
 * All numeric drift statistics of a current window against a fitted baseline, without sorting
 * the window. One pass locates each value among the distinct reference values (grid-accelerated
 * lower bound) and accumulates per-gap counts and offsets; a walk over the gaps then yields the
 * exact KS statistic, the exact 1-Wasserstein distance and the PSI / histogram bin counts. Only
 * values in the few gaps where the ECDFs cross or a bin edge falls are revisited.
 */
import { jensenShannonDistance, psiFromProportions } from './distances.js';
import { histogramBin, psiBin, type NumericBaseline } from './numeric-baseline.js';
import { lowerBound, referenceIndex } from './reference-index.js';

/** Evidently's floor on the reference std used to norm the Wasserstein distance. */
export const WASSERSTEIN_MIN_STD = 0.001;

/** Numeric statistics of a current window against a baseline. */
export interface NumericComparison {
  /** Non-missing values in the window. */
  nCurrent: number;
  /** Missing (null/NaN) values in the window. */
  missing: number;
  /** PSI on the baseline's quantile bins. */
  psi: number;
  /** Two-sample KS statistic (p-value: `ksPValue(ksStatistic, nReference, nCurrent)`). */
  ksStatistic: number;
  /** Jensen-Shannon distance (natural log, as Evidently) on the baseline's histogram bins. */
  jensenShannon: number;
  /** 1-Wasserstein distance (scipy `wasserstein_distance`). */
  wasserstein: number;
  /** Wasserstein / max(std(reference), 0.001), Evidently's normed distance. */
  wassersteinNormed: number;
}

const PSI_SPLIT = 1;
const HIST_SPLIT = 2;
const CROSSING = 4;

/** PSI of a current window on the baseline's quantile bins. Missing values are excluded. */
export function psi(baseline: NumericBaseline, current: ArrayLike<number | null>): number {
  return compareNumeric(baseline, current).psi;
}

/** Number of edges ≤ x, advancing a pointer (x must not decrease between calls). */
function edgesUpTo(edges: readonly number[], x: number, from: number): number {
  let i = from;
  while (i < edges.length && edges[i] <= x) i++;
  return i;
}

/**
 * Compare a window with a baseline: every statistic (PSI, KS, JS, Wasserstein) at once.
 * A window with no non-missing value returns `nCurrent = 0` and all statistics 0 (never NaN);
 * callers must check `nCurrent` (the drift report flags such a feature as drifted).
 */
export function compareNumeric(baseline: NumericBaseline, current: ArrayLike<number | null>): NumericComparison {
  const index = referenceIndex(baseline);
  const u = index.values;
  const k = u.length;
  // Per gap j (values strictly between u[j-1] and u[j]): count, Σ distance to the anchor value;
  // then the count of values equal to u[j]. Interleaved so one value touches one cache line.
  const acc = new Float64Array(3 * (k + 1));
  const gapOf = new Int32Array(current.length);
  let missing = 0;
  for (let i = 0; i < current.length; i++) {
    const x = current[i] as number;
    if (x == null || x !== x) {
      missing++;
      gapOf[i] = -1;
      continue;
    }
    const j = lowerBound(index, x);
    if (j < k && u[j] === x) {
      acc[3 * j + 2]++;
      gapOf[i] = -1;
    } else {
      acc[3 * j]++;
      acc[3 * j + 1] += j < k ? u[j] - x : x - u[k - 1];
      gapOf[i] = j;
    }
  }
  const n2 = current.length - missing;
  if (n2 === 0)
    return { nCurrent: 0, missing, psi: 0, ksStatistic: 0, jensenShannon: 0, wasserstein: 0, wassersteinNormed: 0 };

  const n1 = baseline.sorted.length;
  const cum = index.cumulative;
  const pe = baseline.psi.edges;
  const he = baseline.histogram.edges;
  const psiCounts = new Float64Array(pe.length + 1);
  const histCounts = new Float64Array(he.length + 1);
  const flags = new Uint8Array(k + 1);
  const before = new Float64Array(k + 1); // current values ≤ u[j-1], for crossing gaps
  let d = 0;
  let w = 0;
  let seen = 0;
  let pAt = 0; // edges ≤ u[j-1]
  let hAt = 0;
  for (let j = 0; j <= k; j++) {
    const cnt = acc[3 * j];
    const a = j === 0 ? 0 : cum[j - 1] / n1;
    if (cnt > 0) {
      d = Math.max(d, Math.abs(a - (seen + cnt) / n2));
      if (j === 0 || j === k) w += acc[3 * j + 1] / n2;
      else {
        const width = u[j] - u[j - 1];
        const lowF = seen / n2;
        const highF = (seen + cnt) / n2;
        const integralF = lowF * width + acc[3 * j + 1] / n2;
        if (a >= highF) w += a * width - integralF;
        else if (a <= lowF) w += integralF - a * width;
        else flags[j] |= CROSSING;
      }
      // Bins of the open gap: constant unless an edge lies strictly inside it.
      if (j === 0) {
        psiCounts[0] += cnt;
        histCounts[0] += cnt;
      } else if (j === k) {
        psiCounts[pe.length] += cnt;
        histCounts[he.length] += cnt;
      } else {
        if (pAt < pe.length && pe[pAt] < u[j]) flags[j] |= PSI_SPLIT;
        else psiCounts[pAt] += cnt;
        if (hAt < he.length && he[hAt] < u[j]) flags[j] |= HIST_SPLIT;
        else histCounts[hAt] += cnt;
      }
    } else if (j > 0 && j < k) {
      w += Math.abs(a - seen / n2) * (u[j] - u[j - 1]);
    }
    before[j] = seen;
    seen += cnt;
    if (j < k) {
      const e = acc[3 * j + 2];
      seen += e;
      d = Math.max(d, Math.abs(cum[j] / n1 - seen / n2));
      if (e > 0) {
        psiCounts[psiBin(pe, u[j])] += e;
        histCounts[histogramBin(he, u[j])] += e;
      }
      pAt = edgesUpTo(pe, u[j], pAt);
      hAt = edgesUpTo(he, u[j], hAt);
    }
  }
  w += revisit(current, gapOf, flags, acc, before, u, cum, n1, n2, pe, he, psiCounts, histCounts);
  return {
    nCurrent: n2,
    missing,
    psi: psiFromProportions(
      baseline.psi.proportions,
      Array.from(psiCounts, (c) => c / n2),
    ),
    ksStatistic: d,
    jensenShannon: jensenShannonDistance(
      baseline.histogram.proportions,
      Array.from(histCounts, (c) => c / n2),
    ),
    wasserstein: w,
    wassersteinNormed: w / Math.max(baseline.std, WASSERSTEIN_MIN_STD),
  };
}

/** Second look at values in flagged gaps: bin them individually; integrate crossing gaps exactly. */
function revisit(
  current: ArrayLike<number | null>,
  gapOf: Int32Array,
  flags: Uint8Array,
  acc: Float64Array,
  before: Float64Array,
  u: Float64Array,
  cum: Float64Array,
  n1: number,
  n2: number,
  pe: readonly number[],
  he: readonly number[],
  psiCounts: Float64Array,
  histCounts: Float64Array,
): number {
  const crossing: number[] = [];
  for (let j = 0; j < flags.length; j++) if (flags[j] & CROSSING) crossing.push(j);
  if (crossing.length === 0 && !flags.some((f) => f !== 0)) return 0;
  const slot = new Int32Array(flags.length).fill(-1);
  const offsets = new Int32Array(crossing.length + 1);
  crossing.forEach((j, s) => {
    slot[j] = s;
    offsets[s + 1] = offsets[s] + acc[3 * j];
  });
  const values = new Float64Array(offsets[crossing.length]);
  const fill = offsets.slice(0, crossing.length);
  for (let i = 0; i < gapOf.length; i++) {
    const j = gapOf[i];
    if (j < 0 || flags[j] === 0) continue;
    const x = current[i] as number;
    if (flags[j] & PSI_SPLIT) psiCounts[psiBin(pe, x)]++;
    if (flags[j] & HIST_SPLIT) histCounts[histogramBin(he, x)]++;
    if (flags[j] & CROSSING) values[fill[slot[j]]++] = x;
  }
  let area = 0;
  crossing.forEach((j, s) => {
    const vs = values.subarray(offsets[s], offsets[s + 1]).sort();
    const a = cum[j - 1] / n1;
    let f = before[j];
    let prev = u[j - 1];
    for (let i = 0; i < vs.length; i++) {
      area += Math.abs(a - f / n2) * (vs[i] - prev);
      f++;
      prev = vs[i];
    }
    area += Math.abs(a - f / n2) * (u[j] - prev);
  });
  return area;
}
