import { describe, expect, it } from 'vitest';
import type { ChampionEntry } from '../../../shared/domain/state.js';
import {
  appendChampion,
  closeChampion,
  currentChampion,
  holderAt,
  lastKnownGood,
} from '../../../shared/domain/lifecycle/champion-history.js';

const T1 = '2025-01-01T00:00:00.000Z';
const T2 = '2025-02-01T00:00:00.000Z';
const T3 = '2025-03-01T00:00:00.000Z';
const T4 = '2025-04-01T00:00:00.000Z';

function build(): ChampionEntry[] {
  let h: ChampionEntry[] = [];
  h = appendChampion(h, {
    version: '1.0.0',
    at: T1,
    actor: 'automation',
    reason: 'first model',
    evidence: { r2: 0.8 },
  });
  h = appendChampion(h, { version: '1.1.0', at: T2, actor: 'operator@local', reason: 'promote' });
  h = appendChampion(h, { version: '1.2.0', at: T3, actor: 'automation', reason: 'promote' });
  return h;
}

describe('appendChampion', () => {
  it('closes the previous entry and opens a new one', () => {
    expect(build()).toEqual([
      { version: '1.0.0', from: T1, to: T2, actor: 'automation', reason: 'first model', evidence: { r2: 0.8 } },
      { version: '1.1.0', from: T2, to: T3, actor: 'operator@local', reason: 'promote', evidence: {} },
      { version: '1.2.0', from: T3, actor: 'automation', reason: 'promote', evidence: {} },
    ]);
  });

  it('does not mutate its input', () => {
    const h = build();
    const copy = structuredClone(h);
    appendChampion(h, { version: '1.3.0', at: T4, actor: 'a', reason: 'r' });
    expect(h).toEqual(copy);
  });

  it('is a no-op when the version already holds production', () => {
    const h = build();
    expect(appendChampion(h, { version: '1.2.0', at: T4, actor: 'a', reason: 'again' })).toEqual(h);
  });

  it('refuses to go back in time', () => {
    expect(() => appendChampion(build(), { version: '1.3.0', at: T2, actor: 'a', reason: 'r' })).toThrow(
      expect.objectContaining({ code: 'HISTORY.OUT_OF_ORDER' }) as Error,
    );
  });

  it('re-appends a previous champion after a rollback', () => {
    const h = appendChampion(build(), {
      version: '1.1.0',
      at: T4,
      actor: 'operator@local',
      reason: 'rollback of 1.2.0',
    });
    expect(currentChampion(h)?.version).toBe('1.1.0');
    expect(h).toHaveLength(4);
  });
});

describe('closeChampion / currentChampion', () => {
  it('closes the open entry', () => {
    const h = closeChampion(build(), T4);
    expect(currentChampion(h)).toBeUndefined();
    expect(h.at(-1)?.to).toBe(T4);
    expect(closeChampion(h, T4)).toEqual(h);
  });
});

describe('lastKnownGood', () => {
  it.each([
    ['1.2.0', '1.1.0'],
    [['1.2.0', '1.1.0'], '1.0.0'],
    [['1.2.0', '1.1.0', '1.0.0'], undefined],
    ['9.9.9', '1.2.0'],
  ] as const)('excluding %j -> %s', (excluding, expected) => {
    expect(lastKnownGood(build(), excluding)).toBe(expected);
  });

  it('is undefined on an empty history', () => {
    expect(lastKnownGood([], '1.0.0')).toBeUndefined();
  });
});

describe('holderAt', () => {
  it.each([
    ['2024-12-31T23:59:59.999Z', undefined],
    [T1, '1.0.0'],
    ['2025-01-15T00:00:00Z', '1.0.0'],
    [T2, '1.1.0'],
    ['2025-02-28T23:59:59Z', '1.1.0'],
    [T3, '1.2.0'],
    ['2030-01-01T00:00:00Z', '1.2.0'],
  ])('at %s -> %s', (time, version) => {
    expect(holderAt(build(), time)?.version).toBe(version);
  });

  it('returns nobody after production was closed', () => {
    expect(holderAt(closeChampion(build(), T4), '2025-05-01T00:00:00Z')).toBeUndefined();
  });

  it('accepts a Date and returns the evidence', () => {
    expect(holderAt(build(), new Date('2025-01-02'))?.evidence).toEqual({ r2: 0.8 });
  });
});
