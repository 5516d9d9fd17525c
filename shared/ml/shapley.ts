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

/** Most model rows scored in one call (bounds memory for many instances or many paths). */
const MAX_BATCH_ROWS = 100_000;

/**
 * Attributions for `n` instances (row-major, `cols` wide). `groups[j]` lists the input columns of
 * feature j (a one-hot feature is one player, not one per category).
 */
export function sampledShapley(
  f: BatchModel,
  x: Float32Array,
  n: number,
  baseline: Float32Array,
  groups: readonly number[][],
  options: ShapleyOptions,
): ShapleyValues[] {
  const rng = createRng(options.seed);
  const perChunk = Math.max(1, Math.floor(MAX_BATCH_ROWS / (options.paths * (groups.length + 1))));
  const out: ShapleyValues[] = [];
  for (let start = 0; start < n; start += perChunk) {
    const count = Math.min(perChunk, n - start);
    // Orders are drawn instance by instance, so chunking does not change any instance's attributions.
    const orders = Array.from({ length: count * options.paths }, () => permutation(rng, groups.length));
    out.push(
      ...shapleyChunk(
        f,
        x.subarray(start * baseline.length, (start + count) * baseline.length),
        count,
        baseline,
        groups,
        options.paths,
        orders,
      ),
    );
  }
  return out;
}

function shapleyChunk(
  f: BatchModel,
  x: Float32Array,
  n: number,
  baseline: Float32Array,
  groups: readonly number[][],
  paths: number,
  orders: Int32Array[],
): ShapleyValues[] {
  const cols = baseline.length;
  const d = groups.length;
  const steps = d + 1;
  const batch = new Float32Array(orders.length * steps * cols);
  orders.forEach((order, o) => {
    const i = Math.floor(o / paths);
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
    for (let p = 0; p < paths; p++) {
      const o = i * paths + p;
      const at = o * steps;
      base += out[at] / paths;
      output += out[at + d] / paths;
      for (let k = 0; k < d; k++) {
        const delta = out[at + k + 1] - out[at + k];
        sum[orders[o][k]] += delta;
        sumSq[orders[o][k]] += delta * delta;
      }
    }
    const values = sum.map((s) => s / paths);
    let variance = 0;
    for (let j = 0; j < d; j++)
      variance += paths > 1 ? Math.max(0, sumSq[j] / paths - values[j] ** 2) / (paths - 1) : 0;
    return { output, baseline: base, values, error: Math.sqrt(variance) };
  });
}
