import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../shared/domain/errors.js';
import {
  compareSemver,
  formatSemver,
  isSemver,
  nextVersion,
  parseSemver,
  sortSemver,
  versionBump,
} from '../../../shared/domain/lifecycle/semver.js';

const champ = (version: string) => ({ version, contractHash: 'c1', datasetFingerprint: 'd1' });
const same = { contractHash: 'c1', datasetFingerprint: 'd1' };
const newData = { contractHash: 'c1', datasetFingerprint: 'd2' };
const newContract = { contractHash: 'c2', datasetFingerprint: 'd2' };

describe('parse / format / compare', () => {
  it.each(['1.0.0', '0.0.1', '10.20.30'])('round-trips %s', (v) => {
    expect(isSemver(v)).toBe(true);
    expect(formatSemver(parseSemver(v))).toBe(v);
  });

  it.each(['1.0', 'v1.0.0', '01.0.0', '1.0.0-rc.1', '1.0.0+b', '', '1..0', 'a.b.c'])('rejects %j', (v) => {
    expect(isSemver(v)).toBe(false);
    expect(() => parseSemver(v)).toThrow(PermanentError);
    expect(() => parseSemver(v)).toThrow(/not a semantic version/);
  });

  it.each([
    ['1.0.0', '1.0.0', 0],
    ['1.0.0', '1.0.1', -1],
    ['1.10.0', '1.9.0', 1],
    ['2.0.0', '1.99.99', 1],
    ['1.2.3', '1.2.10', -1],
  ])('compare(%s, %s) has sign %i', (a, b, sign) => {
    expect(Math.sign(compareSemver(a, b))).toBe(sign);
  });

  it('sorts numerically, not lexically', () => {
    expect(sortSemver(['1.10.0', '1.2.0', '0.9.9', '1.2.10', '1.2.9'])).toEqual([
      '0.9.9',
      '1.2.0',
      '1.2.9',
      '1.2.10',
      '1.10.0',
    ]);
  });
});

describe('versionBump', () => {
  it.each([
    [undefined, same, 'initial'],
    [champ('1.0.0'), newContract, 'major'],
    [champ('1.0.0'), { contractHash: 'c2', datasetFingerprint: 'd1' }, 'major'],
    [champ('1.0.0'), newData, 'minor'],
    [champ('1.0.0'), same, 'patch'],
  ] as const)('champion %j, candidate %j -> %s', (c, cand, bump) => {
    expect(versionBump(c, cand)).toBe(bump);
  });
});

describe('nextVersion', () => {
  it.each([
    ['first model', [], undefined, same, '1.0.0'],
    ['first model after a rejected first attempt', ['1.0.0'], undefined, same, '1.1.0'],
    ['retrain on new data', ['1.0.0'], champ('1.0.0'), newData, '1.1.0'],
    ['skips a rejected minor', ['1.0.0', '1.1.0'], champ('1.0.0'), newData, '1.2.0'],
    ['same data, same contract', ['1.0.0'], champ('1.0.0'), same, '1.0.1'],
    ['patch above the highest of the line', ['1.0.0', '1.0.1', '1.1.0'], champ('1.0.0'), same, '1.1.1'],
    ['contract change', ['1.0.0', '1.1.0'], champ('1.1.0'), newContract, '2.0.0'],
    ['contract change skips a rejected major', ['1.0.0', '2.0.0'], champ('1.0.0'), newContract, '3.0.0'],
    ['minor stays on the champion line', ['1.3.0', '2.0.0'], champ('1.3.0'), newData, '1.4.0'],
    ['champion missing from existing', [], champ('1.4.2'), newData, '1.5.0'],
    ['numeric ordering of minors', ['1.9.0', '1.10.0'], champ('1.10.0'), newData, '1.11.0'],
  ] as const)('%s', (_name, existing, c, cand, expected) => {
    expect(nextVersion(existing, c, cand)).toBe(expected);
  });

  it('is strictly greater than every existing version of its line', () => {
    const existing = ['1.0.0', '1.0.1', '1.1.0', '1.2.0', '1.2.1'];
    for (const cand of [same, newData]) {
      const next = nextVersion(existing, champ('1.1.0'), cand);
      expect(existing.every((v) => compareSemver(next, v) > 0)).toBe(true);
      expect(existing).not.toContain(next);
    }
  });

  it('refuses invalid existing versions', () => {
    expect(() => nextVersion(['latest'], undefined, same)).toThrow(/'latest' is not a semantic version/);
  });
});
