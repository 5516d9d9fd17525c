/**
 * Fitted transforms: fill values, clipping bounds, scaling, bucket edges and category vocabularies,
 * all fitted on the training rows only and saved with the model, so serving applies exactly these.
 */
import type { DataContract } from './contract.js';
import type { FeatureValues } from './features.js';
import { mean, pick, quantile, sortedFinite, std } from './stats.js';

/** A fitted numeric input: median fill, clip gross outliers beyond the training quantiles, standardise. */
export interface NumericTransform {
  kind: 'numeric';
  name: string;
  median: number;
  lo: number;
  hi: number;
  mean: number;
  std: number;
}

/** A fitted categorical input, one-hot encoded with a final slot for unseen values. */
export interface CategoricalTransform {
  kind: 'categorical';
  name: string;
  /** For bucketed numeric features: inner edges, bucket k holds values in [edges[k-1], edges[k]). */
  edges?: number[];
  /** Fill for missing numeric values before bucketing. */
  median?: number;
  categories: string[];
}

/** The fitted target transform: optional log, then standardisation. */
export interface TargetTransform {
  column: string;
  transform: 'log' | 'none';
  mean: number;
  std: number;
}

/** Everything serving needs to turn raw rows into model inputs and outputs back into values. */
export interface Preprocessing {
  contract: DataContract;
  inputs: (NumericTransform | CategoricalTransform)[];
  target: TargetTransform;
  /** Names of the model's input columns, in order. */
  columns: string[];
}

/** Label used for a missing category. */
export const MISSING_CATEGORY = '(missing)';
/** Label of the slot for categories unseen in training. */
export const OTHER_CATEGORY = '(other)';

function bucketOf(edges: number[], v: number): string {
  let k = 0;
  while (k < edges.length && v >= edges[k]) k++;
  return `q${k + 1}`;
}

function fitCategorical(
  name: string,
  values: (string | null)[],
  rows: ArrayLike<number>,
  max: number,
): CategoricalTransform {
  const counts = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]] ?? MISSING_CATEGORY;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const categories = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max)
    .map(([c]) => c)
    .sort();
  return { kind: 'categorical', name, categories };
}

/** Fit every input transform and the target transform on the training rows. */
export function fitPreprocessing(
  contract: DataContract,
  features: FeatureValues,
  target: Float64Array,
  trainRows: ArrayLike<number>,
): Preprocessing {
  const inputs: (NumericTransform | CategoricalTransform)[] = [];
  for (const f of contract.features.filter((s) => s.input)) {
    if (f.kind === 'one_hot') {
      inputs.push(fitCategorical(f.name, features.text[f.name], trainRows, f.maxCategories));
      continue;
    }
    const sorted = sortedFinite(pick(features.numeric[f.name], trainRows));
    const median = sorted.length > 0 ? quantile(sorted, 0.5) : 0;
    if (f.kind === 'bucket') {
      const edges = [
        ...new Set(Array.from({ length: f.bins - 1 }, (_, k) => quantile(sorted, (k + 1) / f.bins))),
      ].filter(Number.isFinite);
      inputs.push({
        kind: 'categorical',
        name: f.name,
        edges,
        median,
        categories: Array.from({ length: edges.length + 1 }, (_, k) => `q${k + 1}`),
      });
      continue;
    }
    // Clip only gross outliers (e.g. a 900% growth from a data-entry error), not the tails: half the
    // 1%-99% range beyond each end still lets the model extrapolate to the largest companies.
    const q01 = sorted.length > 0 ? quantile(sorted, 0.01) : 0;
    const q99 = sorted.length > 0 ? quantile(sorted, 0.99) : 0;
    const lo = q01 - 0.5 * (q99 - q01);
    const hi = q99 + 0.5 * (q99 - q01);
    const clipped = pick(features.numeric[f.name], trainRows).map((v) =>
      Math.min(hi, Math.max(lo, Number.isNaN(v) ? median : v)),
    );
    const s = std(clipped);
    inputs.push({
      kind: 'numeric',
      name: f.name,
      median,
      lo,
      hi,
      mean: mean(clipped) || 0,
      std: Number.isFinite(s) && s > 1e-12 ? s : 1,
    });
  }
  const t = pick(target, trainRows).map((v) => forwardTarget(contract.target.transform, v));
  const ts = std(t);
  const targetTransform: TargetTransform = {
    column: contract.target.column,
    transform: contract.target.transform,
    mean: mean(t),
    std: ts > 1e-12 ? ts : 1,
  };
  const columns = inputs.flatMap((i) =>
    i.kind === 'numeric' ? [i.name] : [...i.categories, OTHER_CATEGORY].map((c) => `${i.name}=${c}`),
  );
  return { contract, inputs, target: targetTransform, columns };
}

function forwardTarget(kind: 'log' | 'none', v: number): number {
  return kind === 'log' ? (v > 0 ? Math.log(v) : NaN) : v;
}

/** The category a categorical input assigns to a row. */
export function categoryOf(t: CategoricalTransform, features: FeatureValues, row: number): string {
  if (t.edges) {
    const v = features.numeric[t.name][row];
    return bucketOf(t.edges, Number.isNaN(v) ? (t.median ?? 0) : v);
  }
  return features.text[t.name][row] ?? MISSING_CATEGORY;
}

/** The model input matrix (row-major, rows x columns) for the given rows. */
export function transformInputs(p: Preprocessing, features: FeatureValues, rows: ArrayLike<number>): Float32Array {
  const width = p.columns.length;
  const out = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    let j = r * width;
    for (const t of p.inputs) {
      if (t.kind === 'numeric') {
        const v = features.numeric[t.name][row];
        out[j++] = (Math.min(t.hi, Math.max(t.lo, Number.isNaN(v) ? t.median : v)) - t.mean) / t.std;
      } else {
        const k = t.categories.indexOf(categoryOf(t, features, row));
        out[j + (k < 0 ? t.categories.length : k)] = 1;
        j += t.categories.length + 1;
      }
    }
  }
  return out;
}

/** Target value -> model space (NaN where the transform is undefined). */
export function targetToModel(t: TargetTransform, v: number): number {
  return (forwardTarget(t.transform, v) - t.mean) / t.std;
}

/** Model output -> target value. */
export function targetFromModel(t: TargetTransform, z: number): number {
  const v = z * t.std + t.mean;
  return t.transform === 'log' ? Math.exp(v) : v;
}
