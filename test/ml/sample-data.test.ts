import { describe, expect, it } from 'vitest';
import { generateSampleCsv, generateSamplePanel } from '../../shared/ml/sample-data.generator.js';

const col = (p: ReturnType<typeof generateSamplePanel>, name: string): (string | number | null)[] =>
  p.rows.map((r) => r[p.header.indexOf(name)]);

describe('sample data generator', () => {
  it('is seeded: same seed, same CSV; another seed, another CSV', () => {
    expect(generateSampleCsv({ companies: 20, quarters: 8, seed: 9 })).toBe(
      generateSampleCsv({ companies: 20, quarters: 8, seed: 9 }),
    );
    expect(generateSampleCsv({ companies: 20, quarters: 8, seed: 9 })).not.toBe(
      generateSampleCsv({ companies: 20, quarters: 8, seed: 10 }),
    );
  });

  it('produces companies x quarters rows with some missing values and the default columns', () => {
    const p = generateSamplePanel({ companies: 100, quarters: 12, seed: 1 });
    expect(p.rows).toHaveLength(1200);
    expect(p.header).toContain('enterprise_value');
    const missing = col(p, 'revenue').filter((v) => v === null).length;
    expect(missing).toBeGreaterThan(0);
    expect(missing).toBeLessThan(100);
  });

  it('a regime shift compresses multiples and moves the sector mix', () => {
    const ratio = (p: ReturnType<typeof generateSamplePanel>): number => {
      const ev = col(p, 'enterprise_value');
      const rev = col(p, 'revenue');
      const r = ev
        .map((v, i) => (typeof v === 'number' && typeof rev[i] === 'number' ? v / (rev[i] as number) : NaN))
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
      return r[r.length >> 1];
    };
    const share = (p: ReturnType<typeof generateSamplePanel>, s: string): number =>
      col(p, 'sector').filter((v) => v === s).length / p.rows.length;
    const normal = generateSamplePanel({ companies: 300, quarters: 8, seed: 3 });
    const shifted = generateSamplePanel({ companies: 300, quarters: 8, seed: 3, regimeShift: true });
    expect(ratio(shifted)).toBeLessThan(ratio(normal) * 0.85);
    expect(share(shifted, 'Technology')).toBeLessThan(share(normal, 'Technology'));
    expect(share(shifted, 'Energy')).toBeGreaterThan(share(normal, 'Energy'));
  });
});
