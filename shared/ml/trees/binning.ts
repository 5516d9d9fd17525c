/**
 * Histogram binning: each numeric feature's training values are cut into at most `maxBins` bins at
 * midpoints between distinct values (or at quantiles when there are more distinct values than bins);
 * category codes are their own bins; missing values share the reserved last bin.
 */
import type { TreeMatrix } from './tree-model.js';

/** The bin of missing values (the last of 256). */
export const MISSING_BIN = 255;
/** The most value bins a feature can have (one byte per cell, minus the missing bin). */
export const MAX_BINS = 255;

/** Fitted bin edges: value bin b of numeric feature f holds x with thresholds[f][b-1] < x <= thresholds[f][b]. */
export interface BinMapper {
  thresholds: Float64Array[];
  /** Number of value bins per feature (excluding the missing bin). */
  bins: number[];
}

function numericThresholds(sorted: Float64Array, maxBins: number): Float64Array {
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
  if (distinct.length <= maxBins) return Float64Array.from(distinct.slice(1), (v, i) => (distinct[i] + v) / 2);
  // More distinct values than bins: cut at quantiles, each moved to a midpoint between two neighbouring
  // distinct values, so a threshold never equals a training value and equal values never straddle a cut.
  const out: number[] = [];
  let j = 0;
  for (let k = 1; k < maxBins; k++) {
    const q = sorted[Math.min(sorted.length - 1, Math.floor((k * sorted.length) / maxBins))];
    while (j < distinct.length - 1 && distinct[j] < q) j++;
    if (j >= distinct.length - 1) break;
    const cut = (distinct[j] + distinct[j + 1]) / 2;
    if (out.length === 0 || cut > out[out.length - 1]) out.push(cut);
  }
  return Float64Array.from(out);
}

/** Fit bins on training inputs. Category codes must be integers below MAX_BINS. */
export function fitBinMapper(x: TreeMatrix, maxBins = MAX_BINS): BinMapper {
  const d = x.features.length;
  const thresholds: Float64Array[] = [];
  const bins: number[] = [];
  for (let f = 0; f < d; f++) {
    const col: number[] = [];
    for (let r = 0; r < x.rows; r++) {
      const v = x.values[r * d + f];
      if (!Number.isNaN(v)) col.push(v);
    }
    if (x.features[f].kind === 'categorical') {
      const max = col.reduce((m, v) => Math.max(m, v), -1);
      if (col.some((v) => !Number.isInteger(v) || v < 0) || max >= MAX_BINS)
        throw new RangeError(
          `feature "${x.features[f].name}": category codes must be integers in [0, ${MAX_BINS - 1}]`,
        );
      thresholds.push(new Float64Array(0));
      bins.push(max + 1);
      continue;
    }
    const t = numericThresholds(Float64Array.from(col).sort(), Math.min(maxBins, MAX_BINS));
    thresholds.push(t);
    bins.push(col.length === 0 ? 0 : t.length + 1);
  }
  return { thresholds, bins };
}

/** The bin of a numeric value: the number of thresholds strictly below it (binary search). */
export function numericBin(t: Float64Array, v: number): number {
  if (Number.isNaN(v)) return MISSING_BIN;
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bin a matrix column by column (one Uint8Array per feature). Unseen category codes fall into the missing bin. */
export function binColumns(mapper: BinMapper, x: TreeMatrix): Uint8Array[] {
  const d = x.features.length;
  return x.features.map((feature, f) => {
    const col = new Uint8Array(x.rows);
    for (let r = 0; r < x.rows; r++) {
      const v = x.values[r * d + f];
      if (feature.kind === 'categorical')
        col[r] = Number.isInteger(v) && v >= 0 && v < mapper.bins[f] ? v : MISSING_BIN;
      else col[r] = numericBin(mapper.thresholds[f], v);
    }
    return col;
  });
}
