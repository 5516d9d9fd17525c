/** Typed columns built from raw values under a contract: numbers as Float64Array (NaN = missing), the rest as strings. */
import type { DataContract } from './contract.js';

/** A typed table. */
export interface Frame {
  n: number;
  numeric: Record<string, Float64Array>;
  text: Record<string, (string | null)[]>;
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
  return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) || (typeof v === 'string' && MISSING.has(v.trim().toLowerCase()));
}

/** Parse a number; NaN for missing, undefined for text that is not a number. */
export function parseNumber(v: RawCell): number | undefined {
  if (isMissing(v)) return NaN;
  if (typeof v === 'number') return v;
  const n = Number(String(v).trim());
  return Number.isFinite(n) ? n : undefined;
}

/** A sortable key for a period: `2021Q3`, `2021-Q3`, ISO dates, or plain numbers. */
export function parsePeriod(v: RawCell): number | undefined {
  if (isMissing(v)) return NaN;
  if (typeof v === 'number') return v;
  const s = String(v).trim();
  const q = /^(\d{4})[-\s]?Q([1-4])$/i.exec(s);
  if (q) return Date.UTC(Number(q[1]), (Number(q[2]) - 1) * 3, 1);
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  const d = Date.parse(s);
  return Number.isNaN(d) ? undefined : d;
}

/** Build a frame from columns of raw cells; columns absent from `raw` are all-missing. */
export function buildFrame(raw: Record<string, readonly RawCell[]>, n: number, contract: DataContract): { frame: Frame; problems: Record<string, ColumnProblems> } {
  const frame: Frame = { n, numeric: {}, text: {}, timeKey: new Float64Array(n).fill(NaN) };
  const problems: Record<string, ColumnProblems> = {};
  for (const col of contract.columns) {
    const cells = raw[col.name] ?? [];
    const p: ColumnProblems = { unparseable: [], outOfRange: [], samples: [] };
    problems[col.name] = p;
    if (col.type === 'numeric') {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = parseNumber(cells[i]);
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
    if (col.name === contract.timeColumn) {
      for (let i = 0; i < n; i++) {
        const k = parsePeriod(cells[i]);
        if (k === undefined) {
          p.unparseable.push(i);
          if (p.samples.length < 3) p.samples.push(String(cells[i]));
        } else frame.timeKey[i] = k;
      }
    }
  }
  return { frame, problems };
}

/** Build a frame from row objects (serving requests). */
export function frameFromRecords(records: readonly Record<string, RawCell>[], contract: DataContract): { frame: Frame; problems: Record<string, ColumnProblems> } {
  const raw: Record<string, RawCell[]> = {};
  for (const col of contract.columns) raw[col.name] = records.map((r) => r[col.name]);
  return buildFrame(raw, records.length, contract);
}
