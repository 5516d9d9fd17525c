/**
 * A lookup structure over a baseline's sorted sample: distinct values, cumulative counts and a
 * uniform grid that narrows each lower-bound search to a few candidates. Built once per baseline
 * (memoised) so a window of a million values is located against the reference in O(1) per value.
 */
import type { NumericBaseline } from './numeric-baseline.js';

/** Distinct reference values with cumulative counts and a grid over their range. */
export interface ReferenceIndex {
  /** Distinct reference values, ascending. */
  values: Float64Array;
  /** cumulative[j] = number of reference values ≤ values[j]. */
  cumulative: Float64Array;
  /** cellStart[c] = first j whose grid cell is ≥ c (length cells + 1). */
  cellStart: Int32Array;
  /** Scale mapping (x - values[0]) to a grid cell. */
  scale: number;
  cells: number;
}

const cache = new WeakMap<Float64Array, ReferenceIndex>();

/** The (memoised) index of a baseline's sorted sample. */
export function referenceIndex(baseline: Pick<NumericBaseline, 'sorted'>): ReferenceIndex {
  const hit = cache.get(baseline.sorted);
  if (hit) return hit;
  const s = baseline.sorted;
  const values = new Float64Array(s.length);
  const cumulative = new Float64Array(s.length);
  let k = 0;
  for (let i = 0; i < s.length; i++) {
    if (k > 0 && s[i] === values[k - 1]) cumulative[k - 1] = i + 1;
    else {
      values[k] = s[i];
      cumulative[k] = i + 1;
      k++;
    }
  }
  const u = values.slice(0, k);
  const cells = Math.max(1, k);
  const range = u[k - 1] - u[0];
  const scale = range > 0 ? cells / range : 0;
  const cellStart = new Int32Array(cells + 1);
  let c = 0;
  for (let j = 0; j < k; j++) {
    const cell = Math.min(cells - 1, Math.floor((u[j] - u[0]) * scale));
    while (c <= cell) cellStart[c++] = j;
  }
  while (c <= cells) cellStart[c++] = k;
  const index = { values: u, cumulative: cumulative.slice(0, k), cellStart, scale, cells };
  cache.set(baseline.sorted, index);
  return index;
}

/** First j with values[j] ≥ x (k when x exceeds every value). */
export function lowerBound(index: ReferenceIndex, x: number): number {
  const u = index.values;
  const k = u.length;
  if (x <= u[0]) return 0;
  if (x > u[k - 1]) return k;
  // The grid cell is monotone in x, so the answer lies within the cell's candidates.
  const cell = Math.min(index.cells - 1, Math.floor((x - u[0]) * index.scale));
  let lo = index.cellStart[cell];
  let hi = index.cellStart[cell + 1];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
