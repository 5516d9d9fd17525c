/**
 * Feature computation from the contract's transform list. Sequential transforms walk each entity's
 * history in time order and look only backwards, so a row's features never depend on later periods.
 */
import type { DataContract, DatePart, FeatureSpec } from './contract.js';
import type { Frame } from './frame.js';

/** Computed feature values: numeric (NaN = undefined, e.g. division by zero) and categorical. */
export interface FeatureValues {
  numeric: Record<string, Float64Array>;
  text: Record<string, (string | null)[]>;
}

const EPS = 1e-12;

/** Row indices of each entity, in time order (ties keep input order). */
export function entityOrder(frame: Frame, contract: DataContract): number[][] {
  const groups = new Map<string, number[]>();
  const ids = frame.text[contract.entityColumn];
  for (let i = 0; i < frame.n; i++) {
    const key = ids[i] ?? '(missing)';
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  const out = [...groups.values()];
  for (const g of out) g.sort((a, b) => frame.timeKey[a] - frame.timeKey[b] || a - b);
  return out;
}

/** Forward-fill a numeric column within each entity (past values only). */
function forwardFill(values: Float64Array, order: number[][]): Float64Array {
  const out = Float64Array.from(values);
  for (const g of order) {
    let last = NaN;
    for (const i of g) {
      if (Number.isNaN(out[i])) out[i] = last;
      else last = out[i];
    }
  }
  return out;
}

/** Apply `fn` to each entity's series in time order, writing results at the same rows. */
function sequential(src: Float64Array, order: number[][], fn: (series: number[], t: number) => number): Float64Array {
  const out = new Float64Array(src.length).fill(NaN);
  for (const g of order) {
    const series = g.map((i) => src[i]);
    g.forEach((row, t) => (out[row] = fn(series, t)));
  }
  return out;
}

function windowValues(series: number[], t: number, w: number): number[] {
  return series.slice(Math.max(0, t - w + 1), t + 1).filter((v) => !Number.isNaN(v));
}

const DAY_MS = 86_400_000;

/** A part of a UTC timestamp (NaN stays NaN). */
export function datePart(ms: number, part: DatePart): number {
  if (Number.isNaN(ms)) return NaN;
  const d = new Date(ms);
  switch (part) {
    case 'year':
      return d.getUTCFullYear();
    case 'quarter':
      return Math.floor(d.getUTCMonth() / 3) + 1;
    case 'month':
      return d.getUTCMonth() + 1;
    case 'day_of_week':
      return d.getUTCDay();
    case 'day_of_year':
      return (
        Math.floor(
          (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS,
        ) + 1
      );
  }
}

function computeOne(
  f: FeatureSpec,
  num: (name: string) => Float64Array,
  order: number[][],
  dates: Record<string, Float64Array>,
): Float64Array {
  switch (f.kind) {
    case 'date_part':
      return (dates[f.source] ?? num(f.source)).map((v) => datePart(v, f.part));
    case 'value':
    case 'bucket':
      return Float64Array.from(num(f.source));
    case 'log':
      return num(f.source).map((v) => Math.sign(v) * Math.log1p(Math.abs(v)));
    case 'ratio': {
      const d = num(f.denominator);
      return num(f.numerator).map((v, i) => (Math.abs(d[i]) < EPS ? NaN : v / d[i]));
    }
    case 'growth':
      return sequential(num(f.source), order, (s, t) =>
        t < f.lag || Math.abs(s[t - f.lag]) < EPS ? NaN : (s[t] - s[t - f.lag]) / Math.abs(s[t - f.lag]),
      );
    case 'change':
      return sequential(num(f.source), order, (s, t) => (t < f.lag ? NaN : s[t] - s[t - f.lag]));
    case 'rolling_mean':
      return sequential(num(f.source), order, (s, t) => {
        const w = windowValues(s, t, f.window);
        return w.length === 0 ? NaN : w.reduce((a, b) => a + b, 0) / w.length;
      });
    case 'rolling_std':
      return sequential(num(f.source), order, (s, t) => {
        const w = windowValues(s, t, f.window);
        if (w.length < 2) return NaN;
        const m = w.reduce((a, b) => a + b, 0) / w.length;
        return Math.sqrt(w.reduce((a, b) => a + (b - m) ** 2, 0) / (w.length - 1));
      });
    case 'one_hot':
      throw new Error('one_hot is categorical');
  }
}

/** Compute every declared feature for every row of the frame. */
export function computeFeatures(frame: Frame, contract: DataContract): FeatureValues {
  const order = entityOrder(frame, contract);
  const filled: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(frame.numeric)) {
    filled[name] = contract.forwardFill && name !== contract.target.column ? forwardFill(values, order) : values;
  }
  const out: FeatureValues = { numeric: {}, text: {} };
  const num = (name: string): Float64Array => out.numeric[name] ?? filled[name];
  for (const f of contract.features) {
    if (f.kind === 'one_hot') out.text[f.name] = frame.text[f.source] ?? [];
    else out.numeric[f.name] = computeOne(f, num, order, frame.dates);
  }
  return out;
}
