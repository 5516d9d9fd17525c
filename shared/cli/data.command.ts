/** `ipo-mlops data generate`: write the seeded sample company panel as CSV. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateSampleCsv } from '../ml/sample-data.generator.js';
import type { CliCommand } from './command.js';

const help = `Usage: ipo-mlops data generate --out FILE.csv [options]

Write a seeded, realistic company panel in the default data contract's schema.

Options:
  --out FILE          CSV file to write (required)
  --companies N       number of companies (default 250)
  --quarters N        quarters per company (default 24)
  --seed S            random seed (default 42)
  --start-year Y      first fiscal year (default 2016)
  --regime-shift      compress multiples and move the sector mix (drift scenarios)
  --help              show this help`;

const positiveInt = (name: string, v: string | undefined, fallback: number): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
  return n;
};

/** The `data generate` command. */
export const dataGenerateCommand: CliCommand = {
  path: ['data', 'generate'],
  summary: 'Generate the seeded sample company panel as CSV',
  help,
  async run(args, io) {
    let values;
    try {
      values = parseArgs({
        args,
        options: {
          out: { type: 'string' },
          companies: { type: 'string' },
          quarters: { type: 'string' },
          seed: { type: 'string' },
          'start-year': { type: 'string' },
          'regime-shift': { type: 'boolean' },
          help: { type: 'boolean' },
        },
        strict: true,
      }).values;
      if (values.help) {
        io.out(help);
        return 0;
      }
      if (!values.out) throw new Error('--out FILE.csv is required');
      const options = {
        companies: positiveInt('companies', values.companies, 250),
        quarters: positiveInt('quarters', values.quarters, 24),
        seed: positiveInt('seed', values.seed, 42),
        startYear: positiveInt('start-year', values['start-year'], 2016),
        regimeShift: values['regime-shift'] ?? false,
      };
      const csv = generateSampleCsv(options);
      await mkdir(path.dirname(path.resolve(values.out)), { recursive: true });
      await writeFile(values.out, csv);
      io.out(
        `wrote ${options.companies * options.quarters} rows (${options.companies} companies x ${options.quarters} quarters, seed ${options.seed}${options.regimeShift ? ', regime shift' : ''}) to ${values.out}`,
      );
      return 0;
    } catch (err) {
      io.err(`data generate: ${err instanceof Error ? err.message : String(err)}\n\n${help}`);
      return 2;
    }
  },
};
