/** Sampled Shapley against exact Shapley values of the same baseline value function. */
import { describe, expect, it } from 'vitest';
import { sampledShapley, type BatchModel } from '../../shared/ml/shapley.js';

/** Row-wise model over 5 columns; columns 3 and 4 form one feature (a one-hot pair). */
const f = (r: ArrayLike<number>, o: number): number =>
  r[o] * r[o + 1] + r[o + 2] ** 2 + 2 * r[o + 3] - r[o + 4] + r[o] * r[o + 3];
const batch: BatchModel = (x, rows) => Float64Array.from({ length: rows }, (_, i) => f(x, i * 5));
const groups = [[0], [1], [2], [3, 4]];

function exact(x: Float32Array, baseline: Float32Array): number[] {
  const d = groups.length;
  const value = (mask: number): number => {
    const row = Float32Array.from(baseline);
    groups.forEach((g, j) => (mask & (1 << j) ? g.forEach((c) => (row[c] = x[c])) : undefined));
    return f(row, 0);
  };
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const phi = new Array<number>(d).fill(0);
  for (let mask = 0; mask < 1 << d; mask++) {
    const size = [...Array(d).keys()].filter((j) => mask & (1 << j)).length;
    for (let j = 0; j < d; j++)
      if (!(mask & (1 << j)))
        phi[j] += ((fact(size) * fact(d - size - 1)) / fact(d)) * (value(mask | (1 << j)) - value(mask));
  }
  return phi;
}

describe('sampled Shapley', () => {
  const x = Float32Array.from([1.5, -2, 0.5, 0, 1]);
  const baseline = Float32Array.from([0.2, 0.4, -1, 1, 0]);

  it('is exactly additive for every number of paths, and converges to the exact values', () => {
    const truth = exact(x, baseline);
    const errors: number[] = [];
    for (const paths of [5, 50, 2000]) {
      const [v] = sampledShapley(batch, x, 1, baseline, groups, { paths, seed: 1 });
      expect(v.output).toBeCloseTo(f(x, 0), 5);
      expect(v.baseline).toBeCloseTo(f(baseline, 0), 5);
      expect(v.values.reduce((a, b) => a + b, 0)).toBeCloseTo(v.output - v.baseline, 5);
      errors.push(Math.max(...truth.map((t, j) => Math.abs(t - v.values[j]))));
      if (paths === 2000) {
        truth.forEach((t, j) => expect(v.values[j]).toBeCloseTo(t, 1));
        expect(v.error).toBeGreaterThan(0);
        expect(v.error).toBeLessThan(0.1);
      }
    }
    expect(errors[2]).toBeLessThan(errors[0]);
  });

  it('gives a linear model its exact attributions w·(x - baseline) with zero error, from any single path', () => {
    const w = [3, -1, 0.5, 2, -4];
    const linear: BatchModel = (m, rows) =>
      Float64Array.from({ length: rows }, (_, i) => w.reduce((s, wj, j) => s + wj * m[i * 5 + j], 7));
    const [v] = sampledShapley(linear, x, 1, baseline, groups, { paths: 3, seed: 9 });
    const expected = groups.map((g) => g.reduce((s, c) => s + w[c] * (x[c] - baseline[c]), 0));
    expected.forEach((e, j) => expect(v.values[j]).toBeCloseTo(e, 5));
    expect(v.error).toBeCloseTo(0, 5);
  });

  it('explains several rows in one batch, each against its own values, reproducibly', () => {
    const two = Float32Array.from([...x, ...baseline]);
    const [a, b] = sampledShapley(batch, two, 2, baseline, groups, { paths: 40, seed: 3 });
    expect(b.values.every((v) => Math.abs(v) < 1e-6)).toBe(true); // the baseline row explains nothing
    expect(a.values).toEqual(sampledShapley(batch, x, 1, baseline, groups, { paths: 40, seed: 3 })[0].values);
  });

  it('scores many instances in bounded batches without changing any attribution', () => {
    const n = 3000;
    const many = new Float32Array(n * 5).map((_, k) => Math.sin(k));
    let largest = 0;
    const counting: BatchModel = (m, rows) => ((largest = Math.max(largest, rows)), batch(m, rows));
    const all = sampledShapley(counting, many, n, baseline, groups, { paths: 10, seed: 5 });
    expect(largest).toBeLessThanOrEqual(100_000);
    expect(all).toHaveLength(n);
    const first = sampledShapley(batch, many.subarray(0, 5), 1, baseline, groups, { paths: 10, seed: 5 })[0];
    expect(all[0]).toEqual(first);
  });
});
