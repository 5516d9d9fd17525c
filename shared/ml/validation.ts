/**
 * Dataset validation in the manner of TFX's ExampleValidator: schema and types, missing rates, ranges,
 * duplicates and row counts. Every violation names its column and the number of rows affected.
 */
import { ValidationError } from '../domain/errors.js';
import { missingRateLimits, type ContractColumn, type DataContract } from './contract.js';
import type { CsvTable } from './csv.js';
import { buildFrame, isMissing, type Frame, type RawCell } from './frame.js';

/** The checks validation runs. */
export const VALIDATION_CHECKS = [
  'empty',
  'schema',
  'type',
  'range',
  'missing',
  'duplicate',
  'row_count',
  'target',
  'categories',
] as const;
/** A validation check. */
export type ValidationCheck = (typeof VALIDATION_CHECKS)[number];

/** One violation. `lines` are 1-based file lines (the header is line 1). */
export interface ValidationIssue {
  column: string;
  check: ValidationCheck;
  severity: 'error' | 'warning';
  rows: number;
  lines: number[];
  message: string;
}

/** The validation report, stored as `validation.json`. */
export interface ValidationReport {
  ok: boolean;
  rowCount: number;
  columnCount: number;
  errors: number;
  warnings: number;
  issues: ValidationIssue[];
  missingRates: Record<string, number>;
}

const SAMPLE = 5;
const lineList = (lines: number[]): string =>
  `line${lines.length > 1 ? 's' : ''} ${lines.slice(0, SAMPLE).join(', ')}${lines.length > SAMPLE ? ', ...' : ''}`;

/** Validate a CSV table against a contract; the frame is returned when there are no errors. */
export function validateTable(table: CsvTable, contract: DataContract): { report: ValidationReport; frame?: Frame } {
  const issues: ValidationIssue[] = [];
  const add = (
    column: string,
    check: ValidationCheck,
    severity: 'error' | 'warning',
    rowIdx: number[],
    message: string,
  ): void => {
    const lines = rowIdx.slice(0, SAMPLE).map((i) => table.lines[i] ?? i + 2);
    issues.push({
      column,
      check,
      severity,
      rows: rowIdx.length,
      lines,
      message: rowIdx.length > 0 ? `${message} (${lineList(lines)})` : message,
    });
  };
  const n = table.rows.length;
  if (table.header.length === 0) add('', 'empty', 'error', [], 'the file is empty: no header row and no data');
  else if (n === 0) add('', 'empty', 'error', [], 'the file has a header but no data rows');
  const present = new Set(table.header);
  for (const col of contract.columns) {
    if (table.header.length > 0 && !present.has(col.name)) {
      add(
        col.name,
        'schema',
        'error',
        [],
        `column "${col.name}" named by the contract is missing from the data; the header has: ${table.header.join(', ')}`,
      );
    }
  }
  if (issues.some((i) => i.severity === 'error')) return { report: summarise(issues, n, table.header.length, {}) };

  const raw: Record<string, RawCell[]> = {};
  table.header.forEach((h, j) => (raw[h] = table.rows.map((r) => r[j])));
  const { frame, problems } = buildFrame(raw, n, contract);
  const missingRates: Record<string, number> = {};
  for (const col of contract.columns) {
    const p = problems[col.name];
    if (p.unparseable.length > 0) {
      add(
        col.name,
        'type',
        'error',
        p.unparseable,
        `column "${col.name}" (${col.type}): ${p.unparseable.length} of ${n} rows are not ${expectedValue(contract, col)}, e.g. ${p.samples.map((s) => JSON.stringify(s)).join(', ')}`,
      );
    }
    if (p.outOfRange.length > 0) {
      add(
        col.name,
        'range',
        'warning',
        p.outOfRange,
        `column "${col.name}": ${p.outOfRange.length} rows outside [${col.min ?? '-inf'}, ${col.max ?? 'inf'}], treated as missing`,
      );
    }
    const values = frame.numeric[col.name] ?? frame.text[col.name];
    const missing: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === null || (typeof v === 'number' && Number.isNaN(v))) missing.push(i);
    }
    const rate = n === 0 ? 0 : missing.length / n;
    missingRates[col.name] = rate;
    const limits = missingRateLimits(contract, col);
    const share = (r: number): string => `${(r * 100).toFixed(1)}%`;
    const what = `column "${col.name}": ${missing.length} of ${n} rows missing (${share(rate)}${placeholders(raw[col.name], missing)})`;
    if (col.name === contract.target.column && missing.length === n) {
      add(col.name, 'target', 'error', [], `target column "${col.name}" has no values: all ${n} rows are missing`);
    } else if (rate > limits.max) {
      add(col.name, 'missing', 'error', missing, `${what} > allowed ${share(limits.max)}`);
    } else if (rate > limits.warn) {
      add(
        col.name,
        'missing',
        'warning',
        missing,
        `${what} > ${share(limits.warn)}; set maxMissingRate / warnMissingRate on the column to change the limits`,
      );
    }
  }
  checkCategories(frame, contract, add);
  checkDuplicates(frame, contract, add);
  if (contract.target.transform === 'log') {
    const target = frame.numeric[contract.target.column];
    const bad: number[] = [];
    target.forEach((v, i) => (v <= 0 ? bad.push(i) : undefined));
    if (bad.length > 0)
      add(
        contract.target.column,
        'target',
        'warning',
        bad,
        `target "${contract.target.column}": ${bad.length} rows are <= 0 and cannot be log-transformed; they are excluded from training`,
      );
  }
  if (n < contract.minRows)
    add('', 'row_count', 'error', [], `the data has ${n} rows; the contract needs at least ${contract.minRows}`);
  const report = summarise(issues, n, table.header.length, missingRates);
  return report.ok ? { report, frame } : { report };
}

