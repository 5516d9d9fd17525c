/**
 * Train the candidate families a contract names on the same prepared data: gradient-boosted trees,
 * the MLP, a seed ensemble of the MLP, ridge. Ridge is always fitted (it is the gate's baseline).
 */
import type * as tf from '@tensorflow/tfjs';
import type { TrainingRecord } from './evaluation.js';
import { explanationBaseline } from './explanations.js';
import type { Hyperparameters } from './hyperparameters.js';
import type { ModelFamily, ModelSpec } from './model-families.js';
import { predictMlp, trainMlp, type EpochLog, type Matrix, type MlpResult } from './mlp.js';
import { matrixPredictor, treesPredictor, type Predictor } from './predictors.js';
import { targetToModel, transformInputs } from './preprocessing.js';
import { fitRidge, predictRidge, type RidgeModel } from './ridge.js';
import type { PreparedData } from './training-steps.js';
import { trainTrees } from './trees/boosting.js';
import { treeMatrix } from './trees/tree-inputs.js';
import type { TreeEnsemble } from './trees/tree-model.js';

/** What a family saves: the MLP's layers models (one, or one per ensemble member), the trees' JSON, or nothing beyond ridge. */
export type FamilyArtifact =
  { kind: 'layers'; models: tf.LayersModel[] } | { kind: 'trees'; model: TreeEnsemble } | { kind: 'ridge' };

/** One trained candidate. */
export interface Candidate {
  predictor: Predictor;
  training: TrainingRecord;
  artifact: FamilyArtifact;
  /** The input row sampled Shapley starts from (median / most frequent training values), for matrix families. */
  explanationBaseline?: number[];
}

/** Progress of one iteration of a family (an MLP epoch or a boosting iteration). */
export interface FamilyProgress {
  family: ModelFamily;
  log: EpochLog;
  epochs: number;
  /** Ensemble member (1-based) and count, for `mlp-ensemble`. */
  member?: number;
  members?: number;
}

/** Trained candidates (in the contract's order) and the ridge baseline. */
export interface TrainedCandidates {
  candidates: Candidate[];
  ridge: RidgeModel;
}

function matrixOf(d: PreparedData, rows: number[]): { x: Matrix; y: Float32Array } {
  const x: Matrix = {
    values: transformInputs(d.preprocessing, d.features, rows),
    rows: rows.length,
    cols: d.preprocessing.columns.length,
  };
  return { x, y: Float32Array.from(rows, (r) => targetToModel(d.preprocessing.target, d.target[r])) };
}

const mlpRecord = (family: ModelFamily, r: MlpResult, members?: number): TrainingRecord => ({
  family,
  epochsRun: r.history.length,
  bestEpoch: r.bestEpoch,
  stoppedEarly: r.stoppedEarly,
  history: r.history,
  ...(members ? { members } : {}),
});

/** Train every family of the spec. Progress of trees is reported at most ~100 times per run. */
export async function trainCandidates(
  d: PreparedData,
  hp: Hyperparameters,
  seed: number,
  spec: ModelSpec,
  onProgress?: (p: FamilyProgress) => void,
): Promise<TrainedCandidates> {
  const train = matrixOf(d, d.split.train);
  const val = matrixOf(d, d.split.validation);
  const baseline = explanationBaseline(d.preprocessing, d.features, d.split.train);
  const ridge = fitRidge(train.x.values, train.y, train.x.rows, hp.ridgeAlpha);
  const candidates: Candidate[] = [];
  const mlps = new Map<number, MlpResult>();
  const mlp = async (k: number, family: ModelFamily, members?: number): Promise<MlpResult> => {
    const cached = mlps.get(k);
    if (cached) return cached;
    const r = await trainMlp(train, val, hp, seed + k, (log) =>
      onProgress?.({ family, log, epochs: hp.epochs, ...(members ? { member: k + 1, members } : {}) }),
    );
    mlps.set(k, r);
    return r;
  };
  for (const family of spec.families) {
    if (family === 'trees') {
      candidates.push(treesCandidate(d, hp, train.y, val.y, onProgress));
    } else if (family === 'mlp') {
      const r = await mlp(0, family);
      const score = (x: Float32Array, rows: number): Float32Array =>
        predictMlp(r.model, { values: x, rows, cols: train.x.cols });
      candidates.push({
        predictor: matrixPredictor(family, d.preprocessing, score, baseline),
        artifact: { kind: 'layers', models: [r.model] },
        training: mlpRecord(family, r),
        explanationBaseline: baseline,
      });
    } else if (family === 'mlp-ensemble') {
      const members: MlpResult[] = [];
      for (let k = 0; k < spec.mlpSeeds; k++) members.push(await mlp(k, family, spec.mlpSeeds));
      const models = members.map((m) => m.model);
      candidates.push({
        predictor: matrixPredictor(family, d.preprocessing, ensembleScore(models, train.x.cols), baseline),
        artifact: { kind: 'layers', models },
        training: ensembleRecord(members),
        explanationBaseline: baseline,
      });
    } else {
      const score = (x: Float32Array, rows: number): Float64Array => predictRidge(ridge, x, rows);
      candidates.push({
        predictor: matrixPredictor(family, d.preprocessing, score, baseline),
        artifact: { kind: 'ridge' },
        training: { family, epochsRun: 0, bestEpoch: 0, stoppedEarly: false, history: [] },
        explanationBaseline: baseline,
      });
    }
  }
  return { candidates, ridge };
}

