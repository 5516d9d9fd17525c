import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.js';
import { chiSquareDrift, zTestProportions } from '../../../shared/domain/stats/categorical.js';
import { defaultDriftMethod } from '../../../shared/domain/stats/drift-policy.js';
import { driftReport, predictionDrift } from '../../../shared/domain/stats/drift-report.js';
import type { CategoricalBaseline } from '../../../shared/domain/stats/feature-drift.js';
import { fitNumericBaseline } from '../../../shared/domain/stats/numeric-baseline.js';
import { normalSampler, sample } from './generators.js';

const SECTORS = ['tech', 'health', 'energy', 'finance'] as const;

/** IPO-like window: four numeric features and a sector; `shift` moves it into another regime. */
function window(seed: number, n: number, shift: boolean) {
  const { prng, normal } = normalSampler(seed);
  const weights = shift ? [0.55, 0.15, 0.15, 0.15] : [0.25, 0.25, 0.25, 0.25];
  const pick = () => {
    let u = prng();
    for (let i = 0; i < SECTORS.length; i++) if ((u -= weights[i]) < 0) return SECTORS[i];
    return SECTORS[3];
  };
  return {
    offer_price: sample(n, () => Math.exp(normal(shift ? 3.3 : 3, 0.4))),
    market_volatility: sample(n, () => normal(shift ? 0.35 : 0.2, shift ? 0.08 : 0.05)),
    revenue_growth: sample(n, () => normal(shift ? 0.05 : 0.15, 0.1)),
    shares_offered: sample(n, () => normal(shift ? 14 : 10, 2)),
    sector: Array.from({ length: n }, pick),
  };
}

function baselineOf(w: ReturnType<typeof window>) {
  const counts: Record<string, number> = {};
  for (const s of w.sector) counts[s] = (counts[s] ?? 0) + 1;
  return {
    offer_price: fitNumericBaseline(w.offer_price),
    market_volatility: fitNumericBaseline(w.market_volatility),
    revenue_growth: fitNumericBaseline(w.revenue_growth),
    shares_offered: fitNumericBaseline(w.shares_offered),
    sector: { kind: 'categorical', counts } satisfies CategoricalBaseline,
  };
}

describe('Evidently default test selection', () => {
  it.each([
    ['numeric', 1000, 50, 'ks'],
    ['numeric', 1000, 4, 'chi_square'],
    ['numeric', 1000, 2, 'z_test'],
    ['categorical', 500, 7, 'chi_square'],
    ['categorical', 500, 2, 'z_test'],
    ['numeric', 1001, 50, 'wasserstein'],
    ['numeric', 5000, 5, 'jensen_shannon'],
    ['categorical', 5000, 2, 'jensen_shannon'],
  ] as const)('%s, %i reference rows, %i distinct → %s', (kind, n, u, method) => {
    expect(defaultDriftMethod(kind, n, u)).toBe(method);
  });
});

