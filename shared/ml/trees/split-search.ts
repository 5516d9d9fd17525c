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
export function buildHistogram(columns: readonly Uint8Array[], order: Int32Array, start: number, end: number, grad: Float64Array, out: Histogram): void {
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

/** The best split of a node with gradient sum G over n rows, or undefined when no split gains anything. */
export function bestSplit(h: Histogram, rules: SplitRules, G: number, n: number): Split | undefined {
  let best: Split | undefined;
  const parent = score(G, n, rules.l2);
  const consider = (feature: number, gl: number, cl: number, make: () => Omit<Split, 'gain' | 'feature' | 'leftGrad' | 'leftCount'>): void => {
    const cr = n - cl;
    if (cl < rules.minSamplesLeaf || cr < rules.minSamplesLeaf) return;
    const gain = score(gl, cl, rules.l2) + score(G - gl, cr, rules.l2) - parent;
    if (gain > 1e-12 && (best === undefined || gain > best.gain)) best = { feature, gain, leftGrad: gl, leftCount: cl, ...make() };
  };
  for (let f = 0; f < rules.kinds.length; f++) {
    if (rules.kinds[f] === 'categorical') categoricalSplits(h, f, rules, n, consider);
    else numericSplits(h, f, rules.bins[f], n, consider);
  }
  return best;
}

type Consider = (feature: number, gl: number, cl: number, make: () => Omit<Split, 'gain' | 'feature' | 'leftGrad' | 'leftCount'>) => void;

function numericSplits(h: Histogram, f: number, nb: number, n: number, consider: Consider): void {
  const base = f * SLOTS;
  const gm = h.grad[base + MISSING_BIN];
  const cm = h.count[base + MISSING_BIN];
  const mask = (b: number, missingLeft: boolean): Uint8Array => {
    const left = new Uint8Array(SLOTS);
    left.fill(1, 0, b + 1);
    left[MISSING_BIN] = missingLeft ? 1 : 0;
    return left;
  };
  let gl = 0;
  let cl = 0;
  // With missing values at the node both directions are tried, and "every value left, missing right"
  // (b = nb - 1) is a split too; without, missing values go with the larger child.
  const last = cm > 0 ? nb - 1 : nb - 2;
  for (let b = 0; b <= last; b++) {
    gl += h.grad[base + b];
    cl += h.count[base + b];
    const missingLeftByDefault = cl >= n - cm - cl;
    consider(f, gl, cl, () => ({ bin: b, categories: null, missingLeft: cm > 0 ? false : missingLeftByDefault, left: mask(b, cm > 0 ? false : missingLeftByDefault) }));
    if (cm > 0 && b < nb - 1) consider(f, gl + gm, cl + cm, () => ({ bin: b, categories: null, missingLeft: true, left: mask(b, true) }));
  }
}

function categoricalSplits(h: Histogram, f: number, rules: SplitRules, n: number, consider: Consider): void {
  const base = f * SLOTS;
  // Fisher's ordering: sort the categories present (missing is one more) by smoothed mean gradient;
  // the best partition into two sets is then one of the prefixes of that order.
  const present: number[] = [];
  for (let b = 0; b < rules.bins[f]; b++) if (h.count[base + b] > 0) present.push(b);
  const hasMissing = h.count[base + MISSING_BIN] > 0;
  if (hasMissing) present.push(MISSING_BIN);
  const ratio = (b: number): number => h.grad[base + b] / (h.count[base + b] + rules.catSmooth);
  present.sort((a, b) => ratio(a) - ratio(b) || a - b);
  let gl = 0;
  let cl = 0;
  for (let k = 0; k < present.length - 1; k++) {
    gl += h.grad[base + present[k]];
    cl += h.count[base + present[k]];
    const prefix = k + 1;
    consider(f, gl, cl, () => {
      const left = new Uint8Array(SLOTS);
      for (let j = 0; j < prefix; j++) left[present[j]] = 1;
      const categories = present.slice(0, prefix).filter((b) => b !== MISSING_BIN).sort((a, b) => a - b);
      // Without missing values at the node, a later missing value goes with the larger child.
      if (!hasMissing) left[MISSING_BIN] = cl >= n - cl ? 1 : 0;
      return { bin: -1, categories, missingLeft: left[MISSING_BIN] === 1, left };
    });
  }
}
