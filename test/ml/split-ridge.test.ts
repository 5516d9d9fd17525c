import { describe, expect, it } from 'vitest';
import { toCsv } from '../../shared/ml/csv.js';
import { parseContract } from '../../shared/ml/contract.js';
import { DEFAULT_CONTRACT } from '../../shared/ml/default-contract.js';
import { regressionMetrics } from '../../shared/ml/metrics.js';
import { fitRidge, predictRidge } from '../../shared/ml/ridge.js';
import { generateSamplePanel } from '../../shared/ml/sample-data.generator.js';
import { splitByTime } from '../../shared/ml/split.js';
import { frameOf } from './helpers.js';

describe('time split', () => {
  it('assigns whole periods, in order, and records the rule', () => {
    const p = generateSamplePanel({ companies: 5, quarters: 20, seed: 2, missingRate: 0 });
    const frame = frameOf(toCsv(p.header, p.rows));
    const s = splitByTime(frame, DEFAULT_CONTRACT, () => true);
    expect(s.rule).toMatchObject({
      kind: 'time',
      column: 'fiscal_quarter',
      train: ['2016Q1', '2019Q2'],
      validation: ['2019Q3', '2020Q1'],
      test: ['2020Q2', '2020Q4'],
    });
    expect(s.rule.periods).toEqual({ train: 14, validation: 3, test: 3 });
    const maxKey = (rows: number[]): number => Math.max(...rows.map((r) => frame.timeKey[r]));
    const minKey = (rows: number[]): number => Math.min(...rows.map((r) => frame.timeKey[r]));
    expect(maxKey(s.train)).toBeLessThan(minKey(s.validation));
    expect(maxKey(s.validation)).toBeLessThan(minKey(s.test));
    expect(s.train.length + s.validation.length + s.test.length).toBe(100);
  });
});

describe('row-share time split', () => {
  it('counts rows rather than periods, still never splitting a period', () => {
    // 10 quarters with 1 row each, then 5 busy quarters with 10 rows each (60 rows).
    const rows = ['id,t,x,y'];
    for (let q = 0; q < 15; q++)
      for (let k = 0; k < (q < 10 ? 1 : 10); k++)
        rows.push(`E${q}-${k},${2010 + Math.floor(q / 4)}Q${(q % 4) + 1},1,2`);
    const contract = parseContract({
      ...DEFAULT_CONTRACT,
      columns: [
        { name: 'id', type: 'id' },
        { name: 't', type: 'date' },
        { name: 'x', type: 'numeric' },
        { name: 'y', type: 'numeric' },
      ],
      entityColumn: 'id',
      timeColumn: 't',
      sliceColumns: [],
      minRows: 1,
      target: { column: 'y', transform: 'none' },
      features: [{ name: 'v', kind: 'value', source: 'x' }],
      split: { train: 0.6, validation: 0.2, by: 'rows' },
    });
    const frame = frameOf(`${rows.join('\n')}\n`, contract);
    const byRows = splitByTime(frame, contract, () => true);
    // Row shares: the 10 quiet quarters are rows 1-10; the busy quarters' middle rows are at 15, 25, 35, 45
    // and 55 of 60, i.e. 25%, 42%, 58% (train <= 60%), 75% (validation <= 80%) and 92% (test).
    expect(byRows.rule).toMatchObject({
      by: 'rows',
      periods: { train: 13, validation: 1, test: 1 },
      rows: { train: 40, validation: 10, test: 10 },
    });
    const byPeriods = splitByTime(
      frame,
      parseContract({ ...contract, split: { train: 0.6, validation: 0.2 } }),
      () => true,
    );
    expect(byPeriods.rule).toMatchObject({
      by: 'periods',
      periods: { train: 9, validation: 3, test: 3 },
      rows: { train: 9, validation: 21, test: 30 },
    });
  });
});

describe('ridge baseline', () => {
  it('recovers a linear relation and shrinks with alpha', () => {
    const rows = 200;
    const x = new Float32Array(rows * 2);
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      x[r * 2] = Math.sin(r);
      x[r * 2 + 1] = Math.cos(r * 1.3);
      y[r] = 3 + 2 * x[r * 2] - 1.5 * x[r * 2 + 1];
    }
    const m = fitRidge(x, y, rows, 1e-6);
    expect(m.intercept).toBeCloseTo(3, 4);
    expect(m.weights[0]).toBeCloseTo(2, 4);
    expect(m.weights[1]).toBeCloseTo(-1.5, 4);
    expect(regressionMetrics(y, predictRidge(m, x, rows)).r2).toBeCloseTo(1, 6);
    expect(Math.abs(fitRidge(x, y, rows, 1000).weights[0])).toBeLessThan(1);
  });
});

describe('metrics', () => {
  it('computes the guide metrics and directional accuracy', () => {
    const m = regressionMetrics([100, 200], [110, 180], [90, 250]);
    expect(m).toMatchObject({ n: 2, mse: 250, mae: 15, mape: 10 });
    expect(m.r2).toBeCloseTo(1 - 500 / 5000, 10);
    expect(m.directionalAccuracy).toBe(1);
    expect(regressionMetrics([100], [80], [90]).directionalAccuracy).toBe(0);
  });

  it('poisons every error metric when a prediction is NaN (a diverged model never passes the gate)', () => {
    const m = regressionMetrics([100, 200], [110, NaN]);
    expect([m.mse, m.mae, m.rmse, m.mape, m.r2].every(Number.isNaN)).toBe(true);
  });

  it('leaves zero actuals out of MAPE only, as the shared error rule does', () => {
    const m = regressionMetrics([0, 100], [10, 110]);
    expect(m).toMatchObject({ mae: 10, mse: 100, mape: 10 });
  });
});
