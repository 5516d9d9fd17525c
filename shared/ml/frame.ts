/**
 * Typed columns built from raw values under a contract: numbers as Float64Array (NaN = missing), the
 * rest as strings, and date columns also as UTC milliseconds.
 */
import type { ContractColumn, DataContract } from './contract.js';

/** A typed table. */
export interface Frame {
  n: number;
  numeric: Record<string, Float64Array>;
  text: Record<string, (string | null)[]>;
  /** Date columns as UTC milliseconds (NaN when missing or not a calendar date). */
  dates: Record<string, Float64Array>;
  /** Sortable key of the time column (NaN when unparseable). */
  timeKey: Float64Array;
}

/** A raw cell as read from CSV or a JSON request. */
export type RawCell = string | number | null | undefined;

/** Rows (0-based) of a column whose values could not be typed or were out of range. */
export interface ColumnProblems {
  unparseable: number[];
  outOfRange: number[];
  /** A few offending values, for messages. */
  samples: string[];
}

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '-']);

/** Whether a raw cell counts as missing. */
export function isMissing(v: RawCell): boolean {
  return (
    v === null ||
    v === undefined ||
    (typeof v === 'number' && Number.isNaN(v)) ||
    (typeof v === 'string' && MISSING.has(v.trim().toLowerCase()))
  );
}

/** Parse a number; NaN for missing, undefined for text that is not a number. */
export function parseNumber(v: RawCell): number | undefined {
  if (isMissing(v)) return NaN;
  if (typeof v === 'number') return v;
  const n = Number(String(v).trim());
  return Number.isFinite(n) ? n : undefined;
}

/** A sortable key for a period: `2021Q3`, `2021-Q3`, dates (see parseDate), or plain numbers (period indices). */
export function parsePeriod(v: RawCell): number | undefined {
  if (isMissing(v)) return NaN;
  if (typeof v === 'number') return v;
  const s = String(v).trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return parseDate(s);
}

/**
 * A calendar date as UTC milliseconds: `2021Q3` (its first day), `2021` (1 January), `2021-03`,
 * ISO dates and times, `3/15/2021` (month/day/year, as in US data), or any text Date.parse reads
 * (taken as wall-clock time, so the result does not depend on the machine's time zone).
 */
export function parseDate(v: RawCell): number | undefined {
  if (isMissing(v)) return NaN;
  const s = String(v).trim();
  const q = /^(\d{4})[-\s]?Q([1-4])$/i.exec(s);
  if (q) return Date.UTC(Number(q[1]), (Number(q[2]) - 1) * 3, 1);
  const ym = /^(\d{4})(?:-(\d{1,2}))?$/.exec(s);
  if (ym) return Date.UTC(Number(ym[1]), ym[2] === undefined ? 0 : Number(ym[2]) - 1, 1);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (us) return Date.UTC(Number(us[3]), Number(us[1]) - 1, Number(us[2]));
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Date.parse(s); // ISO date-only strings are UTC already
  const d = Date.parse(s);
  if (Number.isNaN(d)) return undefined;
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(s)) return d;
  const t = new Date(d);
  return Date.UTC(
    t.getFullYear(),
    t.getMonth(),
    t.getDate(),
    t.getHours(),
    t.getMinutes(),
    t.getSeconds(),
    t.getMilliseconds(),
  );
}

/** A range like "26.00 - 32.00", "$26 to $32" or "26–32" as its midpoint; a single number as itself. */
export function parseRange(v: RawCell): number | undefined {
  if (isMissing(v) || typeof v === 'number') return parseNumber(v);
  const s = String(v).trim().replace(/[$,]/g, '');
  const m = /^(-?\d*\.?\d+)\s*(?:-|–|—|to)\s*(-?\d*\.?\d+)$/i.exec(s);
  return m ? (Number(m[1]) + Number(m[2])) / 2 : parseNumber(s);
}

/** Parse a numeric cell with the column's parser. */
export function parseCell(col: ContractColumn, v: RawCell): number | undefined {
  return col.parse === 'range' ? parseRange(v) : parseNumber(v);
}

/** Build a frame from columns of raw cells; columns absent from `raw` are all-missing. */
export function buildFrame(
  raw: Record<string, readonly RawCell[]>,
  n: number,
  contract: DataContract,
): { frame: Frame; problems: Record<string, ColumnProblems> } {
  const frame: Frame = { n, numeric: {}, text: {}, dates: {}, timeKey: new Float64Array(n).fill(NaN) };
  const problems: Record<string, ColumnProblems> = {};
  for (const col of contract.columns) {
    const cells = raw[col.name] ?? [];
    const p: ColumnProblems = { unparseable: [], outOfRange: [], samples: [] };
    problems[col.name] = p;
    if (col.type === 'numeric') {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = parseCell(col, cells[i]);
        if (v === undefined) {
          p.unparseable.push(i);
          if (p.samples.length < 3) p.samples.push(String(cells[i]));
          out[i] = NaN;
        } else if ((col.min !== undefined && v < col.min) || (col.max !== undefined && v > col.max)) {
          p.outOfRange.push(i);
          out[i] = NaN;
        } else out[i] = v;
      }
      frame.numeric[col.name] = out;
      continue;
    }
    frame.text[col.name] = Array.from({ length: n }, (_, i) => (isMissing(cells[i]) ? null : String(cells[i]).trim()));
    if (col.type !== 'date') continue;
    const isTime = col.name === contract.timeColumn;
    const dates = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const d = parseDate(cells[i]);
      dates[i] = d ?? NaN;
      // The time column may also hold plain period numbers (1, 2, 3...): ordered, but no calendar date.
      const k = isTime ? parsePeriod(cells[i]) : d;
      if (k === undefined) {
        p.unparseable.push(i);
        if (p.samples.length < 3) p.samples.push(String(cells[i]));
      } else if (isTime) frame.timeKey[i] = k;
    }
    frame.dates[col.name] = dates;
  }
  return { frame, problems };
}

/** Build a frame from row objects (serving requests). */
export function frameFromRecords(
  records: readonly Record<string, RawCell>[],
  contract: DataContract,
): { frame: Frame; problems: Record<string, ColumnProblems> } {
  const raw: Record<string, RawCell[]> = {};
  for (const col of contract.columns) raw[col.name] = records.map((r) => r[col.name]);
  return buildFrame(raw, records.length, contract);
}
