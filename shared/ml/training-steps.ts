/** The compute steps between a validated frame and an evaluated model: features, split, scoring every candidate, choosing one. */
import type { DataContract } from './contract.js';
import { categoricalDistribution, numericDistribution, type BaselineDistributions } from './baseline-distributions.js';
import type { Candidate } from './candidates.js';
import { sliceMetrics, type Evaluation, type FamilyScores } from './evaluation.js';
import { computeFeatures, entityOrder, type FeatureValues } from './features.js';
import type { Frame } from './frame.js';
import { targetMetrics, type RegressionMetrics } from './metrics.js';
import {
  categoryOf,
  fitPreprocessing,
  targetFromModel,
  targetToModel,
  transformInputs,
  type Preprocessing,
} from './preprocessing.js';
import { predictRidge, type RidgeModel } from './ridge.js';
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
  const split = splitByTime(
    frame,
    contract,
    (i) => Number.isFinite(target[i]) && (contract.target.transform !== 'log' || target[i] > 0),
  );
  const preprocessing = fitPreprocessing(contract, features, target, split.train);
  return { features, split, preprocessing, target };
}

/** Each row's previous-period actual within its entity (NaN for an entity's first row). */
function previousActuals(frame: Frame, contract: DataContract, target: Float64Array): Float64Array {
  const prev = new Float64Array(frame.n).fill(NaN);
  for (const g of entityOrder(frame, contract)) for (let t = 1; t < g.length; t++) prev[g[t]] = target[g[t - 1]];
  return prev;
}

interface Scored {
  pred: Float64Array;
  metrics: RegressionMetrics;
  loss: number;
}

const ratio = (val: number, train: number): number => (train > 0 ? val / train : Infinity);

/**
 * Score candidates on every split and choose the lowest validation loss among those whose overfitting
 * indicator is within `maxOverfitting` (all of them when none is, or when the bound is null); evaluate the chosen one in full.
 */
export function evaluateCandidates(
  frame: Frame,
  contract: DataContract,
  d: PreparedData,
  candidates: readonly Candidate[],
  ridge: RidgeModel,
  maxOverfitting: number | null,
): { evaluation: Evaluation; chosen: Candidate; baseline: BaselineDistributions } {
  const prev = previousActuals(frame, contract, d.target);
  const tt = d.preprocessing.target;
  const score = (z: ArrayLike<number>, rows: number[]): Scored => {
    const pred = Float64Array.from(z, (v) => targetFromModel(tt, v));
    let loss = 0;
    for (let i = 0; i < rows.length; i++) loss += (z[i] - targetToModel(tt, d.target[rows[i]])) ** 2 / rows.length;
    return {
      pred,
      metrics: targetMetrics(tt.transform, pick(d.target, rows), pred, pick(prev, rows)),
      loss: rows.length === 0 ? Number.NaN : loss,
    };
  };
  const { train, validation, test } = d.split;
  const scored = candidates.map((c) => ({
    c,
    parts: [train, validation, test].map((rows) => score(c.predictor.predict(d.features, rows), rows)),
  }));
  const within = (parts: Scored[]): boolean =>
    maxOverfitting === null || ratio(parts[1].loss, parts[0].loss) <= maxOverfitting;
  const anyWithin = scored.some((s) => within(s.parts));
  const families: Evaluation['families'] = {};
  for (const { c, parts } of scored) {
    const s: FamilyScores = {
      validation: parts[1].metrics,
      test: parts[2].metrics,
      trainLoss: parts[0].loss,
      validationLoss: parts[1].loss,
      overfitting: ratio(parts[1].loss, parts[0].loss),
      eligible: !anyWithin || within(parts),
      epochsRun: c.training.epochsRun,
    };
    families[c.predictor.family] = s;
  }
  const rank = (s: (typeof scored)[number]): number =>
    families[s.c.predictor.family]?.eligible && Number.isFinite(s.parts[1].loss)
      ? s.parts[1].loss
      : Number.POSITIVE_INFINITY;
  const best = scored.reduce((a, b) => (rank(b) < rank(a) ? b : a));
  const [tr, va, te] = best.parts;
  const ridgeTest = score(
    predictRidge(ridge, transformInputs(d.preprocessing, d.features, test), test.length),
    test,
  ).metrics;
  const sliceColumns = Object.fromEntries(contract.sliceColumns.map((c) => [c, frame.text[c]]));
  const evaluation: Evaluation = {
    test: te.metrics,
    train: tr.metrics,
    validation: va.metrics,
    baseline: ridgeTest,
    baselineModel: 'ridge',
    beatsBaseline: te.metrics.r2 > ridgeTest.r2,
    chosenFamily: best.c.predictor.family,
    families,
    trainLoss: tr.loss,
    validationLoss: va.loss,
    trainValidationGap: va.loss - tr.loss,
    overfittingIndicator: ratio(va.loss, tr.loss),
    slices: sliceMetrics(tt.transform, sliceColumns, test, pick(d.target, test), te.pred, pick(prev, test)),
    training: best.c.training,
  };
  return { evaluation, chosen: best.c, baseline: baselineDistributions(frame, contract, d, tr.pred) };
}

function baselineDistributions(
  frame: Frame,
  contract: DataContract,
  d: PreparedData,
  trainPredictions: Float64Array,
): BaselineDistributions {
  const rows = d.split.train;
  const columns: BaselineDistributions['columns'] = {};
  for (const c of contract.columns) {
    if (c.type === 'numeric') columns[c.name] = numericDistribution(pick(frame.numeric[c.name], rows));
    else if (c.type === 'categorical')
      columns[c.name] = categoricalDistribution(rows.map((r) => frame.text[c.name][r]));
  }
  const features: BaselineDistributions['features'] = {};
  for (const t of d.preprocessing.inputs) {
    features[t.name] =
      t.kind === 'numeric'
        ? numericDistribution(pick(d.features.numeric[t.name], rows))
        : categoricalDistribution(rows.map((r) => categoryOf(t, d.features, r)));
  }
  return { rows: rows.length, columns, features, prediction: numericDistribution(trainPredictions) };
}
