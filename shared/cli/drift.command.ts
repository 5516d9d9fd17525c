/** `ipo-mlops drift report`: per-column drift of a current CSV against a reference CSV, and the dataset verdict. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { defaultPolicy } from '../domain/lifecycle/index.js';
import { errorMessage } from '../domain/errors.js';
import { parseContractText, type DataContract } from '../ml/contract.js';
import { parseCsv, type CsvTable } from '../ml/csv.js';
import { buildFrame, isMissing, parseNumber, type Frame, type RawCell } from '../ml/frame.js';
import { columnBaselines, columnDrift, currentColumns, monitoredColumns } from '../ml/monitoring-reference.js';
import type { CliCommand } from './command.js';
import { table } from './render.js';

const help = `Usage: ipo-mlops drift report --reference A.csv --current B.csv [--contract F.json] [--evidently] [--json]

Judge every monitored column of B against A: numeric columns by PSI >= 0.2 on A's deciles, categorical
columns by Evidently's default (chi-square p < 0.05 up to 1,000 reference rows, Jensen-Shannon >= 0.1
above); the dataset drifts when at least 30% of the columns drift.

Options:
  --reference FILE   reference CSV (e.g. the training data)          (required)
  --current FILE     current CSV (e.g. recent serving inputs)        (required)
  --contract FILE    data contract JSON: monitors its numeric and categorical columns except the target
                     (default: every column of A; numbers are numeric, text with <= 100 values categorical)
  --evidently        Evidently's defaults instead: KS / Wasserstein by reference size, drift share 0.5
  --json             machine-readable output (see docs/cli-json.md)
  --help             show this help`;

/** Read and parse a CSV, naming the file in every error. */
export async function readCsvFile(file: string): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read (${errorMessage(err)})`);
  }
  const csv = parseCsv(text);
  if (csv.header.length === 0) throw new Error(`${file}: empty file (no header row)`);
  if (csv.rows.length === 0) throw new Error(`${file}: no data rows`);
  return csv;
}

/** A contract that monitors every column of a table: numeric when all values parse, else categorical (≤ 100 values). */
export function inferContract(csv: CsvTable): {
  contract: DataContract;
  skipped: { column: string; reason: string }[];
} {
  const skipped: { column: string; reason: string }[] = [];
  const columns = csv.header.flatMap((name, j): { name: string; type: 'numeric' | 'categorical' }[] => {
    const values = csv.rows.map((r) => r[j]).filter((v) => !isMissing(v));
    if (values.every((v) => parseNumber(v) !== undefined)) return [{ name, type: 'numeric' as const }];
    if (new Set(values).size <= 100) return [{ name, type: 'categorical' as const }];
    skipped.push({ column: name, reason: 'text with more than 100 distinct values (an identifier?)' });
    return [];
  });
  // Only the column list is used; entity, time and target are unused placeholders outside it.
  const contract = {
    name: 'inferred',
    version: '0',
    columns,
    entityColumn: '',
    timeColumn: '',
    sliceColumns: [],
    target: { column: '', transform: 'none' },
    forwardFill: false,
    features: [],
    split: { train: 0.7, validation: 0.15 },
    minRows: 1,
  } as unknown as DataContract;
  return { contract, skipped };
}

function frameOf(file: string, csv: CsvTable, contract: DataContract): Frame {
  const raw: Record<string, RawCell[]> = {};
  csv.header.forEach((h, j) => (raw[h] = csv.rows.map((r) => r[j])));
  const { frame, problems } = buildFrame(raw, csv.rows.length, { ...contract, columns: monitoredColumns(contract) });
  const bad = Object.entries(problems).find(([, p]) => p.unparseable.length > 0);
  if (bad)
    throw new Error(
      `${file}: column "${bad[0]}" must be numeric; line ${csv.lines[bad[1].unparseable[0]]} has ${JSON.stringify(bad[1].samples[0])}`,
    );
  return frame;
}

/** The drift report of two CSV files (the JSON documented in docs/cli-json.md). */
export async function driftReportOf(
  referenceFile: string,
  currentFile: string,
  contractFile: string | undefined,
  evidently: boolean,
): Promise<Record<string, unknown>> {
  const reference = await readCsvFile(referenceFile);
  const current = await readCsvFile(currentFile);
  let contract: DataContract;
  let skipped: { column: string; reason: string }[] = [];
  if (contractFile) {
    try {
      contract = parseContractText(await readFile(contractFile, 'utf8'));
    } catch (err) {
      throw new Error(`${contractFile}: ${errorMessage(err)}`);
    }
  } else ({ contract, skipped } = inferContract(reference));
  const monitored = monitoredColumns(contract).map((c) => c.name);
  for (const [file, csv] of [
    [referenceFile, reference],
    [currentFile, current],
  ] as const) {
    const missing = monitored.filter((c) => !csv.header.includes(c));
    if (missing.length > 0) throw new Error(`${file}: missing column(s) ${missing.map((c) => `"${c}"`).join(', ')}`);
  }
  const refFrame = frameOf(referenceFile, reference, contract);
  const baseline = columnBaselines(
    refFrame,
    contract,
    Array.from({ length: refFrame.n }, (_, i) => i),
  );
  for (const c of monitored)
    if (!(c in baseline)) skipped.push({ column: c, reason: 'no non-missing reference values' });
  const policy = defaultPolicy(evidently ? { drift: { numericDefault: {}, driftShare: 0.5 } } : {}).drift;
  const cur = currentColumns(frameOf(currentFile, current, contract), contract);
  const report = columnDrift(baseline, Object.fromEntries(Object.entries(cur).filter(([c]) => c in baseline)), policy);
  return {
    kind: 'drift-report',
    reference: { file: referenceFile, rows: reference.rows.length },
    current: { file: currentFile, rows: current.rows.length },
    dataset: report.dataset,
    features: report.features.map((f) => ({
      feature: f.feature,
      kind: f.kind,
      method: f.method,
      statistic: f.statistic,
      pValue: f.pValue ?? null,
      threshold: f.threshold,
      drifted: f.drifted,
      nReference: f.nReference,
      nCurrent: f.nCurrent,
      missingRate: f.missingRate,
      statistics: f.numeric
        ? {
            psi: f.numeric.psi,
            ks: f.numeric.ksStatistic,
            jensenShannon: f.numeric.jensenShannon,
            wassersteinNormed: f.numeric.wassersteinNormed,
          }
        : null,
      note: f.note ?? null,
    })),
    skipped,
  };
}

const fmt = (v: unknown): string =>
  typeof v === 'number'
    ? Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3)
      ? v.toExponential(2)
      : v.toFixed(4)
    : v === null
      ? '-'
      : String(v);

/** The `drift report` command. */
export const driftReportCommand: CliCommand = {
  path: ['drift', 'report'],
  summary: 'Per-column drift of a current CSV against a reference CSV',
  help,
  async run(args, io) {
    try {
      const { values } = parseArgs({
        args,
        options: {
          reference: { type: 'string' },
          current: { type: 'string' },
          contract: { type: 'string' },
          evidently: { type: 'boolean' },
          json: { type: 'boolean' },
          help: { type: 'boolean' },
        },
        strict: true,
      });
      if (values.help) return (io.out(help), 0);
      if (!values.reference || !values.current) throw new Error('--reference A.csv and --current B.csv are required');
      const r = await driftReportOf(values.reference, values.current, values.contract, values.evidently ?? false);
      if (values.json) return (io.out(JSON.stringify(r, null, 2)), 0);
      const features = r.features as Record<string, unknown>[];
      const d = r.dataset as {
        drifted: boolean;
        nDrifted: number;
        nFeatures: number;
        driftedShare: number;
        driftShare: number;
      };
      const rows = features.map((f) => [
        String(f.feature),
        String(f.kind),
        String(f.method),
        fmt(f.statistic),
        fmt(f.pValue),
        fmt(f.threshold),
        f.drifted ? 'DRIFT' : 'ok',
      ]);
      for (const line of table([['column', 'kind', 'method', 'statistic', 'p-value', 'threshold', 'verdict'], ...rows]))
        io.out(line);
      for (const s of r.skipped as { column: string; reason: string }[]) io.out(`skipped ${s.column}: ${s.reason}`);
      io.out(
        `dataset: ${d.drifted ? 'DRIFT' : 'no drift'} (${d.nDrifted} of ${d.nFeatures} columns, share ${d.driftedShare.toFixed(2)}, threshold ${d.driftShare})`,
      );
      return 0;
    } catch (err) {
      io.err(`drift report: ${errorMessage(err)}`);
      return 2;
    }
  },
};