/** Boost trees on the same rows and targets; progress every 1% of the iteration budget. */
function treesCandidate(
  d: PreparedData,
  hp: Hyperparameters,
  trainY: Float32Array,
  valY: Float32Array,
  onProgress?: (p: FamilyProgress) => void,
): Candidate {
  const every = Math.max(1, Math.ceil(hp.treeMaxIterations / 100));
  const params = {
    maxIterations: hp.treeMaxIterations,
    learningRate: hp.treeLearningRate,
    maxLeafNodes: hp.treeMaxLeafNodes,
    maxDepth: hp.treeMaxDepth,
    minSamplesLeaf: hp.treeMinSamplesLeaf,
    l2: hp.treeL2,
    maxBins: hp.treeMaxBins,
    patience: hp.treePatience,
  };
  const r = trainTrees(
    { x: treeMatrix(d.preprocessing, d.features, d.split.train), y: trainY },
    { x: treeMatrix(d.preprocessing, d.features, d.split.validation), y: valY },
    params,
    (log) =>
      log.epoch % every === 0 ? onProgress?.({ family: 'trees', log, epochs: hp.treeMaxIterations }) : undefined,
  );
  return {
    predictor: treesPredictor(d.preprocessing, r.model),
    artifact: { kind: 'trees', model: r.model },
    training: {
      family: 'trees',
      epochsRun: r.history.length,
      bestEpoch: r.bestIteration,
      stoppedEarly: r.stoppedEarly,
      history: r.history,
    },
  };
}

/** The mean of the members' outputs. */
export function ensembleScore(
  models: readonly tf.LayersModel[],
  cols: number,
): (x: Float32Array, rows: number) => Float64Array {
  return (x, rows) => {
    const out = new Float64Array(rows);
    for (const m of models) predictMlp(m, { values: x, rows, cols }).forEach((v, i) => (out[i] += v / models.length));
    return out;
  };
}

function ensembleRecord(members: MlpResult[]): TrainingRecord {
  const epochs = members.map((m) => m.history.length);
  return {
    family: 'mlp-ensemble',
    epochsRun: Math.max(...epochs),
    bestEpoch: Math.max(...members.map((m) => m.bestEpoch)),
    stoppedEarly: members.every((m) => m.stoppedEarly),
    history: members[0].history,
    members: members.length,
  };
}

/** Dispose the layers models of every candidate except `keep` (each model once, even when shared). */
export function disposeCandidates(candidates: readonly Candidate[], keep?: Candidate): void {
  const kept = new Set(keep?.artifact.kind === 'layers' ? keep.artifact.models : []);
  const seen = new Set<tf.LayersModel>();
  for (const c of candidates) {
    if (c.artifact.kind !== 'layers') continue;
    for (const m of c.artifact.models) {
      if (kept.has(m) || seen.has(m)) continue;
      seen.add(m);
      m.dispose();
    }
  }
}
