import { describe, expect, it } from 'vitest';
import { toCsv } from '../../shared/ml/csv.js';
import { parseContract } from '../../shared/ml/contract.js';
import { DEFAULT_CONTRACT } from '../../shared/ml/default-contract.js';
import { computeFeatures } from '../../shared/ml/features.js';
import { transformInputs } from '../../shared/ml/preprocessing.js';
import { generateSamplePanel } from '../../shared/ml/sample-data.generator.js';
import { prepareData } from '../../shared/ml/training-steps.js';
import { frameOf } from './helpers.js';

const contract = parseContract({
  ...DEFAULT_CONTRACT,
  columns: [
    { name: 'id', type: 'id' },
    { name: 't', type: 'date' },
    { name: 'x', type: 'numeric' },
    { name: 'd', type: 'numeric' },
    { name: 'y', type: 'numeric' },
  ],
  entityColumn: 'id',
  timeColumn: 't',
  sliceColumns: [],
  minRows: 1,
  target: { column: 'y', transform: 'none' },
  features: [
    { name: 'g1', kind: 'growth', source: 'x', lag: 1 },
    { name: 'ma2', kind: 'rolling_mean', source: 'x', window: 2 },
    { name: 'sd3', kind: 'rolling_std', source: 'x', window: 3 },
    { name: 'r', kind: 'ratio', numerator: 'x', denominator: 'd' },
    { name: 'c1', kind: 'change', source: 'x', lag: 1 },
  ],
});

describe('features', () => {
  it('computes sequential features per entity in time order, forward-filling gaps and guarding division by zero', () => {
    // Rows deliberately out of order and interleaved across entities.
    const csv = 'id,t,x,d,y\nA,2020Q3,40,0,1\nB,2020Q1,5,1,1\nA,2020Q1,10,2,1\nA,2020Q2,,4,1\nB,2020Q2,10,1,1\n';
    const f = computeFeatures(frameOf(csv, contract), contract);
    // Row order: A-Q3, B-Q1, A-Q1, A-Q2 (x forward-filled to 10), B-Q2.
    expect(Array.from(f.numeric.g1)).toEqual([3, NaN, NaN, 0, 1]);
    expect(Array.from(f.numeric.ma2)).toEqual([25, 5, 10, 10, 7.5]);
    expect(f.numeric.sd3[0]).toBeCloseTo(Math.sqrt(300), 10);
    expect(Number.isNaN(f.numeric.sd3[2])).toBe(true);
    expect(Array.from(f.numeric.r)).toEqual([NaN, 5, 5, 2.5, 10]);
    expect(Array.from(f.numeric.c1)).toEqual([30, NaN, NaN, 0, 5]);
  });

  it('does not leak: changing future periods leaves every training-split feature and input unchanged', () => {
    const p = generateSamplePanel({ companies: 30, quarters: 16, seed: 5 });
    const base = prepareData(frameOf(toCsv(p.header, p.rows)), DEFAULT_CONTRACT);
    const lastTrain = base.split.rule.train[1];
    const t = p.header.indexOf('fiscal_quarter');
    const scramble = p.rows.map((r) =>
      r.map((v, j) => (String(r[t]) > lastTrain && typeof v === 'number' ? v * (3 + j) : v)),
    );
    const sectorCol = p.header.indexOf('sector');
    scramble.forEach((r) => (String(r[t]) > lastTrain ? (r[sectorCol] = 'Crypto') : undefined));
    const changed = prepareData(frameOf(toCsv(p.header, scramble)), DEFAULT_CONTRACT);
    expect(changed.split.train).toEqual(base.split.train);
    for (const name of Object.keys(base.features.numeric)) {
      const pickRows = (a: Float64Array): number[] => base.split.train.map((r) => a[r]);
      expect(pickRows(changed.features.numeric[name]), name).toEqual(pickRows(base.features.numeric[name]));
    }
    expect(changed.preprocessing).toEqual(base.preprocessing);
    expect(transformInputs(changed.preprocessing, changed.features, base.split.train)).toEqual(
      transformInputs(base.preprocessing, base.features, base.split.train),
    );
    // The scramble did reach later rows, so the test can fail.
    expect(transformInputs(changed.preprocessing, changed.features, base.split.test)).not.toEqual(
      transformInputs(base.preprocessing, base.features, base.split.test),
    );
  });

  it('fits encoders on training rows only: a category first seen later maps to the unseen slot', () => {
    const p = generateSamplePanel({ companies: 30, quarters: 16, seed: 5 });
    const d = prepareData(frameOf(toCsv(p.header, p.rows)), DEFAULT_CONTRACT);
    const sector = d.preprocessing.inputs.find((i) => i.name === 'sector_code');
    expect(sector?.kind).toBe('categorical');
    expect(d.preprocessing.columns).toContain('sector_code=(other)');
    const bucket = d.preprocessing.inputs.find((i) => i.name === 'market_cap_category');
    expect(bucket).toMatchObject({ kind: 'categorical', categories: ['q1', 'q2', 'q3', 'q4'] });
  });

  it('extracts date parts from a date column and computes the signed log', () => {
    const dated = parseContract({
      ...DEFAULT_CONTRACT,
      columns: [
        { name: 'id', type: 'id' },
        { name: 't', type: 'date' },
        { name: 'listed', type: 'date' },
        { name: 'x', type: 'numeric' },
        { name: 'y', type: 'numeric' },
      ],
      entityColumn: 'id',
      timeColumn: 't',
      sliceColumns: [],
      minRows: 1,
      target: { column: 'y', transform: 'none' },
      features: [
        { name: 'year', kind: 'date_part', source: 'listed', part: 'year' },
        { name: 'quarter', kind: 'date_part', source: 'listed', part: 'quarter' },
        { name: 'month', kind: 'date_part', source: 't', part: 'month' },
        { name: 'weekday', kind: 'date_part', source: 'listed', part: 'day_of_week' },
        { name: 'yday', kind: 'date_part', source: 'listed', part: 'day_of_year' },
        { name: 'slog', kind: 'log', source: 'x' },
      ],
    });
    const csv = 'id,t,listed,x,y\nA,2021Q3,3/15/2021,0,1\nB,2021Q4,2020-12-31,-1.718281828459045,1\nC,2022Q1,,99,1\n';
    const f = computeFeatures(frameOf(csv, dated), dated);
    expect(Array.from(f.numeric.year)).toEqual([2021, 2020, NaN]);
    expect(Array.from(f.numeric.quarter)).toEqual([1, 4, NaN]);
    expect(Array.from(f.numeric.month)).toEqual([7, 10, 1]);
    expect(Array.from(f.numeric.weekday)).toEqual([1, 4, NaN]); // Monday, Thursday
    expect(Array.from(f.numeric.yday)).toEqual([74, 366, NaN]);
    expect(f.numeric.slog[0]).toBe(0);
    expect(f.numeric.slog[1]).toBeCloseTo(-1, 12);
    expect(f.numeric.slog[2]).toBeCloseTo(Math.log(100), 12);
  });
});
