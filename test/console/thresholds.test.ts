/** The console's threshold fallbacks (plain browser JS) stay equal to the domain's defaults. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, P_VALUE_METHODS } from '../../shared/domain/stats/drift-policy.js';
import { defaultPolicy } from '../../shared/domain/lifecycle/index.js';

interface ConsoleThresholds {
  DEFAULT_THRESHOLDS: Record<string, number>;
  P_VALUE_METHODS: string[];
  POLICY_DEFAULTS: {
    driftShare: number;
    skewShare: number;
    predictionThreshold: number;
    r2Floor: number;
    numericDefault: { method: string; threshold: number };
  };
  featureThreshold(policy: unknown, feature: string, method: string): { value: number; direction: 'above' | 'below' };
  monitoringThresholds(policy: unknown): Record<string, number>;
}

const load = async () =>
  (await import(
    new URL('../../shared/platform/console/static/js/thresholds.js', import.meta.url).href
  )) as ConsoleThresholds;

describe('console thresholds', () => {
  it('mirror the drift defaults and the policy defaults', async () => {
    const js = await load();
    const policy = defaultPolicy();
    expect(js.DEFAULT_THRESHOLDS).toEqual(DEFAULT_THRESHOLDS);
    expect(js.P_VALUE_METHODS).toEqual([...P_VALUE_METHODS]);
    expect(js.POLICY_DEFAULTS).toEqual({
      driftShare: policy.drift.driftShare,
      skewShare: policy.drift.skewShare,
      predictionThreshold: policy.drift.predictionThreshold,
      r2Floor: policy.monitoring.r2Floor,
      numericDefault: policy.drift.numericDefault,
    });
  });

  it.each([
    ['numeric default', {}, 'revenue', 'psi', { value: 0.2, direction: 'above' }],
    [
      'per-feature override',
      { features: { revenue: { threshold: 0.3 } } },
      'revenue',
      'psi',
      { value: 0.3, direction: 'above' },
    ],
    ["Evidently's default for a categorical", {}, 'sector', 'jensen_shannon', { value: 0.1, direction: 'above' }],
    [
      'a p-value method',
      { features: { sector: { method: 'chi_square' } } },
      'sector',
      'chi_square',
      { value: 0.05, direction: 'below' },
    ],
  ] as const)('resolve a feature threshold: %s', async (_name, drift, feature, method, expected) => {
    const js = await load();
    expect(js.featureThreshold(defaultPolicy({ drift }), feature, method)).toEqual(expected);
  });
});
