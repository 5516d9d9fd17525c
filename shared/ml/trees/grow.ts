/**
 * Grow one regression tree on binned inputs, best-first (the leaf with the largest gain splits next)
 * up to a leaf budget and a depth limit. Each leaf owns a contiguous range of a row-index buffer that
 * is partitioned in place; only the smaller child's histogram is built, the larger one is the parent's
 * minus it.
 */
import { MISSING_BIN } from './binning.js';
import {
  bestSplit,
  buildHistogram,
  emptyHistogram,
  subtractHistogram,
  type Histogram,
  type Split,
  type SplitRules,
} from './split-search.js';
import type { Tree } from './tree-model.js';

/** Limits of one tree. */
export interface GrowLimits {
  maxLeafNodes: number;
  /** Edges from the root to the deepest leaf. */
  maxDepth: number;
  learningRate: number;
}

/** Inputs of growing: binned columns, bin edges (for thresholds), gradients and the rows to use. */
export interface GrowInput {
  columns: readonly Uint8Array[];
  thresholds: readonly Float64Array[];
  grad: Float64Array;
  /** Row indices; reordered in place so each leaf's rows are contiguous. */
  order: Int32Array;
  rules: SplitRules;
  /** Spare histograms, reused across trees (growing returns its histograms here). */
  pool: Histogram[];
}

/** A grown tree and where its leaves' rows sit in `order`, to update training predictions without traversal. */
export interface GrownTree {
  tree: Tree;
  leaves: { start: number; end: number; value: number }[];
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  grad: number;
  hist: Histogram;
  split?: Split;
}

function emptyTree(): Tree {
  return {
    feature: [],
    threshold: [],
    leftCategories: [],
    missingLeft: [],
    left: [],
    right: [],
    value: [],
    cover: [],
    gain: [],
  };
}

function addNode(t: Tree, grad: number, count: number, l2: number, rate: number): number {
  t.feature.push(-1);
  t.threshold.push(0);
  t.leftCategories.push(null);
  t.missingLeft.push(0);
  t.left.push(-1);
  t.right.push(-1);
  t.value.push((-grad / (count + l2)) * rate);
  t.cover.push(count);
  t.gain.push(0);
  return t.feature.length - 1;
}

/** Stable in-place partition of order[start..end) by the split's bin mask; returns the first right index. */
function partition(input: GrowInput, leaf: Leaf, split: Split, scratch: Int32Array): number {
  const col = input.columns[split.feature];
  let l = leaf.start;
  let r = 0;
  for (let i = leaf.start; i < leaf.end; i++) {
    const row = input.order[i];
    if (split.left[col[row]] === 1) input.order[l++] = row;
    else scratch[r++] = row;
  }
  input.order.set(scratch.subarray(0, r), l);
  return l;
}

/** Grow a tree. Leaf values are -G / (n + l2) times the learning rate. */
export function growTree(input: GrowInput, limits: GrowLimits): GrownTree {
  const { rules } = input;
  const d = input.columns.length;
  const tree = emptyTree();
  const scratch = new Int32Array(input.order.length);
  let rootGrad = 0;
  for (const row of input.order) rootGrad += input.grad[row];
  const take = (): Histogram => input.pool.pop() ?? emptyHistogram(d);
  const root: Leaf = {
    node: addNode(tree, rootGrad, input.order.length, rules.l2, limits.learningRate),
    start: 0,
    end: input.order.length,
    depth: 0,
    grad: rootGrad,
    hist: take(),
  };
  buildHistogram(input.columns, input.order, root.start, root.end, input.grad, root.hist);
  const findSplit = (leaf: Leaf): void => {
    const n = leaf.end - leaf.start;
    leaf.split =
      leaf.depth < limits.maxDepth && n >= 2 * rules.minSamplesLeaf
        ? bestSplit(leaf.hist, rules, leaf.grad, n)
        : undefined;
  };
  findSplit(root);
  const leaves: Leaf[] = [root];
  while (leaves.length < limits.maxLeafNodes) {
    let pick = -1;
    for (let i = 0; i < leaves.length; i++) {
      const s = leaves[i].split;
      if (s && (pick < 0 || s.gain > (leaves[pick].split as Split).gain)) pick = i;
    }
    if (pick < 0) break;
    const leaf = leaves[pick];
    const split = leaf.split as Split;
    const mid = partition(input, leaf, split, scratch);
    const k = leaf.node;
    tree.feature[k] = split.feature;
    tree.threshold[k] = split.categories
      ? 0
      : split.bin < input.thresholds[split.feature].length
        ? input.thresholds[split.feature][split.bin]
        : Number.MAX_VALUE;
    tree.leftCategories[k] = split.categories;
    tree.missingLeft[k] = split.left[MISSING_BIN];
    tree.gain[k] = split.gain;
    const nl = mid - leaf.start;
    const nr = leaf.end - mid;
    // Build the smaller child's histogram; the larger one is the parent's minus it (in the parent's arrays).
    const smallHist = take();
    const [lh, rh] = nl <= nr ? [smallHist, leaf.hist] : [leaf.hist, smallHist];
    const left: Leaf = {
      node: addNode(tree, split.leftGrad, nl, rules.l2, limits.learningRate),
      start: leaf.start,
      end: mid,
      depth: leaf.depth + 1,
      grad: split.leftGrad,
      hist: lh,
    };
    const right: Leaf = {
      node: addNode(tree, leaf.grad - split.leftGrad, nr, rules.l2, limits.learningRate),
      start: mid,
      end: leaf.end,
      depth: leaf.depth + 1,
      grad: leaf.grad - split.leftGrad,
      hist: rh,
    };
    tree.left[k] = left.node;
    tree.right[k] = right.node;
    const [small, large] = nl <= nr ? [left, right] : [right, left];
    buildHistogram(input.columns, input.order, small.start, small.end, input.grad, small.hist);
    subtractHistogram(large.hist, small.hist);
    findSplit(left);
    findSplit(right);
    leaves.splice(pick, 1, left, right);
  }
  for (const l of leaves) input.pool.push(l.hist);
  return { tree, leaves: leaves.map((l) => ({ start: l.start, end: l.end, value: tree.value[l.node] })) };
}
