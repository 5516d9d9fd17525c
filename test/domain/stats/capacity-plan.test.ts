import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.js';
import { planCapacity, rateStats, type CapacityInput } from '../../../shared/domain/stats/capacity-plan.js';

const HOUR = 3_600_000;
/** 48 hourly points (3600 s each) rising by 360 requests per hour from 3600 (1 → 5.7 req/s). */
const series = Array.from({ length: 48 }, (_, h) => ({
  timestampMs: Date.UTC(2025, 0, 1) + h * HOUR,
  count: 3600 + 360 * h,
}));

const input: CapacityInput = {
  series,
  intervalSeconds: 3600,
  perReplicaCapacity: 2,
  headroom: 1.5,
  minReplicas: 1,
  maxReplicas: 10,
  deployments: [
    { versionId: '1.4.0', role: 'champion' },
    { versionId: '1.5.0', role: 'challenger' },
    { versionId: '1.2.0', role: 'retired' },
  ],
};

describe('capacity plan', () => {
  it('summarises the request rate', () => {
    const s = rateStats([...series].reverse(), 3600);
    expect(s.points).toBe(48);
    expect(s.average).toBeCloseTo(1 + 0.1 * 23.5, 12);
    expect(s.peak).toBeCloseTo(5.7, 12);
    expect(s.p95).toBeCloseTo(1 + 0.1 * 0.95 * 47, 12);
    expect(s.trendPerHour).toBeCloseTo(0.1, 12);
  });

  it('sizes the champion on p95 with headroom, keeps challengers at minimum and undeploys retired versions', () => {
    const plan = planCapacity(input);
    expect(plan.recommendedReplicas).toBe(Math.ceil((5.465 * 1.5) / 2));
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'set_replicas', versionId: '1.4.0', replicas: 5 }),
      expect.objectContaining({ kind: 'set_replicas', versionId: '1.5.0', replicas: 1 }),
      expect.objectContaining({ kind: 'undeploy', versionId: '1.2.0' }),
    ]);
    expect(plan.reasons[0]).toMatch(/p95 rate 5.465 req\/s × headroom 1.5/);
  });

  it('clamps to [min, max]', () => {
    expect(planCapacity({ ...input, perReplicaCapacity: 0.1 }).recommendedReplicas).toBe(10);
    expect(planCapacity({ ...input, series: [{ timestampMs: 0, count: 0 }], minReplicas: 2 }).recommendedReplicas).toBe(
      2,
    );
  });

  it('rejects bad input with every problem listed', () => {
    try {
      planCapacity({
        ...input,
        perReplicaCapacity: 0,
        minReplicas: 3,
        maxReplicas: 2,
        deployments: [
          { versionId: 'a', role: 'champion' },
          { versionId: 'a', role: 'retired' },
        ],
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.path)).toEqual([
        'perReplicaCapacity',
        'maxReplicas',
        'deployments.1.versionId',
      ]);
    }
    expect(() => planCapacity({ ...input, series: [] })).toThrow(/series: is empty/);
  });
});
