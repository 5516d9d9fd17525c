/**
 * The gradient-boosted trees model as saved in `trees.json`: plain arrays per tree (struct of arrays),
 * so the artifact is small, diffable JSON; and prediction straight from raw feature values, with
 * missing values following each split's learned default direction.
 */
import { z } from 'zod';
import { ValidationError } from '../../domain/errors.js';

/** How the trees read a feature: a number compared with thresholds, or a category code tested against a set. */
export const TREE_FEATURE_KINDS = ['numeric', 'categorical'] as const;
/** A tree feature kind. */
export type TreeFeatureKind = (typeof TREE_FEATURE_KINDS)[number];

/** One input of the trees. */
export interface TreeFeature {
  name: string;
  kind: TreeFeatureKind;
}

/** Row-major inputs (rows x features): numbers as they are, categories as integer codes; NaN is missing. */
export interface TreeMatrix {
  values: Float64Array;
  rows: number;
  features: TreeFeature[];
}

/**
 * One tree. Node 0 is the root; `feature[k] = -1` marks a leaf. A numeric split sends `x <= threshold[k]`
 * left; a categorical split sends the codes in `leftCategories[k]` left; a missing value goes left when
 * `missingLeft[k] = 1`; any other code (unseen at that node) goes right. `cover` counts the training rows
 * that reached the node (TreeSHAP weighs paths by it) and `gain` is the split's reduction of squared error.
 */
export interface Tree {
  feature: number[];
  threshold: number[];
  leftCategories: (number[] | null)[];
  missingLeft: number[];
  left: number[];
  right: number[];
  value: number[];
  cover: number[];
  gain: number[];
}

/** Identifier of the saved format. */
export const TREES_FORMAT = 'ipo-mlops-gbdt/1';

/** A trained ensemble: prediction = baseScore + the sum of each tree's leaf value (learning rate already applied). */
export interface TreeEnsemble {
  format: typeof TREES_FORMAT;
  features: TreeFeature[];
  baseScore: number;
  trees: Tree[];
}

const nums = z.array(z.number());
const treeSchema = z.object({
  feature: z.array(z.number().int().min(-1)),
  threshold: nums,
  leftCategories: z.array(z.array(z.number().int().min(0)).nullable()),
  missingLeft: z.array(z.union([z.literal(0), z.literal(1)])),
  left: z.array(z.number().int()),
  right: z.array(z.number().int()),
  value: nums,
  cover: nums,
  gain: nums,
});
const ensembleSchema = z.object({
  format: z.literal(TREES_FORMAT),
  features: z.array(z.object({ name: z.string(), kind: z.enum(TREE_FEATURE_KINDS) })),
  baseScore: z.number(),
  trees: z.array(treeSchema),
});

/** Parse and check a saved ensemble (shapes, child indices and feature indices), naming every problem. */
export function parseTreeEnsemble(json: unknown): TreeEnsemble {
  const parsed = ensembleSchema.safeParse(json);
  if (!parsed.success)
    throw new ValidationError(
      'trees.json',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      'MODEL.ARTIFACT_INVALID',
    );
  const e = parsed.data;
  const issues: { path: string; message: string }[] = [];
  e.trees.forEach((t, k) => {
    const n = t.feature.length;
    for (const key of [
      'threshold',
      'leftCategories',
      'missingLeft',
      'left',
      'right',
      'value',
      'cover',
      'gain',
    ] as const) {
      if (t[key].length !== n)
        issues.push({ path: `trees.${k}.${key}`, message: `has ${t[key].length} entries; the tree has ${n} nodes` });
    }
    t.feature.forEach((f, j) => {
      if (f < 0) return;
      if (f >= e.features.length)
        issues.push({
          path: `trees.${k}.feature.${j}`,
          message: `names feature ${f}; the model has ${e.features.length}`,
        });
      if (!(t.left[j] > j && t.left[j] < n && t.right[j] > j && t.right[j] < n))
        issues.push({ path: `trees.${k}.left.${j}`, message: 'children must be later nodes of the same tree' });
    });
  });
  if (issues.length > 0) throw new ValidationError('trees.json', issues, 'MODEL.ARTIFACT_INVALID');
  return e;
}

/** The leaf a row reaches in one tree. */
export function leafOf(t: Tree, values: ArrayLike<number>, offset: number): number {
  let k = 0;
  while (t.feature[k] >= 0) k = goesLeft(t, k, values[offset + t.feature[k]]) ? t.left[k] : t.right[k];
  return k;
}

/** Whether a value takes the left branch at node k. */
export function goesLeft(t: Tree, k: number, v: number): boolean {
  if (Number.isNaN(v)) return t.missingLeft[k] === 1;
  const cats = t.leftCategories[k];
  return cats === null ? v <= t.threshold[k] : cats.includes(v);
}

/** One tree's output for every row of a matrix, added into `out`. */
export function addTreeOutput(t: Tree, x: TreeMatrix, out: Float64Array): void {
  const d = x.features.length;
  for (let r = 0; r < x.rows; r++) out[r] += t.value[leafOf(t, x.values, r * d)];
}

/** Predictions of the ensemble (on the scale it was trained on). */
export function predictTrees(e: TreeEnsemble, x: TreeMatrix): Float64Array {
  const out = new Float64Array(x.rows).fill(e.baseScore);
  for (const t of e.trees) addTreeOutput(t, x, out);
  return out;
}

/** Gain-based importance: each feature's total split gain as a share of all gain. */
export function gainImportance(e: TreeEnsemble): Record<string, number> {
  const totals = new Float64Array(e.features.length);
  for (const t of e.trees) t.feature.forEach((f, k) => (f >= 0 ? (totals[f] += t.gain[k]) : undefined));
  const sum = totals.reduce((a, b) => a + b, 0);
  return Object.fromEntries(e.features.map((f, j) => [f.name, sum > 0 ? totals[j] / sum : 0]));
}
