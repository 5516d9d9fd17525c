/** Input guards shared by the statistics: they turn degenerate input into named errors. */
import { ValidationError, type Issue } from '../errors.js';

/** Error code of every statistics input problem. */
export const STATS_INPUT_INVALID = 'STATS.INPUT_INVALID';

/** Whether a value is missing (null, undefined or NaN). */
export function isMissing(v: number | null | undefined): boolean {
  return v === null || v === undefined || Number.isNaN(v);
}

/** Copy the non-missing values into a new ascending Float64Array. */
export function sortedFinite(values: ArrayLike<number | null>): Float64Array {
  const out = new Float64Array(values.length);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!isMissing(v)) out[k++] = v as number;
  }
  return out.subarray(0, k).sort();
}

/** Copy the non-missing values (unsorted) into a new Float64Array. */
export function finiteValues(values: ArrayLike<number | null>): Float64Array {
  const out = new Float64Array(values.length);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!isMissing(v)) out[k++] = v as number;
  }
  return out.slice(0, k);
}

/** Throw a `ValidationError` listing every named input that has fewer than `min` values. */
export function requireNonEmpty(sizes: Record<string, number>, what: string, min = 1): void {
  const issues: Issue[] = Object.entries(sizes)
    .filter(([, n]) => n < min)
    .map(([path, n]) => ({ path, message: `needs at least ${min} non-missing value(s), got ${n}` }));
  if (issues.length > 0) throw new ValidationError(what, issues, STATS_INPUT_INVALID);
}

/** Throw a `ValidationError` with one issue. */
export function invalid(what: string, path: string, message: string): never {
  throw new ValidationError(what, [{ path, message }], STATS_INPUT_INVALID);
}
