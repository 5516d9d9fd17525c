import { describe, expect, it } from 'vitest';
import type { MetricSet } from '../../../shared/domain/state.js';
import { evaluateGate, type GateInput } from '../../../shared/domain/lifecycle/gate.js';
import { defaultPolicy } from '../../../shared/domain/lifecycle/policy.js';

const good: MetricSet = {
  r2: 0.82,
  mse: 0.04,
  mae: 0.15,
  rmse: 0.2,
  mape: 9,
  directionalAccuracy: 0.7,
  overfitting: 1.1,
};
const ridge: MetricSet = { r2: 0.6, mse: 0.09, mae: 0.22, rmse: 0.3, mape: 14, overfitting: 1.0 };

function input(over: Partial<GateInput> = {}): GateInput {
  return {
    candidate: good,
    baselineModel: ridge,
    validationPassed: true,
    servability: { ok: true },
    policy: defaultPolicy(),
    ...over,
  };
}

describe('evaluateGate', () => {
  it('blesses a good first model and records every check', () => {
    const v = evaluateGate(input());
    expect(v.kind).toBe('blessed');
    expect(v.evidence.map((e) => `${e.check}:${e.metric ?? ''}`)).toEqual([
      'value-threshold:r2',
      'value-threshold:mape',
      'value-threshold:overfitting',
      'change-threshold:r2',
      'change-threshold:mape',
      'beats-baseline:mape',
      'validation:',
      'servability:',
    ]);
    expect(v.evidence[0]).toMatchObject({ observed: 0.82, threshold: 0.7, comparator: '>=', passed: true });
  });

  it('skips change thresholds on the first model with a note', () => {
    const changes = evaluateGate(input()).evidence.filter((e) => e.check === 'change-threshold');
    expect(changes).toHaveLength(2);
    for (const e of changes)
      expect(e).toMatchObject({ skipped: true, passed: true, observed: null, note: 'no baseline (first run)' });
  });

  it.each([
    ['r2 below 0.7', { r2: 0.69 }, /r2 0\.69 fails value threshold >= 0\.7/],
    ['mape above 15%', { mape: 15.5 }, /mape 15\.5 fails value threshold <= 15/],
    ['overfitting above 2', { overfitting: 2.4 }, /overfitting 2\.4 fails value threshold <= 2/],
    ['r2 not a number', { r2: Number.NaN }, /r2 null fails value threshold.*not a finite number/],
  ])('rejects %s', (_name, patch, reason) => {
    const v = evaluateGate(input({ candidate: { ...good, ...patch } }));
    expect(v.kind).toBe('rejected');
    if (v.kind === 'rejected') expect(v.reasons.join('\n')).toMatch(reason);
  });

  it('passes values exactly on the threshold', () => {
    expect(
      evaluateGate(
        input({ baselineModel: { ...ridge, mape: 20 }, candidate: { ...good, r2: 0.7, mape: 15, overfitting: 2 } }),
      ).kind,
    ).toBe('blessed');
  });

  describe('change thresholds against the champion', () => {
    it.each([
      ['equal to champion', { r2: 0.82, mape: 9 }, true],
      ['r2 worse by exactly 0.02 (float noise tolerated)', { r2: 0.84, mape: 9 }, true],
      ['r2 worse by more than 0.02', { r2: 0.85, mape: 9 }, false],
      ['r2 better than champion', { r2: 0.7, mape: 9 }, true],
      ['mape worse by exactly 1 point', { r2: 0.82, mape: 8 }, true],
      ['mape worse by more than 1 point', { r2: 0.82, mape: 7.9 }, false],
    ])('%s', (_name, champion, blessed) => {
      const v = evaluateGate(input({ champion: { ...good, ...champion } }));
      expect(v.kind).toBe(blessed ? 'blessed' : 'rejected');
      const changes = v.evidence.filter((e) => e.check === 'change-threshold');
      expect(changes.every((e) => e.skipped === undefined && typeof e.observed === 'number')).toBe(true);
      expect(changes[0]).toMatchObject({ reference: champion.r2, change: 'absolute' });
    });

    it('explains a change failure with both values', () => {
      const v = evaluateGate(input({ champion: { ...good, r2: 0.9 } }));
      expect(v.kind === 'rejected' && v.reasons).toEqual([
        'r2 absolute change vs champion -0.08 fails >= -0.02 (candidate 0.82 vs champion 0.9)',
      ]);
    });

    it('supports relative change thresholds, skipped when the champion value is 0', () => {
      const policy = defaultPolicy({
        gate: { changeThresholds: [{ metric: 'mae', direction: 'lower', relative: 0.1 }] },
      });
      const worse = evaluateGate(input({ policy, champion: { ...good, mae: 0.13 } }));
      expect(worse.kind).toBe('rejected');
      expect(worse.evidence.find((e) => e.check === 'change-threshold')?.observed).toBeCloseTo(0.02 / 0.13);
      expect(evaluateGate(input({ policy, champion: { ...good, mae: 0.14 } })).kind).toBe('blessed');
      const zero = evaluateGate(input({ policy, champion: { ...good, mae: 0 } }));
      expect(zero.evidence.find((e) => e.check === 'change-threshold')).toMatchObject({ skipped: true, passed: true });
    });

    it('fails when the champion lacks the metric', () => {
      const policy = defaultPolicy({
        gate: { changeThresholds: [{ metric: 'directionalAccuracy', direction: 'higher', absolute: 0 }] },
      });
      const v = evaluateGate(input({ policy, champion: ridge }));
      expect(v.kind === 'rejected' && v.reasons[0]).toMatch(/champion metric missing/);
    });
  });

  it('requires beating the ridge baseline strictly', () => {
    const tie = evaluateGate(input({ candidate: { ...good, mape: ridge.mape } }));
    expect(tie.kind === 'rejected' && tie.reasons).toEqual([
      "mape 14 does not beat the baseline model's 14 (candidate must be strictly better than the ridge baseline)",
    ]);
    const rmseTie = evaluateGate(
      input({ policy: defaultPolicy({ gate: { baselineMetric: 'rmse' } }), candidate: { ...good, rmse: ridge.rmse } }),
    );
    expect(rmseTie.kind === 'rejected' && rmseTie.reasons).toEqual([
      "rmse 0.3 does not beat the baseline model's 0.3 (candidate must be strictly better than the ridge baseline)",
    ]);
    const higher = evaluateGate(
      input({
        policy: defaultPolicy({ gate: { baselineMetric: 'r2' } }),
        candidate: { ...good, r2: 0.75 },
        baselineModel: { ...ridge, r2: 0.8 },
      }),
    );
    expect(higher.kind).toBe('rejected');
  });

  it('does not test the baseline when the policy says so', () => {
    const v = evaluateGate(
      input({ policy: defaultPolicy({ gate: { mustBeatBaseline: false } }), candidate: { ...good, mape: 14.5 } }),
    );
    expect(v.kind).toBe('blessed');
    expect(v.evidence.some((e) => e.check === 'beats-baseline')).toBe(false);
  });

  it('rejects failed validation and unservable artifacts, with every reason', () => {
    const v = evaluateGate(
      input({
        validationPassed: false,
        servability: { ok: false, error: 'predictions are NaN' },
        candidate: { ...good, r2: 0.5 },
      }),
    );
    expect(v.kind).toBe('rejected');
    if (v.kind !== 'rejected') return;
    expect(v.reasons).toEqual([
      'r2 0.5 fails value threshold >= 0.7',
      'data validation failed',
      'servability check failed (predictions are NaN)',
    ]);
    expect(v.evidence.find((e) => e.check === 'servability')).toMatchObject({
      observed: false,
      passed: false,
      note: 'predictions are NaN',
    });
  });

  it('supports value thresholds with both bounds', () => {
    const policy = defaultPolicy({
      gate: { valueThresholds: [{ metric: 'directionalAccuracy', lower: 0.5, upper: 1 }] },
    });
    const v = evaluateGate(input({ policy }));
    expect(v.evidence.filter((e) => e.check === 'value-threshold')).toHaveLength(2);
    expect(evaluateGate(input({ policy, candidate: { ...good, directionalAccuracy: undefined } })).kind).toBe(
      'rejected',
    );
  });
});

