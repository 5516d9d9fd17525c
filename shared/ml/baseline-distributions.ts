/** Training baseline distributions for later drift and skew checks: quantile bins, category frequencies, predictions. */
import { quantile, sortedFinite } from './stats.js';

/** A numeric distribution: inner bin edges from training quantiles and the share of values per bin. */
export interface NumericDistribution {
  kind: 'numeric';
  count: number;
  missingRate: number;
  mean: number;
  std: number;
  /** Inner edges; bin k holds values in [edges[k-1], edges[k]). */
  edges: number[];
  proportions: number[];
}

/** A categorical distribution: the share of each category. */
export interface CategoricalDistribution {
  kind: 'categorical';
  count: number;
  missingRate: number;
  frequencies: Record<string, number>;
}

/** A distribution of either kind. */
export type Distribution = NumericDistribution | CategoricalDistribution;

/** Everything stored in `baseline.json`. */
export interface BaselineDistributions {
  rows: number;
  /** Raw contract columns on the training rows. */
  columns: Record<string, Distribution>;
  /** Model input features (before filling and scaling) on the training rows. */
  features: Record<string, Distribution>;
  /** Model predictions (target scale) on the training rows. */
  prediction: NumericDistribution;
}

/** Share of values in each bin defined by inner edges (missing values are ignored). */
export function binProportions(edges: readonly number[], values: ArrayLike<number>): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    let k = 0;
    while (k < edges.length && v >= edges[k]) k++;
    counts[k]++;
    n++;
  }
  return counts.map((c) => (n === 0 ? 0 : c / n));
}

/** Fit a numeric distribution with up to `bins` quantile bins. */
export function numericDistribution(values: ArrayLike<number>, bins = 10): NumericDistribution {
  const sorted = sortedFinite(values);
  const edges = [...new Set(Array.from({ length: bins - 1 }, (_, k) => quantile(sorted, (k + 1) / bins)))].filter(
    Number.isFinite,
  );
  let s = 0;
  let ss = 0;
  for (const v of sorted) {
    s += v;
    ss += v * v;
  }
  const m = sorted.length === 0 ? NaN : s / sorted.length;
  return {
    kind: 'numeric',
    count: values.length,
    missingRate: values.length === 0 ? 0 : 1 - sorted.length / values.length,
    mean: m,
    std: sorted.length < 2 ? 0 : Math.sqrt(Math.max(0, ss / sorted.length - m * m)),
    edges,
    proportions: binProportions(edges, sorted),
  };
}

/** Fit a categorical distribution (missing values counted in `missingRate` only). */
export function categoricalDistribution(values: readonly (string | null)[]): CategoricalDistribution {
  const counts = new Map<string, number>();
  let present = 0;
  for (const v of values) {
    if (v === null) continue;
    present++;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const frequencies: Record<string, number> = {};
  for (const [k, c] of [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) frequencies[k] = c / present;
  return {
    kind: 'categorical',
    count: values.length,
    missingRate: values.length === 0 ? 0 : 1 - present / values.length,
    frequencies,
  };
}
