import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../shared/domain/errors.js';
import { defaultPolicy } from '../../../shared/domain/lifecycle/policy.js';
import {
  applyPolicyPatch,
  diffPolicy,
  mergePatch,
  policyPatchSchema,
} from '../../../shared/domain/lifecycle/policy-update.js';

describe('mergePatch', () => {
  it('merges objects field by field, replaces arrays and scalars, and deletes on null', () => {
    const base = { a: { x: 1, y: [1, 2], z: { deep: true } }, b: 2, c: 'keep' };
    expect(mergePatch(base, { a: { y: [3], z: { other: 1 } }, b: null, d: 4 })).toEqual({
      a: { x: 1, y: [3], z: { deep: true, other: 1 } },
      c: 'keep',
      d: 4,
    });
    expect(base.a.y).toEqual([1, 2]);
  });
});

describe('applyPolicyPatch', () => {
  const stored = defaultPolicy({ canaryPercent: 20, drift: { features: { revenue: { threshold: 0.3 } } } });

  it('changes only the named fields and lists each change with its before and after', () => {
    const update = applyPolicyPatch(stored, {
      gate: { scale: 'log', valueThresholds: [{ metric: 'r2', lower: 0.8 }] },
      drift: { features: { ebitda: { method: 'psi' } } },
    });
    expect(update.kind).toBe('updated');
    if (update.kind !== 'updated') return;
    expect(update.policy.canaryPercent).toBe(20);
    expect(update.policy.gate.changeThresholds).toEqual(stored.gate.changeThresholds);
    expect(update.policy.drift.features).toEqual({ revenue: { threshold: 0.3 }, ebitda: { method: 'psi' } });
    expect(update.changes).toEqual([
      { path: 'drift.features.ebitda', before: null, after: { method: 'psi' } },
      { path: 'gate.scale', before: 'target', after: 'log' },
      { path: 'gate.valueThresholds', before: stored.gate.valueThresholds, after: [{ metric: 'r2', lower: 0.8 }] },
    ]);
  });

  it('resets a field to its default with null and reports an unchanged patch', () => {
    const reset = applyPolicyPatch(stored, { canaryPercent: null });
    expect(reset).toMatchObject({
      kind: 'updated',
      policy: { canaryPercent: 10 },
      changes: [{ path: 'canaryPercent', before: 20, after: 10 }],
    });
    expect(applyPolicyPatch(stored, { canaryPercent: 20 }).kind).toBe('unchanged');
  });

  it('refuses an invalid merged policy naming every bad field, with POLICY.INVALID', () => {
    try {
      applyPolicyPatch(stored, {
        canaryPercent: 150,
        gate: { valueThresholds: [{ metric: 'r2', lower: 0.9, upper: 0.1 }] },
      } as never);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).code).toBe('POLICY.INVALID');
      expect((err as ValidationError).issues.map((i) => i.path).sort()).toEqual([
        'policy.canaryPercent',
        'policy.gate.valueThresholds.0',
      ]);
    }
  });
});

describe('policyPatchSchema', () => {
  it('has no defaults (a patch stays a patch) and rejects unknown fields at any depth', () => {
    expect(policyPatchSchema.parse({ gate: { scale: 'log' } })).toEqual({ gate: { scale: 'log' } });
    expect(policyPatchSchema.safeParse({ gate: { mape: 15 } }).success).toBe(false);
    expect(policyPatchSchema.safeParse({ retrain: { cooldown: 5 } }).success).toBe(false);
    expect(policyPatchSchema.safeParse({ experiment: { alpha: null }, approvers: ['a'] }).success).toBe(true);
  });
});

describe('diffPolicy', () => {
  it('is empty for equal policies', () => {
    expect(diffPolicy(defaultPolicy(), defaultPolicy())).toEqual([]);
  });
});
