/** The gradient-boosted trees: binning, exact split search, missing values, categories, early stopping, the saved format. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, normal } from '../../../shared/ml/random.js';
import { binColumns, fitBinMapper, numericBin } from '../../../shared/ml/trees/binning.js';
import { trainTrees, type TreeParams } from '../../../shared/ml/trees/boosting.js';
import { growTree } from '../../../shared/ml/trees/grow.js';
import {
  goesLeft,
  parseTreeEnsemble,
  predictTrees,
  type TreeFeature,
  type TreeMatrix,
} from '../../../shared/ml/trees/tree-model.js';

const PARAMS: TreeParams = {
  maxIterations: 200,
  learningRate: 0.1,
  maxLeafNodes: 31,
  maxDepth: 10,
  minSamplesLeaf: 5,
  l2: 0,
  maxBins: 255,
  patience: 10,
};

function matrix(rows: number[][], kinds: TreeFeature['kind'][]): TreeMatrix {
  return {
    values: Float64Array.from(rows.flat()),
    rows: rows.length,
    features: kinds.map((kind, j) => ({ name: `f${j}`, kind })),
  };
}

function root(x: TreeMatrix, y: number[], minSamplesLeaf = 1) {
  const mapper = fitBinMapper(x);
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const grad = Float64Array.from(y, (v) => mean - v);
  const rules = { kinds: x.features.map((f) => f.kind), bins: mapper.bins, l2: 0, minSamplesLeaf, catSmooth: 0 };
  const order = Int32Array.from(y, (_, i) => i);
  return growTree(
    { columns: binColumns(mapper, x), thresholds: mapper.thresholds, grad, order, rules, pool: [] },
    { maxLeafNodes: 2, maxDepth: 1, learningRate: 1 },
  ).tree;
}

const sse = (v: number[]): number => {
  const m = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  return v.reduce((a, b) => a + (b - m) ** 2, 0);
};

describe('binning', () => {
  it('puts a value in bin b exactly when it is at most threshold b, and missing values in the last bin', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 2, max: 255 }),
        (values, maxBins) => {
          const x = matrix(
            values.map((v) => [v]),
            ['numeric'],
          );
          const m = fitBinMapper(x, maxBins);
          const t = m.thresholds[0];
          expect(m.bins[0]).toBeLessThanOrEqual(maxBins);
          for (const v of values) {
            const b = numericBin(t, v);
            expect(b).toBeLessThan(m.bins[0]);
            if (b < t.length) expect(v).toBeLessThanOrEqual(t[b]);
            if (b > 0) expect(v).toBeGreaterThan(t[b - 1]);
          }
        },
      ),
    );
    expect(binColumns(fitBinMapper(matrix([[1], [NaN]], ['numeric'])), matrix([[NaN]], ['numeric']))[0][0]).toBe(255);
  });

  it('cuts few distinct values at their midpoints', () => {
    expect(Array.from(fitBinMapper(matrix([[3], [1], [2], [2], [1]], ['numeric'])).thresholds[0])).toEqual([1.5, 2.5]);
  });
});

describe('split search', () => {
  it('finds the same best first split as a brute-force search over every threshold and missing direction', () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 25; trial++) {
      const rows = Array.from({ length: 40 }, () => [
        Math.floor(rng() * 6),
        rng() < 0.2 ? NaN : Math.floor(rng() * 5),
        Math.floor(rng() * 4),
      ]);
      const y = rows.map(
        (r) => (r[0] > 2 ? 1 : 0) * rng() * 3 + (Number.isNaN(r[1]) ? 2 * rng() : r[1] * 0.3) + normal(rng, 0, 0.5),
      );
      const x = matrix(rows, ['numeric', 'numeric', 'numeric']);
      let best = 0;
      for (let f = 0; f < 3; f++) {
        const values = [...new Set(rows.map((r) => r[f]).filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b);
        for (const t of [...values, Infinity]) {
          for (const missingLeft of [false, true]) {
            const left = rows
              .map((r, i) => ((Number.isNaN(r[f]) ? missingLeft : r[f] <= t) ? y[i] : NaN))
              .filter((v) => !Number.isNaN(v));
            const right = rows
              .map((r, i) => ((Number.isNaN(r[f]) ? missingLeft : r[f] <= t) ? NaN : y[i]))
              .filter((v) => !Number.isNaN(v));
            if (left.length > 0 && right.length > 0) best = Math.max(best, sse(y) - sse(left) - sse(right));
          }
        }
      }
      const tree = root(x, y);
      expect(tree.gain[0]).toBeCloseTo(best, 9);
      // The stored gain is the real drop in squared error of the two leaves.
      const leftRows = y.filter((_, i) => goesLeft(tree, 0, rows[i][tree.feature[0]]));
      const rightRows = y.filter((_, i) => !goesLeft(tree, 0, rows[i][tree.feature[0]]));
      expect(sse(y) - sse(leftRows) - sse(rightRows)).toBeCloseTo(best, 9);
    }
  });

  it('learns where missing values go: with the rows whose target they resemble', () => {
    const rows: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 60; i++) {
      const v = i % 3 === 0 ? NaN : i;
      rows.push([v]);
      y.push(Number.isNaN(v) ? 10 : v < 30 ? 0 : 10);
    }
    const tree = root(matrix(rows, ['numeric']), y);
    expect(tree.threshold[0]).toBeGreaterThan(28);
    expect(tree.threshold[0]).toBeLessThan(31);
    expect(tree.missingLeft[0]).toBe(0); // missing rows (target 10) join the right side (x > 30, target 10)
    const flipped = root(
      matrix(rows, ['numeric']),
      y.map((v, i) => (Number.isNaN(rows[i][0]) ? 0 : v)),
    );
    expect(flipped.missingLeft[0]).toBe(1);
  });

  it('splits categories into the two sets that separate the target, whatever their codes', () => {
    const rows = Array.from({ length: 120 }, (_, i) => [i % 6]);
    const y = rows.map(([c]) => ([1, 3, 4].includes(c) ? 5 : -5));
    const tree = root(matrix(rows, ['categorical']), y);
    const left = new Set(tree.leftCategories[0]);
    expect([
      [0, 2, 5],
      [1, 3, 4],
    ]).toContainEqual([...left].sort());
    expect(tree.gain[0]).toBeCloseTo(sse(y), 9);
  });
});

describe('boosting', () => {
  const rng = createRng(11);
  const make = (n: number, shift = 0) => {
    const rows = Array.from({ length: n }, () => [normal(rng), normal(rng), Math.floor(rng() * 4)]);
    return {
      x: matrix(rows, ['numeric', 'numeric', 'categorical']),
      y: rows.map(
        (r) => Math.sin(2 * r[0]) + 0.5 * r[1] ** 2 + [0, 1, -1, 2][r[2]] + shift * r[1] + normal(rng, 0, 0.1),
      ),
    };
  };

  it('decreases the training loss at every iteration and fits a non-linear target', () => {
    const train = make(2000);
    const res = trainTrees(train, make(500), { ...PARAMS, patience: 1000 });
    for (let i = 1; i < res.history.length; i++) expect(res.history[i].loss).toBeLessThan(res.history[i - 1].loss);
    expect(res.history.at(-1)!.valLoss).toBeLessThan(0.05);
  });

  it('stops early on the validation split and keeps the best iteration', () => {
    const res = trainTrees(make(1500), make(500, 1.5), { ...PARAMS, learningRate: 0.3, patience: 5 });
    const losses = res.history.map((h) => h.valLoss);
    expect(res.stoppedEarly).toBe(true);
    expect(res.bestIteration).toBe(losses.indexOf(Math.min(...losses)) + 1);
    expect(res.history.length).toBe(res.bestIteration + 5);
    expect(res.model.trees).toHaveLength(res.bestIteration);
  });

  it('round-trips through JSON with identical predictions, and rejects a damaged file naming the field', () => {
    const train = make(800);
    const res = trainTrees(train, make(200), PARAMS);
    const loaded = parseTreeEnsemble(JSON.parse(JSON.stringify(res.model)));
    expect(Array.from(predictTrees(loaded, train.x))).toEqual(Array.from(predictTrees(res.model, train.x)));
    const damaged = JSON.parse(JSON.stringify(res.model)) as { trees: { left: number[] }[] };
    damaged.trees[2].left.pop();
    expect(() => parseTreeEnsemble(damaged)).toThrow(/trees\.2\.left: has \d+ entries/);
    expect(() => parseTreeEnsemble({ ...res.model, format: 'other' })).toThrow(/format/);
  });

  it('respects the leaf budget, the depth limit and the minimum rows per leaf', () => {
    const res = trainTrees(make(1000), make(200), {
      ...PARAMS,
      maxIterations: 20,
      maxLeafNodes: 7,
      maxDepth: 2,
      minSamplesLeaf: 50,
    });
    for (const t of res.model.trees) {
      const leaves = t.feature.filter((f) => f < 0).length;
      expect(leaves).toBeLessThanOrEqual(4);
      t.feature.forEach((f, k) => (f < 0 ? expect(t.cover[k]).toBeGreaterThanOrEqual(50) : undefined));
    }
  });
});
