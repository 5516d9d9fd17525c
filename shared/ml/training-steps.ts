/** The compute steps between a validated frame and a trained, evaluated model: features, split, train, evaluate. */
import type * as tf from '@tensorflow/tfjs';
import type { DataContract } from './contract.js';
import { categoricalDistribution, numericDistribution, type BaselineDistributions } from './baseline-distributions.js';
import { sliceMetrics, type Evaluation } from './evaluation.js';
import { computeFeatures, entityOrder, type FeatureValues } from './features.js';
import type { Frame } from './frame.js';
import type { Hyperparameters } from './hyperparameters.js';
import { regressionMetrics } from './metrics.js';
import { mse, predictMlp, trainMlp, type EpochLog, type Matrix, type MlpResult } from './mlp.js';
import { categoryOf, fitPreprocessing, targetFromModel, targetToModel, transformInputs, type Preprocessing } from './preprocessing.js';
import { fitRidge, predictRidge, type RidgeModel } from './ridge.js';
import { splitByTime, type TimeSplit } from './split.js';
import { pick } from './stats.js';

/** Features, split and fitted preprocessing of a dataset. */
export interface PreparedData {
  features: FeatureValues;
  split: TimeSplit;
  preprocessing: Preprocessing;
  target: Float64Array;
}

/** Compute features, split by time and fit the preprocessing on the training rows. */
export function prepareData(frame: Frame, contract: DataContract): PreparedData {
  const features = computeFeatures(frame, contract);
  const target = frame.numeric[contract.target.column];
  const split = splitByTime(frame, contract, (i) => Number.isFinite(target[i]) && (contract.target.transform !== 'log' || target[i] > 0));
  const preprocessing = fitPreprocessing(contract, features, target, split.train);
  return { features, split, preprocessing, target };
}

function part(d: PreparedData, rows: number[]): { x: Matrix; y: Float32Array } {
  const x: Matrix = { values: transformInputs(d.preprocessing, d.features, rows), rows: rows.length, cols: d.preprocessing.columns.length };
  return { x, y: Float32Array.from(rows, (r) => targetToModel(d.preprocessing.target, d.target[r])) };
}

/** The trained MLP and ridge baseline. */
export interface TrainedModels {
  mlp: MlpResult;
  ridge: RidgeModel;
}

/** Train the MLP (seeded, early stopping) and the ridge baseline on the same inputs. */
export async function trainModels(d: PreparedData, hp: Hyperparameters, seed: number, onEpoch?: (log: EpochLog) => void): Promise<TrainedModels> {
  const train = part(d, d.split.train);
  const val = part(d, d.split.validation);
  const ridge = fitRidge(train.x.values, train.y, train.x.rows, hp.ridgeAlpha);
  const mlp = await trainMlp(train, val, hp, seed, onEpoch);
  return { mlp, ridge };
}

/** Each row's previous-period actual within its entity (NaN for an entity's first row). */
function previousActuals(frame: Frame, contract: DataContract, target: Float64Array): Float64Array {
  const prev = new Float64Array(frame.n).fill(NaN);
  for (const g of entityOrder(frame, contract)) for (let t = 1; t < g.length; t++) prev[g[t]] = target[g[t - 1]];
  return prev;
}

/** Evaluate both models and compute the training baseline distributions. */
export function evaluateModels(frame: Frame, contract: DataContract, d: PreparedData, models: TrainedModels): { evaluation: Evaluation; baseline: BaselineDistributions } {
  const prev = previousActuals(frame, contract, d.target);
  const tt = d.preprocessing.target;
  const run = (rows: number[]): { z: Float32Array; pred: Float64Array; actual: Float64Array; x: Matrix; y: Float32Array } => {
    const { x, y } = part(d, rows);
    const z = predictMlp(models.mlp.model as tf.LayersModel, x);
    return { z, pred: Float64Array.from(z, (v) => targetFromModel(tt, v)), actual: pick(d.target, rows), x, y };
  };
  const [tr, va, te] = [run(d.split.train), run(d.split.validation), run(d.split.test)];
  const ridgeTest = Float64Array.from(predictRidge(models.ridge, te.x.values, te.x.rows), (v) => targetFromModel(tt, v));
  const test = regressionMetrics(te.actual, te.pred, pick(prev, d.split.test));
  const baselineMetrics = regressionMetrics(te.actual, ridgeTest, pick(prev, d.split.test));
  const trainLoss = mse(models.mlp.model, tr.x, tr.y);
  const validationLoss = mse(models.mlp.model, va.x, va.y);
  const sliceColumns = Object.fromEntries(contract.sliceColumns.map((c) => [c, frame.text[c]]));
  const evaluation: Evaluation = {
    test,
    train: regressionMetrics(tr.actual, tr.pred, pick(prev, d.split.train)),
    validation: regressionMetrics(va.actual, va.pred, pick(prev, d.split.validation)),
    baseline: baselineMetrics,
    baselineModel: 'ridge',
    beatsBaseline: test.r2 > baselineMetrics.r2,
    trainLoss,
    validationLoss,
    trainValidationGap: validationLoss - trainLoss,
    overfittingIndicator: trainLoss > 0 ? validationLoss / trainLoss : Infinity,
    slices: sliceMetrics(sliceColumns, d.split.test, te.actual, te.pred, pick(prev, d.split.test)),
    training: { epochsRun: models.mlp.history.length, bestEpoch: models.mlp.bestEpoch, stoppedEarly: models.mlp.stoppedEarly, history: models.mlp.history },
  };
  return { evaluation, baseline: baselineDistributions(frame, contract, d, tr.pred) };
}

function baselineDistributions(frame: Frame, contract: DataContract, d: PreparedData, trainPredictions: Float64Array): BaselineDistributions {
  const rows = d.split.train;
  const columns: BaselineDistributions['columns'] = {};
  for (const c of contract.columns) {
    if (c.type === 'numeric') columns[c.name] = numericDistribution(pick(frame.numeric[c.name], rows));
    else if (c.type === 'categorical') columns[c.name] = categoricalDistribution(rows.map((r) => frame.text[c.name][r]));
  }
  const features: BaselineDistributions['features'] = {};
  for (const t of d.preprocessing.inputs) {
    features[t.name] = t.kind === 'numeric' ? numericDistribution(pick(d.features.numeric[t.name], rows)) : categoricalDistribution(rows.map((r) => categoryOf(t, d.features, r)));
  }
  return { rows: rows.length, columns, features, prediction: numericDistribution(trainPredictions) };
}
