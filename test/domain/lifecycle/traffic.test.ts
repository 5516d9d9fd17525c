import { describe, expect, it } from 'vitest';
import { PermanentError, ValidationError } from '../../../shared/domain/errors.js';
import {
  assertSplit,
  canarySplit,
  diffSplit,
  normalizeSplit,
  promoteSplit,
  rollbackSplit,
  setTraffic,
  splitSum,
} from '../../../shared/domain/lifecycle/traffic.js';

describe('canarySplit', () => {
  it.each([
    [{ '1.0.0': 100 }, '1.1.0', 10, { '1.0.0': 90, '1.1.0': 10 }],
    [{}, '1.0.0', 10, { '1.0.0': 100 }],
    [{ '1.0.0': 90, '1.1.0': 10 }, '1.1.0', 25, { '1.0.0': 75, '1.1.0': 25 }],
    [{ '1.0.0': 50, '1.1.0': 50 }, '1.2.0', 33, { '1.0.0': 34, '1.1.0': 33, '1.2.0': 33 }],
    [{ '1.0.0': 67, '1.1.0': 33 }, '1.2.0', 10, { '1.0.0': 60, '1.1.0': 30, '1.2.0': 10 }],
    [{ '1.0.0': 100, '0.9.0': 0 }, '1.1.0', 5, { '1.0.0': 95, '1.1.0': 5 }],
  ])('%j + %s at %i%% -> %j', (current, candidate, percent, expected) => {
    expect(canarySplit(current, candidate, percent)).toEqual(expected);
  });

  it('always sums to 100 with whole percentages', () => {
    const currents: Record<string, number>[] = [
      { a: 1, b: 1, c: 98 },
      { a: 33, b: 33, c: 34 },
      { a: 50, b: 50 },
      { a: 7, b: 13, c: 80 },
    ];
    for (const current of currents) {
      for (let percent = 1; percent <= 99; percent += 1) {
        const split = canarySplit(current, 'z', percent);
        expect(splitSum(split)).toBe(100);
        expect(split.z).toBe(percent);
        expect(Object.values(split).every((p) => Number.isInteger(p) && p > 0)).toBe(true);
      }
    }
  });

  it.each([0, 100, 12.5, -5])('rejects percent %s', (percent) => {
    expect(() => canarySplit({ '1.0.0': 100 }, '1.1.0', percent)).toThrow(ValidationError);
  });
});

describe('promoteSplit / rollbackSplit', () => {
  it('promotes to 100%', () => {
    expect(promoteSplit('1.1.0')).toEqual({ '1.1.0': 100 });
  });

  it.each([
    [{ '1.0.0': 90, '1.1.0': 10 }, '1.1.0', '1.0.0', { '1.0.0': 100 }],
    [{ '1.1.0': 100 }, '1.1.0', '1.0.0', { '1.0.0': 100 }],
    [{ '1.0.0': 80, '1.1.0': 10, '1.2.0': 10 }, '1.2.0', '1.0.0', { '1.0.0': 90, '1.1.0': 10 }],
  ])('rolls %j back from %s to %s', (current, bad, good, expected) => {
    const split = rollbackSplit(current, bad, good);
    expect(split).toEqual(expected);
    expect(splitSum(split)).toBe(100);
  });

  it('refuses when there is no last known-good version', () => {
    for (const good of [undefined, '1.1.0']) {
      expect(() => rollbackSplit({ '1.1.0': 100 }, '1.1.0', good)).toThrow(
        expect.objectContaining({ code: 'PROMOTION.NO_LAST_KNOWN_GOOD' }) as PermanentError,
      );
    }
  });

  it('refuses a version that serves no traffic', () => {
    expect(() => rollbackSplit({ '1.0.0': 100 }, '1.1.0', '1.0.0')).toThrow(/1\.1\.0: it receives no traffic/);
  });
});

describe('setTraffic', () => {
  const live = { champion: '1.0.0', canaries: ['1.1.0'] };

  it('accepts a split over the serving versions', () => {
    expect(setTraffic({ '1.1.0': 70, '1.0.0': 30 }, live)).toEqual({ '1.0.0': 30, '1.1.0': 70 });
    expect(setTraffic({ '1.0.0': 100 }, { champion: '1.0.0', canaries: [] })).toEqual({ '1.0.0': 100 });
  });

  it.each([
    [{ '1.0.0': 60, '1.1.0': 30 }, ['traffic: percentages must sum to 100, got 90']],
    [
      { '1.0.0': 110, '1.1.0': -10 },
      [
        'traffic.1.0.0: must be between 0 and 100, got 110',
        'traffic.1.1.0: must be between 0 and 100, got -10',
        'traffic.1.1.0: canary 1.1.0 keeps at least 1%; to take it out, roll it back',
      ],
    ],
    [
      { '1.0.0': 50.5, '1.1.0': 49.5 },
      ['traffic.1.0.0: must be a whole percent, got 50.5', 'traffic.1.1.0: must be a whole percent, got 49.5'],
    ],
    [
      { '9.9.9': 100 },
      [
        'traffic.9.9.9: does not serve (serving: 1.0.0, 1.1.0); canary a version before giving it traffic',
        'traffic.1.0.0: the champion keeps at least 1%; to give a canary all traffic, promote it',
        'traffic.1.1.0: canary 1.1.0 keeps at least 1%; to take it out, roll it back',
      ],
    ],
    [
      { '1.0.0': '100', '1.1.0': 0 },
      [
        'traffic.1.0.0: must be a number',
        'traffic: percentages must sum to 100, got 0',
        'traffic.1.1.0: canary 1.1.0 keeps at least 1%; to take it out, roll it back',
      ],
    ],
    [
      {},
      [
        'traffic: must name at least one version',
        'traffic.1.0.0: the champion keeps at least 1%; to give a canary all traffic, promote it',
        'traffic.1.1.0: canary 1.1.0 keeps at least 1%; to take it out, roll it back',
      ],
    ],
    // The reported corruption: all traffic to the canary used to leave a champion that serves nothing.
    [{ '1.1.0': 100 }, ['traffic.1.0.0: the champion keeps at least 1%; to give a canary all traffic, promote it']],
    [{ '1.0.0': 100, '1.1.0': 0 }, ['traffic.1.1.0: canary 1.1.0 keeps at least 1%; to take it out, roll it back']],
  ])('rejects %j', (requested, problems) => {
    try {
      setTraffic(requested, live);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      const v = err as ValidationError;
      expect(v.code).toBe('TRAFFIC.INVALID');
      expect(v.issues.map((i) => `${i.path}: ${i.message}`)).toEqual(problems);
    }
  });
});

describe('diffSplit / normalizeSplit / assertSplit', () => {
  it('lists only changed versions, in version order', () => {
    expect(diffSplit({ '1.0.0': 90, '1.10.0': 10 }, { '1.0.0': 90, '1.2.0': 10 })).toEqual([
      { version: '1.2.0', before: 0, after: 10, delta: 10 },
      { version: '1.10.0', before: 10, after: 0, delta: -10 },
    ]);
    expect(diffSplit({ a: 100 }, { a: 100 })).toEqual([]);
  });

  it('orders keys by version and drops zeros', () => {
    expect(Object.keys(normalizeSplit({ '1.10.0': 50, '1.2.0': 50, '1.0.0': 0 }))).toEqual(['1.2.0', '1.10.0']);
  });

  it('asserts the sum', () => {
    expect(() => assertSplit({ '1.0.0': 100 })).not.toThrow();
    expect(() => assertSplit({ '1.0.0': 99 })).toThrow(/sum to 100, got 99/);
  });
});
