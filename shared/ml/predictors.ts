/**
 * A trained model of any family behind one interface: model-space outputs (the standardised,
 * transformed target) and per-feature attributions from prepared features. Training, evaluation,
 * serving and explanations all go through it, so every family is scored and explained the same way.
 */
import type { FeatureValues } from './features.js';
import type { ModelFamily } from './model-families.js';
import { transformInputs, type Preprocessing } from './preprocessing.js';
import { sampledShapley, type BatchModel, type ShapleyOptions, type ShapleyValues } from './shapley.js';
import { treeMatrix } from './trees/tree-inputs.js';
import { predictTrees, type TreeEnsemble } from './trees/tree-model.js';
import { ensembleExpectation, treeShap } from './trees/tree-shap.js';

/** A model of some family. */
export interface Predictor {
  family: ModelFamily;
  /** Model-space outputs for the given rows of the prepared features. */
  predict(features: FeatureValues, rows: ArrayLike<number>): Float64Array;
  /** Model-space attributions, one value per input feature (the preprocessing's `inputs` order). */
  attribute(features: FeatureValues, rows: ArrayLike<number>, options: ShapleyOptions): ShapleyValues[];
  dispose(): void;
}

/** The input-matrix columns of each input feature (a one-hot feature spans its categories plus the unseen slot). */
export function featureGroups(p: Preprocessing): number[][] {
  let c = 0;
  return p.inputs.map((t) => {
    const width = t.kind === 'numeric' ? 1 : t.categories.length + 1;
    const cols = Array.from({ length: width }, (_, k) => c + k);
    c += width;
    return cols;
  });
}

/** A family that scores input-matrix rows (MLP, MLP ensemble, ridge); attributions by sampled Shapley from `baseline`. */
export function matrixPredictor(
  family: ModelFamily,
  p: Preprocessing,
  score: BatchModel,
  baseline: readonly number[],
  dispose: () => void = () => {},
): Predictor {
  const groups = featureGroups(p);
  const base = Float32Array.from(baseline);
  return {
    family,
    predict: (features, rows) => Float64Array.from(score(transformInputs(p, features, rows), rows.length)),
    attribute: (features, rows, options) =>
      sampledShapley(score, transformInputs(p, features, rows), rows.length, base, groups, options),
    dispose,
  };
}

/** The trees family; attributions by exact TreeSHAP against the ensemble's expected output. */
export function treesPredictor(p: Preprocessing, model: TreeEnsemble): Predictor {
  const expected = ensembleExpectation(model);
  return {
    family: 'trees',
    predict: (features, rows) => predictTrees(model, treeMatrix(p, features, rows)),
    attribute(features, rows) {
      const x = treeMatrix(p, features, rows);
      const outputs = predictTrees(model, x);
      const d = x.features.length;
      return Array.from({ length: rows.length }, (_, r) => ({
        output: outputs[r],
        baseline: expected,
        values: treeShap(model, x.values, r * d),
        error: 0,
      }));
    },
    dispose: () => {},
  };
}
