/**
 * Sampled Shapley attributions (Štrumbelj & Kononenko; the method Vertex AI calls sampled Shapley) for
 * any model that scores a batch of input rows: for each random feature order, features are switched
 * one by one from the baseline row to the instance's values and each is credited with the change it
 * causes. Every order's credits add up to f(x) - f(baseline), so the average does too; the spread
 * across orders gives the estimate's standard error.
 */
import { createRng, permutation } from './random.js';

/** Scores `rows` row-major input rows. */
export type BatchModel = (x: Float32Array, rows: number) => ArrayLike<number>;

/** Attributions of one instance. */
export interface ShapleyValues {
  /** f(x) and f(baseline). */
  output: number;
  baseline: number;
  /** One value per feature group; they sum to output - baseline. */
  values: Float64Array;
  /** Root of the summed squared standard errors of the values (0 when every order agrees, e.g. a linear model). */
  error: number;
}

/** Options: how many feature orders to sample, and the seed (attributions are reproducible). */
export interface ShapleyOptions {
  paths: number;
  seed: number;
}

/**
 * Attributions for `n` instances (row-major, `cols` wide). `groups[j]` lists the input columns of
 * feature j (a one-hot feature is one player, not one per category).
 */
export function sampledShapley(f: BatchModel, x: Float32Array, n: number, baseline: Float32Array, groups: readonly number[][], options: ShapleyOptions): ShapleyValues[] {
  const cols = baseline.length;
  const d = groups.length;
  const steps = d + 1;
  const rng = createRng(options.seed);
  const orders = Array.from({ length: n * options.paths }, () => permutation(rng, d));
  const batch = new Float32Array(orders.length * steps * cols);
  orders.forEach((order, o) => {
    const i = Math.floor(o / options.paths);
    const row = batch.subarray(o * steps * cols, (o + 1) * steps * cols);
    row.set(baseline, 0);
    for (let k = 0; k < d; k++) {
      row.copyWithin((k + 1) * cols, k * cols, (k + 1) * cols);
      for (const c of groups[order[k]]) row[(k + 1) * cols + c] = x[i * cols + c];
    }
  });
  const out = f(batch, orders.length * steps);
  return Array.from({ length: n }, (_, i) => {
    const sum = new Float64Array(d);
    const sumSq = new Float64Array(d);
    let output = 0;
    let base = 0;
    for (let p = 0; p < options.paths; p++) {
      const o = i * options.paths + p;
      const at = o * steps;
      base += out[at] / options.paths;
      output += out[at + d] / options.paths;
      for (let k = 0; k < d; k++) {
        const delta = out[at + k + 1] - out[at + k];
        sum[orders[o][k]] += delta;
        sumSq[orders[o][k]] += delta * delta;
      }
    }
    const values = sum.map((s) => s / options.paths);
    let variance = 0;
    for (let j = 0; j < d; j++) {
      const v = options.paths > 1 ? Math.max(0, sumSq[j] / options.paths - values[j] ** 2) / (options.paths - 1) : 0;
      variance += v;
    }
    return { output, baseline: base, values, error: Math.sqrt(variance) };
  });
}