describe('drift report', () => {
  it('detects the regime shift with Evidently defaults (small and large references)', () => {
    for (const nRef of [800, 5000]) {
      const report = driftReport({ baseline: baselineOf(window(1, nRef, false)), current: window(2, 1000, true) });
      expect(report.dataset.drifted).toBe(true);
      expect(report.dataset.nDrifted).toBe(5);
      const methods = report.features.map((f) => f.method);
      expect(methods).toEqual(
        nRef <= 1000
          ? ['ks', 'ks', 'ks', 'ks', 'chi_square']
          : ['wasserstein', 'wasserstein', 'wasserstein', 'wasserstein', 'jensen_shannon'],
      );
    }
  });

  it('keeps the false-alarm rate low on fresh samples of the same distribution (200 seeds)', () => {
    const rates: Record<string, { feature: number; dataset: number }> = {};
    for (const nRef of [800, 5000]) {
      let featureAlarms = 0;
      let datasetAlarms = 0;
      let features = 0;
      for (let seed = 0; seed < 200; seed++) {
        const r = driftReport({
          baseline: baselineOf(window(10_000 + seed, nRef, false)),
          current: window(20_000 + seed, 500, false),
        });
        featureAlarms += r.dataset.nDrifted;
        features += r.dataset.nFeatures;
        datasetAlarms += r.dataset.drifted ? 1 : 0;
      }
      rates[`reference ${nRef}`] = { feature: featureAlarms / features, dataset: datasetAlarms / 200 };
    }
    console.log('false-alarm rates (Evidently defaults, 200 seeds):', JSON.stringify(rates));
    for (const r of Object.values(rates)) {
      expect(r.feature).toBeLessThan(0.1);
      expect(r.dataset).toBeLessThan(0.1);
    }
  });

  it('applies per-feature overrides and the drift share', () => {
    const base = baselineOf(window(3, 2000, false));
    const cur = window(4, 1000, false);
    const report = driftReport({
      baseline: base,
      current: cur,
      driftShare: 0.2,
      policy: {
        offer_price: { method: 'psi', threshold: 0 },
        sector: { method: 'l_infinity' },
        revenue_growth: { method: 'ks' },
      },
    });
    const byName = Object.fromEntries(report.features.map((f) => [f.feature, f]));
    expect(byName.offer_price).toMatchObject({ method: 'psi', threshold: 0, drifted: true });
    expect(byName.sector).toMatchObject({ method: 'l_infinity', threshold: 0.3, drifted: false });
    expect(byName.revenue_growth.pValue).toBeGreaterThan(0);
    expect(report.dataset).toMatchObject({ nDrifted: 1, driftedShare: 0.2, drifted: true, driftShare: 0.2 });
  });

  it('reports missing values, flags an all-missing column and never yields NaN', () => {
    const base = baselineOf(window(5, 900, false));
    const cur = window(6, 400, false);
    const withGaps = {
      ...cur,
      revenue_growth: Float64Array.from(cur.revenue_growth, (v, i) => (i % 4 === 0 ? Number.NaN : v)),
      shares_offered: new Float64Array(10).fill(Number.NaN),
    };
    const report = driftReport({ baseline: base, current: withGaps });
    const byName = Object.fromEntries(report.features.map((f) => [f.feature, f]));
    expect(byName.revenue_growth).toMatchObject({ nCurrent: 300, missingRate: 0.25 });
    expect(byName.shares_offered).toMatchObject({ statistic: null, drifted: true, nCurrent: 0, missingRate: 1 });
    for (const f of report.features) if (f.statistic !== null) expect(Number.isFinite(f.statistic)).toBe(true);
  });

  it('rejects bad input with every problem listed', () => {
    const base = {
      a: fitNumericBaseline([1, 2, 3]),
      b: { kind: 'categorical', counts: { x: 3 } } as CategoricalBaseline,
    };
    const err = (() => {
      try {
        driftReport({ baseline: base, current: { a: [1] }, policy: { zzz: { method: 'ks' } }, driftShare: 0 });
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect(err!.issues.map((i) => i.path)).toEqual(['current.b', 'policy.zzz', 'driftShare']);
    expect(() => driftReport({ baseline: {}, current: {} })).toThrow(/baseline: has no features/);
    expect(() =>
      driftReport({ baseline: base, current: { a: [1], b: ['x'] }, policy: { b: { method: 'ks' } } }),
    ).toThrow(/b.method: ks needs a numeric feature/);
    expect(() => driftReport({ baseline: { a: base.a }, current: { a: ['oops'] } })).toThrow(/a.0: expected a number/);
  });

  it('handles a single category and unseen categories without NaN', () => {
    expect(chiSquareDrift({ only: 10 }, { only: 4 })).toEqual({ statistic: 0, pValue: 1 });
    expect(zTestProportions({ only: 10 }, { only: 4 })).toEqual({ statistic: 0, pValue: 1 });
    expect(chiSquareDrift({ a: 10, b: 10 }, { a: 5, c: 5 })).toEqual({ statistic: Infinity, pValue: 0 });
  });

  it('judges prediction drift like a numeric feature', () => {
    const { normal } = normalSampler(7);
    const base = sample(3000, () => normal(100, 10));
    expect(
      predictionDrift(
        base,
        sample(2000, () => normal(100, 10)),
      ),
    ).toMatchObject({ feature: 'prediction', method: 'wasserstein', drifted: false });
    expect(
      predictionDrift(
        base,
        sample(2000, () => normal(103, 10)),
      ),
    ).toMatchObject({ drifted: true });
  });
});
