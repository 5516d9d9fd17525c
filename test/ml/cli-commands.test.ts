import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataGenerateCommand } from '../../shared/cli/data.command.js';
import { trainCommand } from '../../shared/cli/train.command.js';
import type { CliIO } from '../../shared/cli/command.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ipo-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(isTTY = false): CliIO & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, isTTY, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe('CLI: data generate and train', () => {
  it('generates a seeded CSV, then trains on it with a progress bar and a gate summary', async () => {
    const csv = path.join(dir, 'sub', 'panel.csv');
    const g = io();
    expect(
      await dataGenerateCommand.run(
        ['--out', csv, '--companies', '30', '--quarters', '12', '--seed', '3', '--regime-shift'],
        g,
      ),
    ).toBe(0);
    expect(g.lines[0]).toBe(`wrote 360 rows (30 companies x 12 quarters, seed 3, regime shift) to ${csv}`);
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toBe(
      'company_id,fiscal_quarter,sector,revenue,net_income,total_debt,total_equity,market_cap,enterprise_value',
    );

    const t = io(true);
    const code = await trainCommand.run(
      ['--data', csv, '--out', path.join(dir, 'model'), '--epochs', '3', '--batch-size', '128'],
      t,
    );
    expect(t.errors).toEqual([]);
    expect(code).toBe(0);
    // Every family reports through the same epoch event (`train`, or the family's name once the pipeline says it).
    expect(t.lines.some((l) => /^ {2}\S+ +\[#+\.*\] epoch \d+\/\d+ {2}loss \d/.test(l))).toBe(true);
    expect(t.lines.some((l) => /epoch \d+\/\d+ .*ETA ≤ \d+s$/.test(l))).toBe(true);
    expect(t.lines.find((l) => l.startsWith('R²'))).toMatch(/>= 0\.7 {2}(PASS|FAIL)$/);
    expect(t.lines.find((l) => l.startsWith('MAPE %'))).toMatch(/<= 15/);
    expect(t.lines.find((l) => l.startsWith('overfitting'))).toMatch(/<= 2 {2}(PASS|FAIL)$/);
  });

  it('reports usage errors and bad data clearly', async () => {
    const u = io();
    expect(await trainCommand.run(['--data', 'x.csv'], u)).toBe(2);
    expect(u.errors[0]).toContain('--data FILE.csv and --out DIR are required');
    expect(await dataGenerateCommand.run(['--out', 'x.csv', '--companies', 'many'], u)).toBe(2);
    expect(u.errors[1]).toContain('--companies must be a positive integer, got "many"');

    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'company_id,fiscal_quarter,sector\nA,2020Q1,Tech\n');
    const b = io();
    expect(await trainCommand.run(['--data', bad, '--out', path.join(dir, 'bad-out')], b)).toBe(1);
    expect(b.errors[0]).toContain('the data failed validation');
    expect(b.errors.some((l) => l.includes('ERROR revenue: column "revenue" named by the contract is missing'))).toBe(
      true,
    );
  });
});
