/**
 * Categorical drift statistics: Pearson chi-square (scipy `chisquare`), Evidently's chi-square
 * drift test (expected = reference proportions × current count), the two-proportion Z-test
 * Evidently uses for binary columns, and value counting with missing values excluded.
 */
import { chiSquareSf, normalSf } from './special-functions.js';
import { invalid } from './validation.js';

/** Result of a test that yields a statistic and a p-value. */
export interface TestResult {
  statistic: number;
  pValue: number;
}

/** Category → count, missing values excluded. */
export type CategoryCounts = Record<string, number>;

/**
 * Pearson chi-square goodness-of-fit (scipy `chisquare(f_obs, f_exp)`, ddof 0).
 * Defined results where scipy gives NaN: a single category → statistic 0, p 1; a category with
 * expected 0 and observed 0 adds nothing; expected 0 with observed > 0 → statistic ∞, p 0.
 * Throws `ValidationError` on empty/mismatched vectors, negative counts, or totals that differ.
 */
export function chiSquareTest(observed: readonly number[], expected: readonly number[]): TestResult {
  if (observed.length === 0) invalid('chi-square input', 'observed', 'no categories');
  if (observed.length !== expected.length)
    invalid('chi-square input', 'expected', `length ${expected.length} differs from observed (${observed.length})`);
  let so = 0;
  let se = 0;
  for (let i = 0; i < observed.length; i++) {
    if (!(observed[i] >= 0)) invalid('chi-square input', `observed.${i}`, 'must be a count >= 0');
    if (!(expected[i] >= 0)) invalid('chi-square input', `expected.${i}`, 'must be >= 0');
    so += observed[i];
    se += expected[i];
  }
  if (Math.abs(so - se) > 1e-8 * Math.max(so, se))
    invalid('chi-square input', 'expected', `sums to ${se}, observed sums to ${so}`);
  let stat = 0;
  for (let i = 0; i < observed.length; i++) {
    const diff = observed[i] - expected[i];
    if (expected[i] === 0) stat += observed[i] === 0 ? 0 : Infinity;
    else stat += (diff * diff) / expected[i];
  }
  if (observed.length === 1) return { statistic: 0, pValue: 1 };
  return { statistic: stat, pValue: Number.isFinite(stat) ? chiSquareSf(stat, observed.length - 1) : 0 };
}

/** The union of categories of two count maps, in first-seen order (reference first). */
export function unionKeys(reference: CategoryCounts, current: CategoryCounts): string[] {
  return [...new Set([...Object.keys(reference), ...Object.keys(current)])];
}

function total(counts: CategoryCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/**
 * Evidently's chi-square drift test: expected counts are the reference proportions scaled to the
 * current total. A category unseen in the reference makes p = 0 (statistic ∞).
 * Caveat (inherited from Evidently): the reference proportions are treated as exact, so the test
 * is anti-conservative when the windows are of similar size (about 19% false alarms at p < 0.05
 * for 4 categories and current/reference = 0.625); prefer a reference much larger than the window.
 * Throws `ValidationError` when either side has no counts.
 */
export function chiSquareDrift(reference: CategoryCounts, current: CategoryCounts): TestResult {
  const nRef = total(reference);
  const nCur = total(current);
  if (!(nRef > 0) || !(nCur > 0)) invalid('chi-square drift input', nRef > 0 ? 'current' : 'reference', 'no counts');
  const keys = unionKeys(reference, current);
  const scale = nCur / nRef;
  return chiSquareTest(
    keys.map((k) => current[k] ?? 0),
    keys.map((k) => (reference[k] ?? 0) * scale),
  );
}

/** Reference and current proportion vectors over the union of categories. */
export function categoryProportions(
  reference: CategoryCounts,
  current: CategoryCounts,
): { keys: string[]; reference: number[]; current: number[] } {
  const keys = unionKeys(reference, current);
  const nRef = total(reference);
  const nCur = total(current);
  return {
    keys,
    reference: keys.map((k) => (reference[k] ?? 0) / nRef),
    current: keys.map((k) => (current[k] ?? 0) / nCur),
  };
}

/**
 * Evidently's Z-test for a binary column: difference of the share of the first category between
 * reference and current, pooled standard error, two-sided normal p-value. Both sides holding the
 * same single value → statistic 0, p 1 (as Evidently).
 */
export function zTestProportions(reference: CategoryCounts, current: CategoryCounts): TestResult {
  const keys = unionKeys(reference, current);
  const n1 = total(reference);
  const n2 = total(current);
  if (!(n1 > 0) || !(n2 > 0)) invalid('Z-test input', n1 > 0 ? 'current' : 'reference', 'no counts');
  if (keys.length <= 1) return { statistic: 0, pValue: 1 };
  const p1 = (reference[keys[0]] ?? 0) / n1;
  const p2 = (current[keys[0]] ?? 0) / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = (p1 - p2) / se;
  return { statistic: z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

/** Count categories of a column; null, undefined, NaN and '' are missing. */
export function countCategories(values: ArrayLike<string | number | boolean | null | undefined>): {
  counts: CategoryCounts;
  missing: number;
} {
  const counts: CategoryCounts = {};
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v))) {
      missing++;
      continue;
    }
    const key = String(v);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return { counts, missing };
}