/** What a column's cells should look like, for type errors. */
function expectedValue(contract: DataContract, col: ContractColumn): string {
  if (col.type === 'date')
    return col.name === contract.timeColumn
      ? 'a period like 2021Q3, a date or a period number'
      : 'a date like 2021-03-15, 3/15/2021, 2021Q3 or 2021';
  return col.parse === 'range' ? 'a number or a range like "26.00 - 32.00"' : 'a number';
}

/** ", of which N are text such as "N/A"" when missing cells hold placeholder text rather than nothing. */
function placeholders(cells: readonly RawCell[] | undefined, missing: number[]): string {
  const counts = new Map<string, number>();
  for (const i of missing) {
    const v = cells?.[i];
    if (typeof v === 'string' && v.trim() !== '' && isMissing(v)) counts.set(v.trim(), (counts.get(v.trim()) ?? 0) + 1);
  }
  if (counts.size === 0) return '';
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([t]) => JSON.stringify(t));
  return `, of which ${total} are text such as ${top.join(', ')}`;
}

type Add = (c: string, k: ValidationCheck, s: 'error' | 'warning', r: number[], m: string) => void;

/** Warn when a one-hot feature will fold categories into "(other)" (counted on all rows; the fit counts training rows). */
function checkCategories(frame: Frame, contract: DataContract, add: Add): void {
  for (const f of contract.features) {
    if (f.kind !== 'one_hot') continue;
    const counts = new Map<string, number>();
    for (const v of frame.text[f.source] ?? []) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    if (counts.size <= f.maxCategories) continue;
    const folded = [...counts.values()]
      .sort((a, b) => b - a)
      .slice(f.maxCategories)
      .reduce((a, b) => a + b, 0);
    add(
      f.source,
      'categories',
      'warning',
      [],
      `column "${f.source}" has ${counts.size} distinct values; feature "${f.name}" keeps the ${f.maxCategories} most frequent in training and folds the rest into "(other)" (about ${folded} of ${frame.n} rows); raise maxCategories to keep more`,
    );
  }
}

function checkDuplicates(frame: Frame, contract: DataContract, add: Add): void {
  const seen = new Set<string>();
  const dup: number[] = [];
  const ids = frame.text[contract.entityColumn];
  const times = frame.text[contract.timeColumn];
  for (let i = 0; i < frame.n; i++) {
    const key = `${ids[i]}\u0000${times[i]}`;
    if (seen.has(key)) dup.push(i);
    seen.add(key);
  }
  if (dup.length > 0)
    add(
      `${contract.entityColumn},${contract.timeColumn}`,
      'duplicate',
      'error',
      dup,
      `${dup.length} rows repeat an existing (${contract.entityColumn}, ${contract.timeColumn}) pair`,
    );
}

function summarise(
  issues: ValidationIssue[],
  rowCount: number,
  columnCount: number,
  missingRates: Record<string, number>,
): ValidationReport {
  const errors = issues.filter((i) => i.severity === 'error').length;
  return { ok: errors === 0, rowCount, columnCount, errors, warnings: issues.length - errors, issues, missingRates };
}

/** A dataset that failed validation; carries the whole report (stored as validation.json). */
export class DatasetValidationError extends ValidationError {
  /** The report that failed. */
  readonly report: ValidationReport;

  constructor(report: ValidationReport) {
    const errors = report.issues.filter((i) => i.severity === 'error');
    super(
      'dataset',
      errors.map((i) => ({ path: i.column, message: i.message })),
      'DATA.INVALID',
    );
    this.report = report;
  }
}

/** Throw the report's errors as a DatasetValidationError (code DATA.INVALID), each issue under its column. */
export function assertValid(report: ValidationReport): void {
  if (!report.ok) throw new DatasetValidationError(report);
}
