/** `ipo-mlops abtest analyze`: per-version metrics, significance tests and a decision from a predictions CSV. */
import { parseArgs } from 'node:util';
import { errorMessage } from '../domain/errors.js';
import { createPrng, decideExperiment, summarizeArm, type ArmPairs } from '../domain/stats/index.js';
import type { CliCommand } from './command.js';
import { readCsvFile } from './drift.command.js';
import { table } from './render.js';

const COLUMNS = ['model_version', 'predicted_value', 'actual_value'] as const;

const help = `Usage: ipo-mlops abtest analyze --predictions FILE.csv [options]

Compare two model versions on labelled predictions: count, MAE, RMSE, MAPE and correlation per
version; Welch's t-test and Mann-Whitney U on absolute errors and a bootstrap CI of the MAE
difference; decision promote / rollback / inconclusive.

The CSV needs columns ${COLUMNS.join(', ')}; rows with an empty predicted or actual value are counted as missing.

Options:
  --predictions FILE   the CSV                                            (required)
  --control V          control version (default: the first version in the file)
  --min-samples N      labelled predictions each arm needs (default 30)
  --alpha A            significance level (default 0.05)
  --seed S             bootstrap seed (default 1)
  --json               machine-readable output (see docs/cli-json.md)
  --help               show this help`;

function numberArg(name: string, v: string | undefined, fallback: number, ok: (n: number) => boolean): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!ok(n)) throw new Error(`--${name}: invalid value "${v}"`);
  return n;
}

/** Analyse a predictions file (the JSON documented in docs/cli-json.md). */
export async function analyzeFile(
  file: string,
  options: { control?: string; minSamples: number; alpha: number; seed: number },
): Promise<Record<string, unknown>> {
  const csv = await readCsvFile(file);
  const idx = COLUMNS.map((c) => csv.header.indexOf(c));
  const missing = COLUMNS.filter((_, i) => idx[i] < 0);
  if (missing.length > 0)
    throw new Error(
      `${file}: missing column(s) ${missing.map((c) => `"${c}"`).join(', ')} (has ${csv.header.join(', ')})`,
    );
  const arms = new Map<string, { predicted: (number | null)[]; actual: (number | null)[] }>();
  csv.rows.forEach((row, r) => {
    const version = (row[idx[0]] ?? '').trim();
    if (version === '') throw new Error(`${file}: line ${csv.lines[r]}: model_version is empty`);
    const cell = (k: 1 | 2): number | null => {
      const text = (row[idx[k]] ?? '').trim();
      if (text === '') return null;
      const n = Number(text);
      if (!Number.isFinite(n))
        throw new Error(`${file}: line ${csv.lines[r]}: ${COLUMNS[k]} is not a number: ${JSON.stringify(text)}`);
      return n;
    };
    const arm = arms.get(version) ?? { predicted: [], actual: [] };
    arm.predicted.push(cell(1));
    arm.actual.push(cell(2));
    arms.set(version, arm);
  });
  const versions = [...arms.keys()];
  if (versions.length !== 2)
    throw new Error(
      `${file}: model_version must have exactly 2 distinct values to compare, found ${versions.length} (${versions.join(', ')})`,
    );
  const control = options.control ?? versions[0];
  if (!arms.has(control))
    throw new Error(`--control ${control}: not a model_version in ${file} (found ${versions.join(', ')})`);
  const candidate = versions.find((v) => v !== control) as string;
  const pairs = (v: string): ArmPairs => arms.get(v) as ArmPairs;
  const summaries = [control, candidate].map((v, i) => ({
    version: v,
    role: i === 0 ? 'control' : 'candidate',
    ...summarizeArm(pairs(v), `${file}: version ${v}`).summary,
  }));
  const decision = decideExperiment(
    pairs(control),
    pairs(candidate),
    { minSamplesPerArm: options.minSamples, alpha: options.alpha },
    createPrng(options.seed),
  );
  const e = decision.evidence;
  return {
    kind: 'abtest-analysis',
    file,
    control,
    candidate,
    alpha: options.alpha,
    minSamplesPerArm: options.minSamples,
    arms: summaries,
    tests:
      e.welch && e.mannWhitney && e.bootstrap
        ? { welch: e.welch, mannWhitney: e.mannWhitney, bootstrap: e.bootstrap }
        : null,
    decision: {
      kind: decision.kind,
      next: decision.kind === 'inconclusive' ? decision.next : null,
      reasons: decision.reasons,
    },
  };
}

const fmt = (v: unknown, d = 4): string =>
  typeof v === 'number' && Number.isFinite(v) ? (Math.abs(v) >= 1e5 ? v.toExponential(3) : v.toFixed(d)) : '-';

/** The `abtest analyze` command. */
export const abtestAnalyzeCommand: CliCommand = {
  path: ['abtest', 'analyze'],
  summary: 'Significance of the difference between two model versions on labelled predictions',
  help,
  async run(args, io) {
    try {
      const { values } = parseArgs({
        args,
        options: {
          predictions: { type: 'string' },
          control: { type: 'string' },
          'min-samples': { type: 'string' },
          alpha: { type: 'string' },
          seed: { type: 'string' },
          json: { type: 'boolean' },
          help: { type: 'boolean' },
        },
        strict: true,
      });
      if (values.help) return (io.out(help), 0);
      if (!values.predictions) throw new Error('--predictions FILE.csv is required');
      const r = await analyzeFile(values.predictions, {
        ...(values.control ? { control: values.control } : {}),
        minSamples: numberArg('min-samples', values['min-samples'], 30, (n) => Number.isInteger(n) && n >= 2),
        alpha: numberArg('alpha', values.alpha, 0.05, (n) => n > 0 && n < 1),
        seed: numberArg('seed', values.seed, 1, Number.isInteger),
      });
      if (values.json) return (io.out(JSON.stringify(r, null, 2)), 0);
      const arms = r.arms as Record<string, unknown>[];
      for (const line of table([
        ['version', 'role', 'count', 'MAE', 'RMSE', 'MAPE%', 'corr'],
        ...arms.map((a) => [
          String(a.version),
          String(a.role),
          String(a.count),
          fmt(a.mae),
          fmt(a.rmse),
          fmt(a.mape, 2),
          fmt(a.correlation),
        ]),
      ]))
        io.out(line);
      const t = r.tests as {
        welch: { pValue: number };
        mannWhitney: { pValue: number };
        bootstrap: { lower: number; upper: number; confidence: number };
      } | null;
      if (t)
        io.out(
          `Welch p=${fmt(t.welch.pValue)}  Mann-Whitney p=${fmt(t.mannWhitney.pValue)}  ${t.bootstrap.confidence * 100}% CI of MAE difference [${fmt(t.bootstrap.lower)}, ${fmt(t.bootstrap.upper)}]`,
        );
      const d = r.decision as { kind: string; reasons: string[] };
      io.out(`decision: ${d.kind.toUpperCase()}`);
      for (const reason of d.reasons) io.out(`  - ${reason}`);
      return 0;
    } catch (err) {
      io.err(`abtest analyze: ${errorMessage(err)}`);
      return 2;
    }
  },
};
