/**
 * The trees' view of the prepared features: numbers as computed (no fill, clip or scaling; missing
 * stays NaN and follows each split's learned direction), bucketed features as their underlying number,
 * and one-hot features as one categorical input whose code indexes the fitted vocabulary (unseen
 * categories share the last code).
 */
import type { FeatureValues } from '../features.js';
import { categoryOf, type Preprocessing } from '../preprocessing.js';
import type { TreeFeature, TreeMatrix } from './tree-model.js';

/** The trees' inputs, one per contract input feature, in the preprocessing's order. */
export function treeFeatures(p: Preprocessing): TreeFeature[] {
  return p.inputs.map((t) => ({
    name: t.name,
    kind: t.kind === 'categorical' && !t.edges ? 'categorical' : 'numeric',
  }));
}

/** The trees' input matrix for the given rows. */
export function treeMatrix(p: Preprocessing, features: FeatureValues, rows: ArrayLike<number>): TreeMatrix {
  const d = p.inputs.length;
  const values = new Float64Array(rows.length * d);
  p.inputs.forEach((t, j) => {
    if (t.kind === 'numeric' || t.edges) {
      const col = features.numeric[t.name];
      for (let r = 0; r < rows.length; r++) values[r * d + j] = col[rows[r]];
      return;
    }
    const codes = new Map(t.categories.map((c, k) => [c, k]));
    for (let r = 0; r < rows.length; r++)
      values[r * d + j] = codes.get(categoryOf(t, features, rows[r])) ?? t.categories.length;
  });
  return { values, rows: rows.length, features: treeFeatures(p) };
}
