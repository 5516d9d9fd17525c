/**
 * All numeric drift statistics of a current window against a fitted baseline in one pass over
 * the window, without sorting it: each value is located among the distinct reference values
 * (grid-accelerated lower bound), which yields the exact KS statistic and the exact 1-Wasserstein
 * distance from per-gap counts and sums; only gaps where the two ECDFs cross are sorted.
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

/** PSI of a current window on the baseline's quantile bins. Missing values are excluded. */
export function psi(baseline: NumericBaseline, current: ArrayLike<number | null>): number {
  return compareNumeric(baseline, current).psi;
}

/**
 * Compare a window with a baseline: every statistic (PSI, KS, JS, Wasserstein) in one pass.
 * A window with no non-missing value returns `nCurrent = 0` and all statistics 0 (never NaN);
 * callers must check `nCurrent` (the drift report flags such a feature as drifted).
 */
export function compareNumeric(baseline: NumericBaseline, current: ArrayLike<number | null>): NumericComparison {
  const index = referenceIndex(baseline);
  const u = index.values;
  const k = u.length;
  const eq = new Float64Array(k);
  const gapCount = new Float64Array(k + 1);
  const gapOffset = new Float64Array(k + 1); // Σ distance from the gap's anchoring reference value
  const gapOf = new Int32Array(current.length);
  const psiEdges = baseline.psi.edges;
  const histEdges = baseline.histogram.edges;
  const psiCounts = new Float64Array(psiEdges.length + 1);
  const histCounts = new Float64Array(histEdges.length + 1);
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
      eq[j]++;
      gapOf[i] = -1;
    } else {
      gapCount[j]++;
      gapOffset[j] += j < k ? u[j] - x : x - u[k - 1];
      gapOf[i] = j;
    }
    psiCounts[psiBin(psiEdges, x)]++;
    histCounts[histogramBin(histEdges, x)]++;
  }
  const n2 = current.length - missing;
  if (n2 === 0) {
    return { nCurrent: 0, missing, psi: 0, ksStatistic: 0, jensenShannon: 0, wasserstein: 0, wassersteinNormed: 0 };
  }
  const n1 = baseline.sorted.length;
  const cum = index.cumulative;
  let d = 0;
  let w = 0;
  let before = 0; // current values ≤ the previous reference value
  const mixed: { gap: number; before: number }[] = [];
  for (let j = 0; j <= k; j++) {
    const cnt = gapCount[j];
    const a = j === 0 ? 0 : cum[j - 1] / n1;
    if (cnt > 0) {
      d = Math.max(d, Math.abs(a - (before + cnt) / n2));
      if (j === 0 || j === k) w += gapOffset[j] / n2;
      else {
        const width = u[j] - u[j - 1];
        const lowF = before / n2;
        const highF = (before + cnt) / n2;
        const integralF = lowF * width + gapOffset[j] / n2;
        if (a >= highF) w += a * width - integralF;
        else if (a <= lowF) w += integralF - a * width;
        else mixed.push({ gap: j, before });
      }
    } else if (j > 0 && j < k) {
      w += Math.abs(a - before / n2) * (u[j] - u[j - 1]);
    }
    before += cnt;
    if (j < k) {
      before += eq[j];
      d = Math.max(d, Math.abs(cum[j] / n1 - before / n2));
    }
  }
  w += mixedGapsArea(mixed, current, gapOf, gapCount, u, cum, n1, n2);
  const hist = Array.from(histCounts, (c) => c / n2);
  return {
    nCurrent: n2,
    missing,
    psi: psiFromProportions(baseline.psi.proportions, Array.from(psiCounts, (c) => c / n2)),
    ksStatistic: d,
    jensenShannon: jensenShannonDistance(baseline.histogram.proportions, hist),
    wasserstein: w,
    wassersteinNormed: w / Math.max(baseline.std, WASSERSTEIN_MIN_STD),
  };
}

/** ∫|F_ref - F_cur| over the gaps where the current ECDF crosses the reference level. */
function mixedGapsArea(
  mixed: { gap: number; before: number }[],
  current: ArrayLike<number | null>,
  gapOf: Int32Array,
  gapCount: Float64Array,
  u: Float64Array,
  cum: Float64Array,
  n1: number,
  n2: number,
): number {
  if (mixed.length === 0) return 0;
  const slot = new Int32Array(u.length + 1).fill(-1);
  const offsets = new Int32Array(mixed.length + 1);
  mixed.forEach((m, s) => {
    slot[m.gap] = s;
    offsets[s + 1] = offsets[s] + gapCount[m.gap];
  });
  const values = new Float64Array(offsets[mixed.length]);
  const fill = offsets.slice(0, mixed.length);
  for (let i = 0; i < gapOf.length; i++) {
    const s = gapOf[i] < 0 ? -1 : slot[gapOf[i]];
    if (s >= 0) values[fill[s]++] = current[i] as number;
  }
  let area = 0;
  mixed.forEach((m, s) => {
    const vs = values.subarray(offsets[s], offsets[s + 1]).sort();
    const a = cum[m.gap - 1] / n1;
    let f = m.before;
    let prev = u[m.gap - 1];
    for (let i = 0; i < vs.length; i++) {
      area += Math.abs(a - f / n2) * (vs[i] - prev);
      f++;
      prev = vs[i];
    }
    area += Math.abs(a - f / n2) * (u[m.gap] - prev);
  });
  return area;
}
