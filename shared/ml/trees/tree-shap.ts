/**
 * Exact TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2): per-feature Shapley values of a tree
 * ensemble's output for one row, in O(trees x leaves x depth²). The value of a feature subset S is
 * the tree's expected output when features outside S follow both branches weighted by training
 * cover, so the attributions sum to the prediction minus the cover-weighted mean output.
 * The path of unique features is kept in flat typed arrays, one segment per recursion level.
 */
import { goesLeft, type Tree, type TreeEnsemble } from './tree-model.js';

/** Path storage: element i of the segment at `s` is at s + i. */
interface Path {
  feature: Int32Array;
  zero: Float64Array;
  one: Float64Array;
  weight: Float64Array;
}

function newPath(size: number): Path {
  return {
    feature: new Int32Array(size),
    zero: new Float64Array(size),
    one: new Float64Array(size),
    weight: new Float64Array(size),
  };
}

/** Append an element to the segment at s holding l elements. */
function extend(p: Path, s: number, l: number, zero: number, one: number, feature: number): void {
  p.feature[s + l] = feature;
  p.zero[s + l] = zero;
  p.one[s + l] = one;
  p.weight[s + l] = l === 0 ? 1 : 0;
  for (let i = l - 1; i >= 0; i--) {
    p.weight[s + i + 1] += (one * p.weight[s + i] * (i + 1)) / (l + 1);
    p.weight[s + i] = (zero * p.weight[s + i] * (l - i)) / (l + 1);
  }
}

/** Remove element `index` from the segment at s holding l + 1 elements. */
function unwind(p: Path, s: number, l: number, index: number): void {
  const one = p.one[s + index];
  const zero = p.zero[s + index];
  let next = p.weight[s + l];
  for (let j = l - 1; j >= 0; j--) {
    if (one !== 0) {
      const tmp = p.weight[s + j];
      p.weight[s + j] = (next * (l + 1)) / ((j + 1) * one);
      next = tmp - (p.weight[s + j] * zero * (l - j)) / (l + 1);
    } else {
      p.weight[s + j] = (p.weight[s + j] * (l + 1)) / (zero * (l - j));
    }
  }
  for (let j = index; j < l; j++) {
    p.feature[s + j] = p.feature[s + j + 1];
    p.zero[s + j] = p.zero[s + j + 1];
    p.one[s + j] = p.one[s + j + 1];
  }
}

/** Total weight of the segment with element `index` unwound (without changing it). */
function unwoundSum(p: Path, s: number, l: number, index: number): number {
  const one = p.one[s + index];
  const zero = p.zero[s + index];
  let next = p.weight[s + l];
  let total = 0;
  for (let j = l - 1; j >= 0; j--) {
    if (one !== 0) {
      const tmp = (next * (l + 1)) / ((j + 1) * one);
      total += tmp;
      next = p.weight[s + j] - (tmp * zero * (l - j)) / (l + 1);
    } else if (zero !== 0) {
      total += (p.weight[s + j] * (l + 1)) / (zero * (l - j));
    }
  }
  return total;
}

interface Walk {
  t: Tree;
  x: ArrayLike<number>;
  offset: number;
  phi: Float64Array;
  p: Path;
}

/** Visit `node` with the parent's segment at `parent` (l elements), extended by (zero, one, feature). */
function recurse(w: Walk, node: number, parent: number, l: number, zero: number, one: number, feature: number): void {
  const { t, p } = w;
  const s = parent + l; // a fresh segment after the parent's (which ends at parent + l - 1, plus one spare)
  p.feature.copyWithin(s, parent, parent + l);
  p.zero.copyWithin(s, parent, parent + l);
  p.one.copyWithin(s, parent, parent + l);
  p.weight.copyWithin(s, parent, parent + l);
  extend(p, s, l, zero, one, feature);
  let depth = l; // elements now: l + 1; index of the last is l
  const f = t.feature[node];
  if (f < 0) {
    for (let i = 1; i <= depth; i++)
      w.phi[p.feature[s + i]] += unwoundSum(p, s, depth, i) * (p.one[s + i] - p.zero[s + i]) * t.value[node];
    return;
  }
  const left = goesLeft(t, node, w.x[w.offset + f]);
  const hot = left ? t.left[node] : t.right[node];
  const cold = left ? t.right[node] : t.left[node];
  let incomingZero = 1;
  let incomingOne = 1;
  for (let k = 1; k <= depth; k++) {
    if (p.feature[s + k] !== f) continue;
    incomingZero = p.zero[s + k];
    incomingOne = p.one[s + k];
    unwind(p, s, depth, k);
    depth--;
    break;
  }
  const cover = t.cover[node];
  recurse(w, hot, s, depth + 1, (incomingZero * t.cover[hot]) / cover, incomingOne, f);
  recurse(w, cold, s, depth + 1, (incomingZero * t.cover[cold]) / cover, 0, f);
}

function maxDepth(t: Tree, node = 0): number {
  return t.feature[node] < 0 ? 0 : 1 + Math.max(maxDepth(t, t.left[node]), maxDepth(t, t.right[node]));
}

/** A tree's cover-weighted mean output (its output with no feature known). */
export function treeExpectation(t: Tree): number {
  let s = 0;
  t.feature.forEach((f, k) => (f < 0 ? (s += (t.cover[k] / t.cover[0]) * t.value[k]) : undefined));
  return s;
}

/** The ensemble's expected output: the base score plus every tree's expectation. */
export function ensembleExpectation(e: TreeEnsemble): number {
  return e.trees.reduce((s, t) => s + treeExpectation(t), e.baseScore);
}

/** Shapley values of one row (at `offset` in row-major `x`), one per feature, on the ensemble's output scale. */
export function treeShap(e: TreeEnsemble, x: ArrayLike<number>, offset = 0): Float64Array {
  const phi = new Float64Array(e.features.length);
  const deepest = e.trees.reduce((m, t) => Math.max(m, maxDepth(t)), 0);
  const p = newPath(((deepest + 3) * (deepest + 4)) / 2);
  for (const t of e.trees) recurse({ t, x, offset, phi, p }, 0, 0, 0, 1, 1, -1);
  return phi;
}
