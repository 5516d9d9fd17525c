/**
 * Histograms of gradient sums per (feature, bin) and the exact best split over them. Squared-error
 * boosting: the gradient of a row is (prediction - target) and its hessian is 1, so the count of rows
 * in a bin is its hessian sum.
 */
import { MISSING_BIN } from './binning.js';
import type { TreeFeatureKind } from './tree-model.js';

/** Slots per feature in a histogram: 255 value bins and the missing bin. */
export const SLOTS = 256;

/** Gradient sums and row counts per (feature, bin), feature-major. */
export interface Histogram {
  grad: Float64Array;
  count: Float64Array;
}

/** What split search needs to know and obey. */
export interface SplitRules {
  kinds: readonly TreeFeatureKind[];
  /** Value bins per feature. */
  bins: readonly number[];
  /** L2 penalty on leaf values. */
  l2: number;
  minSamplesLeaf: number;
  /** Added to a category's count when ordering categories by mean gradient (shrinks rare categories). */
  catSmooth: number;
}

/** The best split of a node: which bins go left (`left[bin] = 1`, missing bin included) and its gain. */
export interface Split {
  feature: number;
  gain: number;
  /** Numeric splits: the last value bin that goes left. */
  bin: number;
  /** Categorical splits: the category codes that go left, ascending. */
  categories: number[] | null;
  missingLeft: boolean;
  left: Uint8Array;
  leftGrad: number;
  leftCount: number;
}

/** An empty histogram for `features` features. */
export function emptyHistogram(features: number): Histogram {
  return { grad: new Float64Array(features * SLOTS), count: new Float64Array(features * SLOTS) };
}

/** Accumulate the rows order[start..end) into `out` (which is cleared first). */
export function buildHistogram(
  columns: readonly Uint8Array[],
  order: Int32Array,
  start: number,
  end: number,
  grad: Float64Array,
  out: Histogram,
): void {
  out.grad.fill(0);
  out.count.fill(0);
  const g = new Float64Array(end - start);
  for (let i = start; i < end; i++) g[i - start] = grad[order[i]];
  for (let f = 0; f < columns.length; f++) {
    const col = columns[f];
    const base = f * SLOTS;
    const hg = out.grad;
    const hc = out.count;
    for (let i = start; i < end; i++) {
      const b = base + col[order[i]];
      hg[b] += g[i - start];
      hc[b] += 1;
    }
  }
}

/** `target -= other`: turns a parent's histogram into one child's, given the other child's (histogram subtraction). */
export function subtractHistogram(target: Histogram, other: Histogram): void {
  for (let i = 0; i < target.grad.length; i++) {
    target.grad[i] -= other.grad[i];
    target.count[i] -= other.count[i];
  }
}

const score = (g: number, n: number, l2: number): number => (g * g) / (n + l2);

/** The running best candidate, kept as plain numbers so the scan allocates nothing. */
interface Best {
  gain: number;
  feature: number;
  /** Numeric: last bin going left. Categorical: length of the winning prefix of `order`. */
  bin: number;
  missingLeft: boolean;
  leftGrad: number;
  leftCount: number;
  order: number[] | null;
}

