import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.js';
import {
  jensenShannonDistance,
  psiFromProportions,
  wassersteinDistance,
} from '../../../shared/domain/stats/distances.js';
import { ksTest } from '../../../shared/domain/stats/ks-test.js';
import {
  fitNumericBaseline,
  histogramBin,
  numericBaselineFromJson,
  numericBaselineToJson,
} from '../../../shared/domain/stats/numeric-baseline.js';
import { compareNumeric, psi } from '../../../shared/domain/stats/numeric-drift.js';
import { normalSampler, sample } from './generators.js';

describe('one-pass numeric comparison equals the direct computations', () => {
  const cases = [
    { name: 'continuous', seed: 1, n1: 3000, n2: 7000, shift: 0.1, round: false },
    { name: 'heavy ties', seed: 2, n1: 800, n2: 1500, shift: 0.3, round: true },
    { name: 'current entirely above the reference', seed: 3, n1: 500, n2: 900, shift: 50, round: false },
    { name: 'current inside a narrow band', seed: 4, n1: 2000, n2: 100, shift: 0, round: false },
  ];
  it.each(cases)('$name', ({ seed, n1, n2, shift, round }) => {
    const { normal } = normalSampler(seed);
    const r = (x: number) => (round ? Math.round(x * 2) : x);
    const ref = sample(n1, () => r(normal()));
    const cur = sample(n2, () => r(normal(shift, 1)));
    const c = compareNumeric(fitNumericBaseline(ref), cur);
    const ks = ksTest(ref, cur);
    expect(c.ksStatistic).toBeCloseTo(ks.statistic, 12);
    expect(c.wasserstein).toBeCloseTo(wassersteinDistance(ref, cur), 10);
    expect(c.nCurrent).toBe(n2);
    const b = fitNumericBaseline(ref);
    const psiCounts = new Array<number>(b.psi.proportions.length).fill(0);
    const hist = new Array<number>(b.histogram.proportions.length).fill(0);
    for (const x of cur) {
      psiCounts[b.psi.edges.filter((e) => e < x).length]++;
      hist[histogramBin(b.histogram.edges, x)]++;
    }
    expect(c.psi).toBeCloseTo(
      psiFromProportions(
        b.psi.proportions,
        psiCounts.map((n) => n / n2),
      ),
      12,
    );
    expect(c.jensenShannon).toBeCloseTo(jensenShannonDistance(b.histogram.proportions, hist), 12);
  });

  it('counts and excludes missing values', () => {
    const b = fitNumericBaseline([1, 2, 3, null, Number.NaN, 4]);
    expect(b).toMatchObject({ count: 4, missing: 2 });
    const c = compareNumeric(b, [1, null, 2, Number.NaN]);
    expect(c).toMatchObject({ nCurrent: 2, missing: 2 });
  });

  it('PSI and JS follow their definitions on the stored bins', () => {
    const { normal } = normalSampler(9);
    const ref = sample(5000, () => normal());
    const cur = sample(4000, () => normal(0.5, 1));
    const b = fitNumericBaseline(ref, 10);
    expect(b.psi.edges).toHaveLength(9);
    b.psi.proportions.forEach((p) => expect(p).toBeCloseTo(0.1, 6));
    const psiCounts = new Array<number>(10).fill(0);
    for (const x of cur) psiCounts[b.psi.edges.filter((e) => e < x).length]++;
    expect(psi(b, cur)).toBeCloseTo(
      psiFromProportions(
        b.psi.proportions,
        psiCounts.map((n) => n / cur.length),
      ),
      12,
    );
    const hist = new Array<number>(b.histogram.proportions.length).fill(0);
    for (const x of cur) hist[histogramBin(b.histogram.edges, x)]++;
    expect(compareNumeric(b, cur).jensenShannon).toBeCloseTo(jensenShannonDistance(b.histogram.proportions, hist), 12);
    expect(psi(b, cur)).toBeGreaterThan(0.1);
  });
});

describe('numeric baseline degenerate inputs and serialisation', () => {
  it('a constant reference gives one PSI bin and a defined comparison (normed by the 0.001 floor)', () => {
    const b = fitNumericBaseline([5, 5, 5, 5]);
    expect(b.psi.edges.length).toBeLessThanOrEqual(1);
    expect(b.std).toBe(0);
    const c = compareNumeric(b, [5, 5, 6]);
    expect(c.wasserstein).toBeCloseTo(1 / 3, 12);
    expect(c.wassersteinNormed).toBeCloseTo(1000 / 3, 9);
    expect(Object.values(c).every(Number.isFinite)).toBe(true);
  });
  it('an empty or all-missing reference is a ValidationError naming the values', () => {
    expect(() => fitNumericBaseline([])).toThrow(ValidationError);
    expect(() => fitNumericBaseline([null, Number.NaN])).toThrow(/values: no non-missing values/);
    expect(() => fitNumericBaseline([1, 2], 0)).toThrow(/bins/);
  });
  it('an all-missing window returns nCurrent 0 and no NaN', () => {
    const c = compareNumeric(fitNumericBaseline([1, 2, 3]), [null, Number.NaN]);
    expect(c.nCurrent).toBe(0);
    expect(Object.values(c).every(Number.isFinite)).toBe(true);
  });
  it('round-trips through JSON', () => {
    const b = fitNumericBaseline([3, 1, 2, 2, 9]);
    const back = numericBaselineFromJson(JSON.parse(JSON.stringify(numericBaselineToJson(b))));
    expect(Array.from(back.sorted)).toEqual([1, 2, 2, 3, 9]);
    expect(compareNumeric(back, [2, 4])).toEqual(compareNumeric(b, [2, 4]));
  });
});
