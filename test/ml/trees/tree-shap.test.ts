/** Exact TreeSHAP against brute-force Shapley values of the same value function, and its additivity. */
import { describe, expect, it } from 'vitest';
import { createRng, normal } from '../../../shared/ml/random.js';
import { trainTrees } from '../../../shared/ml/trees/boosting.js';
import {
  goesLeft,
  predictTrees,
  type Tree,
  type TreeEnsemble,
  type TreeMatrix,
} from '../../../shared/ml/trees/tree-model.js';
import { ensembleExpectation, treeShap } from '../../../shared/ml/trees/tree-shap.js';

/** E[tree(x) | x_S]: features in S follow x, the others both branches weighted by training cover. */
function conditional(t: Tree, x: ArrayLike<number>, known: Set<number>, node = 0): number {
  const f = t.feature[node];
  if (f < 0) return t.value[node];
  if (known.has(f)) return conditional(t, x, known, goesLeft(t, node, x[f]) ? t.left[node] : t.right[node]);
  const [l, r] = [t.left[node], t.right[node]];
  return (t.cover[l] * conditional(t, x, known, l) + t.cover[r] * conditional(t, x, known, r)) / t.cover[node];
}

function bruteForce(e: TreeEnsemble, x: ArrayLike<number>): number[] {
  const d = e.features.length;
  const value = (s: Set<number>): number => e.trees.reduce((a, t) => a + conditional(t, x, s), e.baseScore);
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const phi = new Array<number>(d).fill(0);
  for (let mask = 0; mask < 1 << d; mask++) {
    const s = new Set(Array.from({ length: d }, (_, j) => j).filter((j) => mask & (1 << j)));
    for (let j = 0; j < d; j++) {
      if (s.has(j)) continue;
      const w = (fact(s.size) * fact(d - s.size - 1)) / fact(d);
      phi[j] += w * (value(new Set([...s, j])) - value(s));
    }
  }
  return phi;
}

describe('TreeSHAP', () => {
  const rng = createRng(5);
  const rows = Array.from({ length: 600 }, () => [
    normal(rng),
    rng() < 0.15 ? NaN : normal(rng),
    Math.floor(rng() * 5),
    normal(rng),
  ]);
  const y = rows.map(
    (r) =>
      r[0] * (r[3] > 0 ? 2 : -1) + (Number.isNaN(r[1]) ? 1.5 : r[1]) + [0, 2, -1, 1, 0][r[2]] + normal(rng, 0, 0.2),
  );
  const x: TreeMatrix = {
    values: Float64Array.from(rows.flat()),
    rows: rows.length,
    features: ['a', 'b', 'c', 'd'].map((name, j) => ({ name, kind: j === 2 ? 'categorical' : 'numeric' })),
  };
  const trained = trainTrees(
    { x, y },
    { x: { ...x, rows: 0, values: new Float64Array(0) }, y: [] },
    {
      maxIterations: 12,
      learningRate: 0.3,
      maxLeafNodes: 6,
      maxDepth: 4,
      minSamplesLeaf: 10,
      l2: 1,
      maxBins: 32,
      patience: 5,
    },
  ).model;

  it('agrees with brute-force Shapley values (interactions, missing values and categories included)', () => {
    for (let r = 0; r < 15; r++) {
      const row = x.values.subarray(r * 4, r * 4 + 4);
      const exact = Array.from(treeShap(trained, row));
      bruteForce(trained, row).forEach((v, j) => expect(exact[j]).toBeCloseTo(v, 9));
    }
  });

  it('is additive: attributions sum to the prediction minus the expected output', () => {
    const base = ensembleExpectation(trained);
    const predictions = predictTrees(trained, x);
    for (let r = 0; r < x.rows; r += 37) {
      const phi = treeShap(trained, x.values, r * 4);
      expect(phi.reduce((a, b) => a + b, 0)).toBeCloseTo(predictions[r] - base, 9);
    }
  });

  it('gives nothing to a feature no tree splits on', () => {
    const unused = trained.features.findIndex((_, j) => !trained.trees.some((t) => t.feature.includes(j)));
    const withNoise: TreeEnsemble = { ...trained, features: [...trained.features, { name: 'noise', kind: 'numeric' }] };
    const phi = treeShap(withNoise, [0.3, 0.1, 2, -1, 99]);
    expect(phi[4]).toBe(0);
    if (unused >= 0) expect(phi[unused]).toBe(0);
  });
});
