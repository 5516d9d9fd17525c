import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.js';
import { summarizeArm } from '../../../shared/domain/stats/arm-metrics.js';
import { bootstrapMaeDifference, createPrng } from '../../../shared/domain/stats/bootstrap.js';
import { decideExperiment, type ExperimentPolicy } from '../../../shared/domain/stats/experiment-decision.js';
import { minSampleSizePerArm } from '../../../shared/domain/stats/sample-size.js';
import { welchTTest } from '../../../shared/domain/stats/ab-tests.js';
import { normalSampler } from './generators.js';

/** n labelled valuations whose prediction error has the given spread. */
function arm(seed: number, n: number, errorSd: number) {
  const { normal } = normalSampler(seed);
  const actual = Array.from({ length: n }, () => Math.exp(normal(3, 0.5)));
  return { actual, predicted: actual.map((a) => a + normal(0, errorSd)) };
}

const policy: ExperimentPolicy = { minSamplesPerArm: 200, alpha: 0.05, bootstrapResamples: 400 };

describe('experiment decision', () => {
  it('promotes a candidate with clearly lower error', () => {
    const d = decideExperiment(arm(1, 600, 3), arm(2, 600, 2), policy, createPrng(42));
    expect(d.kind).toBe('promote');
    expect(d.evidence.bootstrap!.upper).toBeLessThan(0);
    expect(d.evidence.welch!.pValue).toBeLessThan(0.05);
    expect(d.reasons.join(' ')).toMatch(/lower by both tests/);
  });

  it('rolls back a candidate with clearly higher error', () => {
    const d = decideExperiment(arm(3, 600, 2), arm(4, 600, 3), policy, createPrng(42));
    expect(d.kind).toBe('rollback');
    expect(d.evidence.bootstrap!.lower).toBeGreaterThan(0);
  });

  it('is inconclusive on equal arms: extend before the deadline, stop after', () => {
    const control = arm(5, 400, 2);
    const candidate = arm(6, 400, 2);
    const d = decideExperiment(control, candidate, policy, createPrng(42));
    expect(d).toMatchObject({ kind: 'inconclusive', next: 'extend' });
    expect(d.evidence.bootstrap!.lower).toBeLessThan(0);
    expect(d.evidence.bootstrap!.upper).toBeGreaterThan(0);
    expect(decideExperiment(control, candidate, { ...policy, maxDurationReached: true }, createPrng(42))).toMatchObject(
      { kind: 'inconclusive', next: 'stop' },
    );
  });

  it('waits for the minimum sample, then names the short arm', () => {
    const d = decideExperiment(arm(7, 50, 3), arm(8, 500, 1), policy, createPrng(1));
    expect(d).toMatchObject({ kind: 'inconclusive', next: 'extend' });
    expect(d.reasons).toEqual(['control has 50 labelled predictions, needs 200']);
    expect(d.evidence.welch).toBeUndefined();
  });

  it('rolls back early on a breached guardrail', () => {
    const d = decideExperiment(
      arm(9, 20, 2),
      arm(10, 20, 1),
      {
        ...policy,
        guardrails: [
          { name: 'error_rate', value: 0.05, limit: 0.01 },
          { name: 'p99_latency_ms', value: 120, limit: 300 },
        ],
      },
      createPrng(1),
    );
    expect(d.kind).toBe('rollback');
    expect(d.reasons).toEqual(['guardrail error_rate breached: 0.05 > 0.01']);
  });

  it('is reproducible from the seed', () => {
    const a = decideExperiment(arm(11, 300, 2), arm(12, 300, 2.1), policy, createPrng(7));
    const b = decideExperiment(arm(11, 300, 2), arm(12, 300, 2.1), policy, createPrng(7));
    expect(a).toEqual(b);
  });

  it('rejects a bad policy', () => {
    expect(() => decideExperiment(arm(1, 10, 1), arm(2, 10, 1), { minSamplesPerArm: 1 }, createPrng(1))).toThrow(
      /minSamplesPerArm/,
    );
    expect(() =>
      decideExperiment(arm(1, 10, 1), arm(2, 10, 1), { minSamplesPerArm: 5, alpha: 2 }, createPrng(1)),
    ).toThrow(/alpha/);
  });
});

describe('arm metrics and A/B building blocks', () => {
  it('computes count, MAE, RMSE, MAPE and correlation, dropping incomplete pairs', () => {
    const { summary } = summarizeArm({ predicted: [110, 90, null, 100], actual: [100, 100, 5, 0] });
    expect(summary).toMatchObject({ count: 3, missing: 1 });
    expect(summary.mae).toBeCloseTo(40, 12);
    expect(summary.rmse).toBeCloseTo(Math.sqrt(10200 / 3), 12);
    expect(summary.mape).toBeCloseTo(10, 12); // the actual = 0 row is excluded from MAPE
    expect(summary.correlation).toBeCloseTo(0, 12);
    expect(summarizeArm({ predicted: [1, 2, 4], actual: [2, 4, 8] }).summary.correlation).toBeCloseTo(1, 12);
    expect(summarizeArm({ predicted: [1, 1], actual: [2, 3] }).summary.correlation).toBeNull();
    expect(() => summarizeArm({ predicted: [null], actual: [1] }, 'candidate')).toThrow(/candidate: has no complete/);
  });

  it('bootstrap CI brackets the observed MAE difference', () => {
    const ci = bootstrapMaeDifference(Float64Array.from([1, 2, 3, 4]), Float64Array.from([2, 3, 4, 5]), createPrng(3), {
      resamples: 500,
    });
    expect(ci.estimate).toBe(1);
    expect(ci.lower).toBeLessThan(1);
    expect(ci.upper).toBeGreaterThan(1);
  });

  it('minimum sample size per arm follows the normal approximation', () => {
    // 2·(1.959964 + 0.841621)²·1² / 0.2² = 392.4 → 393
    expect(minSampleSizePerArm({ effect: 0.2, std: 1 })).toBe(393);
    expect(minSampleSizePerArm({ effect: -0.5, std: 2, alpha: 0.01, power: 0.9 })).toBe(477);
    expect(() => minSampleSizePerArm({ effect: 0, std: 1 })).toThrow(ValidationError);
  });

  it('Welch t-test degenerate inputs', () => {
    expect(() => welchTTest([1], [1, 2])).toThrow(/a: needs at least 2/);
    expect(welchTTest([2, 2], [2, 2, 2])).toMatchObject({ statistic: 0, pValue: 1 });
    expect(welchTTest([2, 2], [3, 3])).toMatchObject({ statistic: -Infinity, pValue: 0 });
  });
});
