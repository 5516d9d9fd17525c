import { describe, expect, it } from 'vitest';
import { kolmogorovSf } from '../../../shared/domain/stats/kolmogorov.js';
import { ksPValue, ksTest } from '../../../shared/domain/stats/ks-test.js';
import { ValidationError } from '../../../shared/domain/errors.js';
import { loadFixture, relClose } from './fixtures.js';

interface KsCase {
  reference?: number[];
  current?: number[];
  n1?: number;
  n2?: number;
  statistic: number;
  pvalue: number;
}

describe('two-sample KS against scipy.stats.ks_2samp', () => {
  const cases = loadFixture<KsCase[]>('ks_2samp.json');
  it.each(cases.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const r = c.reference && c.current ? ksTest(c.reference, c.current) : ksPValue(c.statistic, c.n1!, c.n2!);
    expect(relClose(r.statistic, c.statistic, 1e-9)).toBe(true);
    expect(
      r.pValue,
      `p for ${JSON.stringify({ n1: c.n1 ?? c.reference?.length, n2: c.n2 ?? c.current?.length })}`,
    ).toSatisfy((p: number) => relClose(p, c.pvalue));
  });
});

describe('kstwo.sf against scipy', () => {
  const cases = loadFixture<{ n: number; d: number; sf: number }[]>('kstwo.json');
  it.each(cases.map((c) => [c.n, c.d, c] as const))('n=%i d=%f', (_n, _d, c) => {
    expect(kolmogorovSf(c.n, c.d)).toSatisfy((p: number) => relClose(p, c.sf, 1e-6, 1e-250));
  });
});

describe('KS degenerate inputs', () => {
  it('identical constant samples give d = 0 and p = 1', () => {
    expect(ksTest([3, 3, 3], [3, 3])).toMatchObject({ statistic: 0, pValue: 1 });
  });
  it('an all-missing sample is a ValidationError naming it', () => {
    expect(() => ksTest([1, 2], [null, Number.NaN])).toThrow(ValidationError);
    expect(() => ksTest([1, 2], [])).toThrow(/current/);
  });
});
