/**
 * Explanations in Vertex AI's `:explain` shape and global importances. Attributions are keyed by the
 * contract's input feature names and expressed on the transformed target's scale (the log of the target
 * when the contract's target transform is `log`, else the target itself): each sums to
 * instanceOutputValue - baselineOutputValue, and exp(instanceOutputValue) is the predicted value.
 */
import type { FeatureValues } from './features.js';
import type { ModelFamily } from './model-families.js';
import type { Predictor } from './predictors.js';
import { categoryOf, type Preprocessing, type TargetTransform } from './preprocessing.js';
import type { ShapleyOptions, ShapleyValues } from './shapley.js';

/** One attribution in Vertex AI's `Explanation.attributions[]` shape. */
export interface VertexAttribution {
  baselineOutputValue: number;
  instanceOutputValue: number;
  featureAttributions: Record<string, number>;
  outputIndex: [0];
  approximationError: number;
}

/** One explained instance, as in Vertex AI's `explanations[]`. */
export interface VertexExplanation {
  attributions: [VertexAttribution];
}

/** How attributions are computed per family. */
export const EXPLANATION_METHODS = {
  trees: 'tree-shap',
  mlp: 'sampled-shapley',
  'mlp-ensemble': 'sampled-shapley',
  ridge: 'sampled-shapley',
} as const satisfies Record<ModelFamily, string>;

/** Default sampled-Shapley feature orders per instance (exact methods ignore it). */
export const DEFAULT_PATHS = 20;

/** Model space (standardised) -> the transformed target's scale. */
const toScale = (t: TargetTransform, z: number): number => z * t.std + t.mean;

/** Convert model-space Shapley values to Vertex's shape on the transformed target's scale. */
export function toVertexExplanation(p: Preprocessing, v: ShapleyValues): VertexExplanation {
  const featureAttributions: Record<string, number> = {};
  p.inputs.forEach((t, j) => (featureAttributions[t.name] = v.values[j] * p.target.std));
  return {
    attributions: [
      {
        baselineOutputValue: toScale(p.target, v.baseline),
        instanceOutputValue: toScale(p.target, v.output),
        featureAttributions,
        outputIndex: [0],
        approximationError: v.error * p.target.std,
      },
    ],
  };
}

/**
 * The row sampled Shapley starts from, in input-matrix columns: each numeric input at its training
 * median, each categorical input at its most frequent training category (Vertex's default for tabular data).
 */
export function explanationBaseline(p: Preprocessing, features: FeatureValues, trainRows: ArrayLike<number>): number[] {
  const row: number[] = [];
  for (const t of p.inputs) {
    if (t.kind === 'numeric') {
      row.push((Math.min(t.hi, Math.max(t.lo, t.median)) - t.mean) / t.std);
      continue;
    }
    const counts = new Map<string, number>();
    for (let i = 0; i < trainRows.length; i++) {
      const c = categoryOf(t, features, trainRows[i]);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const mode = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
    const k = mode === undefined ? -1 : t.categories.indexOf(mode);
    t.categories.forEach((_, j) => row.push(j === k ? 1 : 0));
    row.push(k < 0 ? 1 : 0);
  }
  return row;
}

/** Global importances of one model (`importances.json`). */
export interface Importances {
  family: ModelFamily;
  /** How per-row attributions were computed, and over which rows they were averaged. */
  method: (typeof EXPLANATION_METHODS)[ModelFamily];
  rows: number;
  split: 'validation' | 'test' | 'train';
  /** Scale of the attributions: the transformed target (log of the target for a log transform). */
  scale: 'log' | 'target';
  /** Features sorted by mean |attribution|, most important first; `gainShare` for trees (share of total split gain). */
  features: { feature: string; meanAbsAttribution: number; gainShare?: number }[];
}

/** Mean |attribution| per feature over `rows` (at most `sample`, evenly spaced), plus gain shares when given. */
export function globalImportances(
  p: Preprocessing,
  predictor: Predictor,
  features: FeatureValues,
  rows: readonly number[],
  split: Importances['split'],
  options: ShapleyOptions & { sample?: number; gain?: Record<string, number> },
): Importances {
  const sample = options.sample ?? 200;
  const step = Math.max(1, rows.length / sample);
  const picked = Array.from({ length: Math.min(sample, rows.length) }, (_, i) => rows[Math.floor(i * step)]);
  const values = predictor.attribute(features, picked, options);
  const sums = new Float64Array(p.inputs.length);
  for (const v of values) v.values.forEach((a, j) => (sums[j] += Math.abs(a) * p.target.std));
  const list = p.inputs.map((t, j) => ({
    feature: t.name,
    meanAbsAttribution: picked.length === 0 ? 0 : sums[j] / picked.length,
    ...(options.gain ? { gainShare: options.gain[t.name] ?? 0 } : {}),
  }));
  list.sort((a, b) => b.meanAbsAttribution - a.meanAbsAttribution || (a.feature < b.feature ? -1 : 1));
  return {
    family: predictor.family,
    method: EXPLANATION_METHODS[predictor.family],
    rows: picked.length,
    split,
    scale: p.target.transform === 'log' ? 'log' : 'target',
    features: list,
  };
}
