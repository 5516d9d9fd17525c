/**
 * Exact TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2): per-feature Shapley values of a tree
 * ensemble's output for one row, in O(trees x leaves x depth²). The value of a feature subset S is
 * the tree's expected output when features outside S follow both branches weighted by training
 * cover, so the attributions sum to the prediction minus the cover-weighted mean output.
 */
import { goesLeft, type Tree, type TreeEnsemble } from './tree-model.js';

interface PathElement {
  feature: number;
  zero: number;
  one: number;
  weight: number;
}

function extend(path: PathElement[], zero: number, one: number, feature: number): void {
  const l = path.length;
  path.push({ feature, zero, one, weight: l === 0 ? 1 : 0 });
  for (let i = l - 1; i >= 0; i--) {
    path[i + 1].weight += (one * path[i].weight * (i + 1)) / (l + 1);
    path[i].weight = (zero * path[i].weight * (l - i)) / (l + 1);
  }
}

function unwind(path: PathElement[], index: number): void {
  const l = path.length - 1;
  const { one, zero } = path[index];
  let next = path[l].weight;
  for (let j = l - 1; j >= 0; j--) {
    if (one !== 0) {
      const tmp = path[j].weight;
      path[j].weight = (next * (l + 1)) / ((j + 1) * one);
      next = tmp - (path[j].weight * zero * (l - j)) / (l + 1);
    } else {
      path[j].weight = (path[j].weight * (l + 1)) / (zero * (l - j));
    }
  }
  for (let j = index; j < l; j++) {
    path[j].feature = path[j + 1].feature;
    path[j].zero = path[j + 1].zero;
    path[j].one = path[j + 1].one;
  }
  path.pop();
}

function unwoundSum(path: PathElement[], index: number): number {
  const l = path.length - 1;
  const { one, zero } = path[index];
  let next = path[l].weight;
  let total = 0;
  for (let j = l - 1; j >= 0; j--) {
    if (one !== 0) {
      const tmp = (next * (l + 1)) / ((j + 1) * one);
      total += tmp;
      next = path[j].weight - (tmp * zero * (l - j)) / (l + 1);
    } else if (zero !== 0) {
      total += (path[j].weight * (l + 1)) / (zero * (l - j));
    }
  }
  return total;
}

function recurse(t: Tree, x: ArrayLike<number>, offset: number, phi: Float64Array, node: number, parent: PathElement[], zero: number, one: number, feature: number): void {
  const path = parent.map((e) => ({ ...e }));
  extend(path, zero, one, feature);
  const f = t.feature[node];
  if (f < 0) {
    for (let i = 1; i < path.length; i++) phi[path[i].feature] += unwoundSum(path, i) * (path[i].one - path[i].zero) * t.value[node];
    return;
  }
  const [hot, cold] = goesLeft(t, node, x[offset + f]) ? [t.left[node], t.right[node]] : [t.right[node], t.left[node]];
  let incomingZero = 1;
  let incomingOne = 1;
  const k = path.findIndex((e, i) => i > 0 && e.feature === f);
  if (k > 0) {
    incomingZero = path[k].zero;
    incomingOne = path[k].one;
    unwind(path, k);
  }
  const cover = t.cover[node];
  recurse(t, x, offset, phi, hot, path, (incomingZero * t.cover[hot]) / cover, incomingOne, f);
  recurse(t, x, offset, phi, cold, path, (incomingZero * t.cover[cold]) / cover, 0, f);
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
  for (const t of e.trees) recurse(t, x, offset, phi, 0, [], 1, 1, -1);
  return phi;
}