/** The best split of a node with gradient sum G over n rows, or undefined when no split gains anything. */
export function bestSplit(h: Histogram, rules: SplitRules, G: number, n: number): Split | undefined {
  const best: Best = { gain: 1e-12, feature: -1, bin: -1, missingLeft: false, leftGrad: 0, leftCount: 0, order: null };
  const parent = score(G, n, rules.l2);
  for (let f = 0; f < rules.kinds.length; f++) {
    if (rules.kinds[f] === 'categorical') categoricalSplits(h, f, rules, G, n, parent, best);
    else numericSplits(h, f, rules, G, n, parent, best);
  }
  if (best.feature < 0) return undefined;
  const left = new Uint8Array(SLOTS);
  let categories: number[] | null = null;
  if (best.order) {
    for (let j = 0; j < best.bin; j++) left[best.order[j]] = 1;
    categories = best.order
      .slice(0, best.bin)
      .filter((b) => b !== MISSING_BIN)
      .sort((a, b) => a - b);
    // Without missing values at the node, a later missing value goes with the larger child.
    if (!best.order.includes(MISSING_BIN)) left[MISSING_BIN] = best.leftCount >= n - best.leftCount ? 1 : 0;
  } else {
    left.fill(1, 0, best.bin + 1);
    left[MISSING_BIN] = best.missingLeft ? 1 : 0;
  }
  return {
    feature: best.feature,
    gain: best.gain,
    bin: best.order ? -1 : best.bin,
    categories,
    missingLeft: left[MISSING_BIN] === 1,
    left,
    leftGrad: best.leftGrad,
    leftCount: best.leftCount,
  };
}

/** Record a candidate if it is allowed and better. */
function offer(
  best: Best,
  rules: SplitRules,
  parent: number,
  G: number,
  n: number,
  feature: number,
  gl: number,
  cl: number,
  bin: number,
  missingLeft: boolean,
  order: number[] | null,
): void {
  const cr = n - cl;
  if (cl < rules.minSamplesLeaf || cr < rules.minSamplesLeaf) return;
  const gain = score(gl, cl, rules.l2) + score(G - gl, cr, rules.l2) - parent;
  if (gain <= best.gain) return;
  best.gain = gain;
  best.feature = feature;
  best.bin = bin;
  best.missingLeft = missingLeft;
  best.leftGrad = gl;
  best.leftCount = cl;
  best.order = order;
}

function numericSplits(
  h: Histogram,
  f: number,
  rules: SplitRules,
  G: number,
  n: number,
  parent: number,
  best: Best,
): void {
  const base = f * SLOTS;
  const nb = rules.bins[f];
  const gm = h.grad[base + MISSING_BIN];
  const cm = h.count[base + MISSING_BIN];
  let gl = 0;
  let cl = 0;
  // With missing values at the node both directions are tried, and "every value left, missing right"
  // (b = nb - 1) is a split too; without, missing values go with the larger child.
  const last = cm > 0 ? nb - 1 : nb - 2;
  for (let b = 0; b <= last; b++) {
    const c = h.count[base + b];
    if (c === 0 && b < last) continue; // an empty bin gives the same split as the previous one
    gl += h.grad[base + b];
    cl += c;
    if (cm > 0) {
      offer(best, rules, parent, G, n, f, gl, cl, b, false, null);
      if (b < nb - 1) offer(best, rules, parent, G, n, f, gl + gm, cl + cm, b, true, null);
    } else {
      offer(best, rules, parent, G, n, f, gl, cl, b, cl >= n - cl, null);
    }
  }
}

function categoricalSplits(
  h: Histogram,
  f: number,
  rules: SplitRules,
  G: number,
  n: number,
  parent: number,
  best: Best,
): void {
  const base = f * SLOTS;
  // Fisher's ordering: sort the categories present (missing is one more) by smoothed mean gradient;
  // the best partition into two sets is then one of the prefixes of that order.
  const present: number[] = [];
  for (let b = 0; b < rules.bins[f]; b++) if (h.count[base + b] > 0) present.push(b);
  if (h.count[base + MISSING_BIN] > 0) present.push(MISSING_BIN);
  if (present.length < 2) return;
  const ratio = (b: number): number => h.grad[base + b] / (h.count[base + b] + rules.catSmooth);
  present.sort((a, b) => ratio(a) - ratio(b) || a - b);
  let gl = 0;
  let cl = 0;
  for (let k = 0; k < present.length - 1; k++) {
    gl += h.grad[base + present[k]];
    cl += h.count[base + present[k]];
    offer(best, rules, parent, G, n, f, gl, cl, k + 1, false, present);
  }
}
