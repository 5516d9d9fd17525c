import { describe, expect, it } from 'vitest';
import { absolutePercentError, ErrorAccumulator } from '../../../shared/domain/stats/error-metrics.js';
import { summarizeArm } from '../../../shared/domain/stats/arm-metrics.js';

describe('the one error-metrics rule', () => {
  it('skips missing pairs, leaves zero actuals out of MAPE only', () => {
    const acc = new ErrorAccumulator();
    const pairs: [number | null, number | null][] = [
      [110, 100],
      [0, 0],
      [null, 5],
      [Number.NaN, 1],
      [90, 100],
    ];
    for (const [p, a] of pairs) acc.add(p, a);
    const r = acc.result();
    expect(r.n).toBe(3);
    expect(r.mae).toBeCloseTo(20 / 3, 12);
    expect(r.rmse).toBeCloseTo(Math.sqrt(200 / 3), 12);
    expect(r.mape).toBeCloseTo(10, 12); // (10 % + 10 %) / 2: the zero actual is not a percentage
    expect(absolutePercentError(1, 0)).toBeUndefined();
  });

  it('gives null MAPE when every actual is zero and NaN metrics with no pair', () => {
    const acc = new ErrorAccumulator();
    acc.add(1, 0);
    expect(acc.result().mape).toBeNull();
    expect(Number.isNaN(new ErrorAccumulator().result().mae)).toBe(true);
  });

  it('arm summaries follow it, with a null correlation when one side is constant', () => {
    const { summary } = summarizeArm({ predicted: [1, 2, 3, null], actual: [5, 5, 5, 1] });
    expect(summary).toMatchObject({ count: 3, missing: 1, correlation: null });
    expect(summary.mape).toBeCloseTo(((4 + 3 + 2) / 5 / 3) * 100, 10);
    const r = summarizeArm({ predicted: [1, 2, 3], actual: [2, 4, 6.5] }).summary.correlation as number;
    expect(r).toBeGreaterThan(0.99);
    expect(r).toBeLessThan(1);
  });
});
