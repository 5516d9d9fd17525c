import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.js';
import { defaultPolicy, parsePolicy } from '../../../shared/domain/lifecycle/policy.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe('POLICY.INVALID');
    return (err as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

describe('defaultPolicy', () => {
  it('carries the guide defaults', () => {
    const p = defaultPolicy();
    expect(p.gate.valueThresholds).toEqual([
      { metric: 'r2', lower: 0.7 },
      { metric: 'mape', upper: 15 },
      { metric: 'overfitting', upper: 2 },
    ]);
    expect(p.gate.changeThresholds).toEqual([
      { metric: 'r2', direction: 'higher', absolute: -0.02 },
      { metric: 'mape', direction: 'lower', absolute: 1 },
    ]);
    expect(p.gate.mustBeatBaseline).toBe(true);
    expect(p.canaryPercent).toBe(10);
    expect(p.approvers).toEqual(['operator@local', 'automation']);
    expect(p.requireDistinctApprover).toBe(false);
    expect(p.autoApprove).toBe(true);
    expect(p.retrain).toEqual({
      minNewRows: 500,
      cooldownMinutes: 60,
      freshnessDays: 120,
      maxRunAttempts: 3,
      retryBackoffMinutes: [1, 5, 15],
    });
    expect(p.alertDebounceMinutes).toBe(30);
    expect(p.experiment).toEqual({
      minSamplesPerArm: 30,
      maxDurationHours: 72,
      alpha: 0.05,
      maxLatencyP99Ms: 1000,
      grossErrorPct: 50,
      maxGrossErrorRateIncrease: 0.1,
      bootstrapResamples: 1000,
    });
    expect(p.monitoring).toEqual({ r2Floor: 0.65, minLabelled: 30 });
    expect(p.drift).toEqual({
      windowSize: 500,
      minWindow: 100,
      driftShare: 0.3,
      numericDefault: { method: 'psi', threshold: 0.2 },
      categoricalDefault: {},
      features: {},
      skewThreshold: 0.1,
      skewCategoricalThreshold: 0.3,
      skewShare: 0.3,
      predictionThreshold: 0.1,
    });
    expect(p.cost).toEqual({ minReplicas: 1, maxReplicas: 10, headroom: 1.2, historyHours: 168, bucketMinutes: 5 });
  });

  it('merges nested overrides field by field and replaces arrays', () => {
    const p = defaultPolicy({ retrain: { minNewRows: 10 }, approvers: ['alice'], gate: { valueThresholds: [] } });
    expect(p.retrain.minNewRows).toBe(10);
    expect(p.retrain.cooldownMinutes).toBe(60);
    expect(p.approvers).toEqual(['alice']);
    expect(p.gate.valueThresholds).toEqual([]);
    expect(p.gate.changeThresholds).toHaveLength(2);
  });

  it('returns independent copies (mutating one policy does not change the next default)', () => {
    defaultPolicy().approvers.push('mallory');
    defaultPolicy().retrain.retryBackoffMinutes.push(99);
    expect(defaultPolicy().approvers).toEqual(['operator@local', 'automation']);
    expect(defaultPolicy().retrain.retryBackoffMinutes).toEqual([1, 5, 15]);
  });
});

describe('parsePolicy', () => {
  it('accepts per-feature drift overrides', () => {
    expect(parsePolicy({ drift: { features: { revenue: { method: 'psi', threshold: 0.2 } } } }).drift.features).toEqual(
      { revenue: { method: 'psi', threshold: 0.2 } },
    );
  });

  it('accepts a JSON string', () => {
    expect(parsePolicy('{"canaryPercent": 25}').canaryPercent).toBe(25);
  });

  it('treats null/undefined as the defaults', () => {
    expect(parsePolicy(undefined)).toEqual(defaultPolicy());
  });

  it('rejects malformed JSON clearly', () => {
    expect(issuesOf(() => parsePolicy('{nope'))[0].message).toMatch(/not valid JSON/);
  });

  it.each([
    [{ canaryPercent: 0 }, 'policy.canaryPercent'],
    [{ canaryPercent: 100 }, 'policy.canaryPercent'],
    [{ canaryPercent: 12.5 }, 'policy.canaryPercent'],
    [{ approvers: [] }, 'policy.approvers'],
    [{ approvers: ['  '] }, 'policy.approvers.0'],
    [{ retrain: { minNewRows: -1 } }, 'policy.retrain.minNewRows'],
    [{ retrain: { retryBackoffMinutes: [] } }, 'policy.retrain.retryBackoffMinutes'],
    [{ retrain: { maxRunAttempts: 0 } }, 'policy.retrain.maxRunAttempts'],
    [{ experiment: { alpha: 1 } }, 'policy.experiment.alpha'],
    [{ gate: { valueThresholds: [{ metric: 'r2' }] } }, 'policy.gate.valueThresholds.0'],
    [{ gate: { valueThresholds: [{ metric: 'r2', lower: 2, upper: 1 }] } }, 'policy.gate.valueThresholds.0'],
    [{ gate: { valueThresholds: [{ metric: 'accuracy', lower: 0.5 }] } }, 'policy.gate.valueThresholds.0.metric'],
    [{ gate: { changeThresholds: [{ metric: 'r2', direction: 'higher' }] } }, 'policy.gate.changeThresholds.0'],
    [
      { gate: { changeThresholds: [{ metric: 'r2', direction: 'up', absolute: 0 }] } },
      'policy.gate.changeThresholds.0.direction',
    ],
    [{ canaryPercnt: 5 }, 'policy.canaryPercnt'],
    [{ retrain: { cooldownMinuts: 5 } }, 'policy.retrain.cooldownMinuts'],
    [{ drift: { driftShare: 0 } }, 'policy.drift.driftShare'],
    [{ drift: { features: { revenue: { method: 'kl' } } } }, 'policy.drift.features.revenue.method'],
    [{ drift: { features: { revenue: { treshold: 0.2 } } } }, 'policy.drift.features.revenue.treshold'],
    [{ cost: { headroom: 0.5 } }, 'policy.cost.headroom'],
  ])('rejects %j at %s', (input, path) => {
    const issues = issuesOf(() => parsePolicy(input));
    expect(issues.map((i) => i.path)).toContain(path);
  });

  it('lists every problem, not only the first', () => {
    const issues = issuesOf(() => parsePolicy({ canaryPercent: 0, alertDebounceMinutes: -1, autoApprove: 'yes' }));
    expect(issues.map((i) => i.path).sort()).toEqual([
      'policy.alertDebounceMinutes',
      'policy.autoApprove',
      'policy.canaryPercent',
    ]);
  });

  it('names the field in the error message', () => {
    expect(() => parsePolicy({ canaryPercent: 0 })).toThrow(/Model policy is invalid: policy\.canaryPercent/);
  });
});