describe('evaluateGate on the log scale (policy.gate.scale)', () => {
  // Heavy-tailed valuations: on the currency scale R² is poor and MAPE high; on the log scale the model is good.
  const onTarget: MetricSet = {
    r2: 0.41,
    mse: 4e18,
    mae: 9e8,
    rmse: 2e9,
    mape: 38,
    overfitting: 1.2,
    logScale: { r2: 0.88, mse: 0.09, mae: 0.22, rmse: 0.3 },
  };
  const ridgeTarget: MetricSet = {
    r2: 0.3,
    mse: 6e18,
    mae: 1.2e9,
    rmse: 2.4e9,
    mape: 55,
    overfitting: 1.0,
    logScale: { r2: 0.7, mse: 0.2, mae: 0.35, rmse: 0.45 },
  };
  const logPolicy = defaultPolicy({
    gate: {
      scale: 'log',
      valueThresholds: [
        { metric: 'r2', lower: 0.75 },
        { metric: 'overfitting', upper: 2 },
      ],
      changeThresholds: [
        { metric: 'r2', direction: 'higher', absolute: -0.02 },
        { metric: 'mape', direction: 'lower', relative: 0.05 },
      ],
      baselineMetric: 'rmse',
    },
  });

  it('judges R², MSE, MAE and RMSE on metrics.logScale and records the scale of every check', () => {
    expect(evaluateGate(input({ candidate: onTarget, baselineModel: ridgeTarget })).kind).toBe('rejected');
    const v = evaluateGate(
      input({
        candidate: onTarget,
        baselineModel: ridgeTarget,
        champion: { ...onTarget, mape: 37, logScale: { r2: 0.87, mse: 0.1, mae: 0.23, rmse: 0.31 } },
        policy: logPolicy,
      }),
    );
    expect(v.kind).toBe('blessed');
    expect(
      v.evidence
        .filter((e) => e.metric !== undefined)
        .map((e) => `${e.check}:${e.metric}:${e.scale}:${String(e.observed)}`),
    ).toEqual([
      'value-threshold:r2:log:0.88',
      'value-threshold:overfitting:target:1.2',
      'change-threshold:r2:log:0.010000000000000009',
      `change-threshold:mape:target:${(38 - 37) / 37}`,
      'beats-baseline:rmse:log:0.3',
    ]);
  });

  it('fails, saying why, when the model reports no log-scale metrics', () => {
    const v = evaluateGate(input({ policy: logPolicy }));
    expect(v.kind).toBe('rejected');
    if (v.kind === 'rejected')
      expect(v.reasons[0]).toBe(
        'r2 (log scale) null fails value threshold >= 0.75 (candidate has no log-scale metrics (metrics.logScale): the model does not train on a log target; judge it with policy.gate.scale "target")',
      );
  });
});
