import { describe, expect, it } from 'vitest';
import * as lifecycle from '../../../shared/domain/lifecycle/index.js';
import { PermanentError } from '../../../shared/domain/errors.js';

describe('lifecycle index', () => {
  it('re-exports every module', () => {
    for (const name of [
      'assertTransition',
      'canTransition',
      'parsePolicy',
      'defaultPolicy',
      'nextVersion',
      'compareSemver',
      'evaluateGate',
      'decideRetrain',
      'decideRunFailure',
      'canarySplit',
      'promoteSplit',
      'rollbackSplit',
      'setTraffic',
      'diffSplit',
      'appendChampion',
      'lastKnownGood',
      'holderAt',
      'decideAlert',
      'checkApproval',
      'toMillis',
    ]) {
      expect(typeof (lifecycle as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});

describe('time helpers', () => {
  it('accepts ISO strings and Dates, rejects garbage naming the field', () => {
    expect(lifecycle.toMillis('2025-01-01T00:00:00Z')).toBe(Date.UTC(2025, 0, 1));
    expect(lifecycle.toMillis(new Date(5))).toBe(5);
    expect(lifecycle.addMinutes('2025-01-01T00:00:00Z', 90)).toBe('2025-01-01T01:30:00.000Z');
    expect(lifecycle.minutesBetween('2025-01-01T00:00:00Z', '2025-01-01T00:45:00Z')).toBe(45);
    expect(() => lifecycle.toMillis('soon', 'request.requestedAt')).toThrow(PermanentError);
    expect(() => lifecycle.toMillis(new Date(Number.NaN), 'now')).toThrow(/now is not a valid ISO-8601 time/);
  });
});
