import { describe, expect, it } from 'vitest';
import { mannWhitneyU, welchTTest, welchTTestFromSummary } from '../../../shared/domain/stats/ab-tests.js';
import { chiSquareTest } from '../../../shared/domain/stats/categorical.js';
import { jensenShannonDistance, wassersteinDistance } from '../../../shared/domain/stats/distances.js';
import { loadFixture, relClose } from './fixtures.js';

const close =
  (expected: number, rel = 1e-6) =>
  (actual: number) =>
    relClose(actual, expected, rel);

describe('chi-square against scipy.stats.chisquare', () => {
  const cases =
    loadFixture<{ observed: number[]; expected: number[]; statistic: number; pvalue: number }[]>('chisquare.json');
  it.each(cases.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const r = chiSquareTest(c.observed, c.expected);
    expect(r.statistic).toSatisfy(close(c.statistic, 1e-9));
    expect(r.pValue).toSatisfy(close(c.pvalue));
  });
});

describe('Welch t-test against scipy.stats.ttest_ind(equal_var=False)', () => {
  const { samples, summaries } = loadFixture<{
    samples: { a: number[]; b: number[]; statistic: number; df: number; pvalue: number }[];
    summaries: {
      mean1: number;
      std1: number;
      n1: number;
      mean2: number;
      std2: number;
      n2: number;
      statistic: number;
      pvalue: number;
    }[];
  }>('ttest_welch.json');
  it.each(samples.map((c) => [c.a.length, c.b.length, c] as const))('samples %i vs %i', (_a, _b, c) => {
    const r = welchTTest(c.a, c.b);
    expect(r.statistic).toSatisfy(close(c.statistic, 1e-9));
    expect(r.df).toSatisfy(close(c.df, 1e-9));
    expect(r.pValue).toSatisfy(close(c.pvalue));
  });
  it.each(summaries.map((c) => [c.n1, c.n2, c] as const))('summaries n=%i vs %i (large df)', (_a, _b, c) => {
    const r = welchTTestFromSummary(
      { mean: c.mean1, variance: c.std1 ** 2, n: c.n1 },
      { mean: c.mean2, variance: c.std2 ** 2, n: c.n2 },
    );
    expect(r.statistic).toSatisfy(close(c.statistic, 1e-9));
    expect(r.pValue).toSatisfy(close(c.pvalue));
  });
});

describe('Mann-Whitney U against scipy.stats.mannwhitneyu (asymptotic, continuity, ties)', () => {
  const cases = loadFixture<{ a: number[]; b: number[]; statistic: number; pvalue: number }[]>('mannwhitneyu.json');
  it.each(cases.map((c) => [c.a.length, c.b.length, c] as const))('%i vs %i', (_a, _b, c) => {
    const r = mannWhitneyU(c.a, c.b);
    expect(r.statistic).toBe(c.statistic);
    expect(r.pValue).toSatisfy(close(c.pvalue));
  });
});

describe('Wasserstein against scipy.stats.wasserstein_distance', () => {
  const cases = loadFixture<{ u: number[]; v: number[]; distance: number }[]>('wasserstein.json');
  it.each(cases.map((c) => [c.u.length, c.v.length, c] as const))('%i vs %i', (_a, _b, c) => {
    expect(wassersteinDistance(c.u, c.v)).toSatisfy((d: number) => relClose(d, c.distance, 1e-9, 1e-12));
  });
});

describe('Jensen-Shannon against scipy.spatial.distance.jensenshannon', () => {
  const cases =
    loadFixture<{ p: number[]; q: number[]; base: number | null; distance: number }[]>('jensenshannon.json');
  it.each(cases.map((c) => [c.p.length, c.base ?? 'e', c] as const))('k=%i base %s', (_k, _b, c) => {
    expect(jensenShannonDistance(c.p, c.q, c.base ?? Math.E)).toSatisfy(close(c.distance, 1e-9));
  });
});
