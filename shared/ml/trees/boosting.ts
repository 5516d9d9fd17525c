/**
 * Gradient boosting of regression trees on squared error, in the manner of scikit-learn's
 * HistGradientBoostingRegressor / LightGBM: features binned once, trees grown on histograms,
 * shrinkage, and early stopping on a held-out (out-of-time) validation split, keeping the best
 * iteration's trees.
 */
import type { EpochLog } from '../mlp.js';
import { binColumns, fitBinMapper } from './binning.js';
import { growTree } from './grow.js';
import type { Histogram } from './split-search.js';
import { addTreeOutput, TREES_FORMAT, type TreeEnsemble, type TreeMatrix } from './tree-model.js';

/** Hyperparameters of the trees family. */
export interface TreeParams {
  maxIterations: number;
  learningRate: number;
  maxLeafNodes: number;
  maxDepth: number;
  minSamplesLeaf: number;
  l2: number;
  maxBins: number;
  /** Iterations without a validation improvement before stopping. */
  patience: number;
}

/** Inputs and targets of one split (targets on the scale the trees learn). */
export interface TreeSet {
  x: TreeMatrix;
  y: ArrayLike<number>;
}

/** The trained ensemble (truncated to its best iteration) and its history. */
export interface TreeTrainingResult {
  model: TreeEnsemble;
  history: EpochLog[];
  bestIteration: number;
  stoppedEarly: boolean;
}

const mse = (pred: Float64Array, y: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i] - y[i]) ** 2;
  return pred.length === 0 ? Number.NaN : s / pred.length;
};

/** Train; with no validation rows there is no early stopping and every iteration is kept. */
export function trainTrees(
  train: TreeSet,
  val: TreeSet,
  p: TreeParams,
  onIteration?: (log: EpochLog) => void,
): TreeTrainingResult {
  const n = train.x.rows;
  const mapper = fitBinMapper(train.x, p.maxBins);
  const columns = binColumns(mapper, train.x);
  let baseScore = 0;
  for (let i = 0; i < n; i++) baseScore += train.y[i] / n;
  const pred = new Float64Array(n).fill(baseScore);
  const valPred = new Float64Array(val.x.rows).fill(baseScore);
  const grad = new Float64Array(n);
  const order = new Int32Array(n);
  const pool: Histogram[] = [];
  const rules = {
    kinds: train.x.features.map((f) => f.kind),
    bins: mapper.bins,
    l2: p.l2,
    minSamplesLeaf: p.minSamplesLeaf,
    catSmooth: 10,
  };
  const model: TreeEnsemble = { format: TREES_FORMAT, features: train.x.features, baseScore, trees: [] };
  const history: EpochLog[] = [];
  let best = Number.POSITIVE_INFINITY;
  let bestIteration = 0;
  let stoppedEarly = false;
  for (let it = 1; it <= p.maxIterations; it++) {
    for (let i = 0; i < n; i++) {
      grad[i] = pred[i] - train.y[i];
      order[i] = i;
    }
    const grown = growTree({ columns, thresholds: mapper.thresholds, grad, order, rules, pool }, p);
    if (grown.tree.feature.length === 1) break; // nothing left to split: more trees would be constants
    model.trees.push(grown.tree);
    for (const leaf of grown.leaves) for (let i = leaf.start; i < leaf.end; i++) pred[order[i]] += leaf.value;
    addTreeOutput(grown.tree, val.x, valPred);
    const log: EpochLog = { epoch: it, loss: mse(pred, train.y), valLoss: mse(valPred, val.y) };
    history.push(log);
    onIteration?.(log);
    const score = Number.isNaN(log.valLoss) ? log.loss : log.valLoss;
    if (score < best - 1e-9) {
      best = score;
      bestIteration = it;
    } else if (val.x.rows > 0 && it - bestIteration >= p.patience) {
      stoppedEarly = it < p.maxIterations;
      break;
    }
  }
  model.trees.length = Math.min(model.trees.length, bestIteration);
  return { model, history, bestIteration, stoppedEarly };
}
