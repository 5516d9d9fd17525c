/**
 * Drift of one feature (or of the predictions) against its baseline, with the method chosen by
 * Evidently's defaults or the policy override.
 */
import {
  categoryProportions,
  chiSquareDrift,
  countCategories,
  zTestProportions,
  type CategoryCounts,
} from './categorical.js';
import { jensenShannonDistance, lInfinityDistance } from './distances.js';
import {
  isDrifted,
  LOW_CARDINALITY,
  resolveMethod,
  type DriftMethod,
  type FeatureDriftOverride,
  type FeatureKind,
} from './drift-policy.js';
import { ksPValue } from './ks-test.js';
import { fitNumericBaseline, type NumericBaseline } from './numeric-baseline.js';
import { compareNumeric, type NumericComparison } from './numeric-drift.js';
import { invalid } from './validation.js';

/** Training baseline of a categorical feature: value counts (missing excluded). */
export interface CategoricalBaseline {
  kind: 'categorical';
  counts: CategoryCounts;
  /** Missing values seen at training time (informational). */
  missing?: number;
}

/** A baseline as accepted by the report: fitted numeric, categorical counts, or raw numeric values. */
export type FeatureBaselineInput = NumericBaseline | CategoricalBaseline | ArrayLike<number | null>;

/** A current column: numbers (null/NaN missing) or categories (null/undefined/'' missing). */
export type CurrentColumn = ArrayLike<string | number | boolean | null | undefined>;

/** Drift verdict of one feature. */
export interface FeatureDriftResult {
  feature: string;
  kind: FeatureKind;
  method: DriftMethod;
  /** The method's statistic; null when the current window has no value to test. */
  statistic: number | null;
  /** p-value, for KS, chi-square and Z-test. */
  pValue?: number;
  threshold: number;
  drifted: boolean;
  nReference: number;
  /** Non-missing current values. */
  nCurrent: number;
  /** Share of missing values in the current column (0 for an empty column). */
  missingRate: number;
  /** Every numeric statistic, for numeric features with more than 5 distinct values. */
  numeric?: Omit<NumericComparison, 'nCurrent' | 'missing'>;
  /** Why the verdict is not a plain test result (e.g. an all-missing window). */
  note?: string;
}

/** Fit raw numeric values; pass fitted and categorical baselines through. */
export function toBaseline(feature: string, input: FeatureBaselineInput): NumericBaseline | CategoricalBaseline {
  if ('kind' in input && (input.kind === 'numeric' || input.kind === 'categorical')) return input;
  try {
    return fitNumericBaseline(input as ArrayLike<number | null>);
  } catch {
    return invalid('drift baseline', feature, 'has no non-missing reference values');
  }
}

function numericCounts(values: ArrayLike<number>): CategoryCounts {
  const counts: CategoryCounts = {};
  for (let i = 0; i < values.length; i++) counts[String(values[i])] = (counts[String(values[i])] ?? 0) + 1;
  return counts;
}

/** Distinct values of reference ∪ current, counted up to `cap + 1`. */
function unionDistinct(baseline: NumericBaseline, current: CurrentColumn, cap: number): number {
  if (baseline.nUnique > cap || !baseline.distinct) return baseline.nUnique;
  const seen = new Set(baseline.distinct.map((d) => d.value));
  for (let i = 0; i < current.length && seen.size <= cap; i++) {
    const v = current[i];
    if (typeof v === 'number' && !Number.isNaN(v)) seen.add(v);
  }
  return seen.size;
}

function categoricalStatistic(
  method: DriftMethod,
  ref: CategoryCounts,
  cur: CategoryCounts,
): { statistic: number; pValue?: number } {
  if (method === 'chi_square') return chiSquareDrift(ref, cur);
  if (method === 'z_test') return zTestProportions(ref, cur);
  const p = categoryProportions(ref, cur);
  if (method === 'l_infinity') return { statistic: lInfinityDistance(p.reference, p.current) };
  return { statistic: jensenShannonDistance(p.reference, p.current) };
}

function assertNumeric(feature: string, current: CurrentColumn): void {
  for (let i = 0; i < current.length; i++) {
    const v = current[i];
    if (v !== null && v !== undefined && typeof v !== 'number')
      invalid('drift current window', `${feature}.${i}`, `expected a number, got ${JSON.stringify(v)}`);
  }
}

/**
 * Drift of one feature. Missing values are excluded and reported as `missingRate`. A window with
 * no non-missing value is reported as drifted with `statistic: null` and a note: a column that
 * went entirely missing in serving is a break worth an alert, not a pass.
 */
export function featureDrift(
  feature: string,
  baselineInput: FeatureBaselineInput,
  current: CurrentColumn,
  override?: FeatureDriftOverride,
): FeatureDriftResult {
  const baseline = toBaseline(feature, baselineInput);
  const kind: FeatureKind = baseline.kind;
  if (kind === 'numeric' && !(current instanceof Float64Array)) assertNumeric(feature, current);
  const refCounts = baseline.kind === 'categorical' ? baseline.counts : null;
  const nReference =
    baseline.kind === 'numeric' ? baseline.count : Object.values(baseline.counts).reduce((a, b) => a + b, 0);
  if (!(nReference > 0)) invalid('drift baseline', feature, 'has no reference values');
  const cat = baseline.kind === 'categorical' ? countCategories(current) : null;
  const nUnique =
    baseline.kind === 'numeric'
      ? unionDistinct(baseline, current, LOW_CARDINALITY)
      : Object.keys({ ...refCounts, ...cat!.counts }).length;
  const { method, threshold } = resolveMethod(feature, kind, nReference, nUnique, override);
  const base = { feature, kind, method, threshold, nReference };

  let comparison: NumericComparison | undefined;
  let curCounts: CategoryCounts;
  let missing: number;
  if (baseline.kind === 'numeric') {
    comparison = compareNumeric(baseline, current as ArrayLike<number | null>);
    missing = comparison.missing;
    curCounts = {};
  } else {
    curCounts = cat!.counts;
    missing = cat!.missing;
  }
  const nCurrent = current.length - missing;
  const missingRate = current.length === 0 ? 0 : missing / current.length;
  if (nCurrent === 0) {
    return {
      ...base,
      statistic: null,
      drifted: true,
      nCurrent,
      missingRate,
      note: 'no non-missing values in the current window',
    };
  }
  let statistic: number;
  let pValue: number | undefined;
  const lowCardinality = baseline.kind === 'numeric' && nUnique <= LOW_CARDINALITY;
  const onNumbers =
    method === 'ks' || method === 'wasserstein' || method === 'psi' || (method === 'jensen_shannon' && !lowCardinality);
  if (baseline.kind === 'numeric' && onNumbers) {
    ({ statistic, pValue } = numericStatistic(method, comparison!, nReference));
  } else if (baseline.kind === 'numeric') {
    // Few distinct numbers are compared as categories, as Evidently does.
    const values = Array.from(current as ArrayLike<number | null>).filter(
      (v): v is number => v !== null && v !== undefined && !Number.isNaN(v),
    );
    ({ statistic, pValue } = categoricalStatistic(method, numericCounts(baseline.sorted), numericCounts(values)));
  } else {
    ({ statistic, pValue } = categoricalStatistic(method, refCounts!, curCounts));
  }
  const numeric =
    comparison && !lowCardinality ? (({ nCurrent: _n, missing: _m, ...rest }) => rest)(comparison) : undefined;
  return {
    ...base,
    statistic,
    ...(pValue === undefined ? {} : { pValue }),
    drifted: isDrifted(method, statistic, pValue, threshold),
    nCurrent,
    missingRate,
    ...(numeric ? { numeric } : {}),
  };
}

function numericStatistic(
  method: DriftMethod,
  c: NumericComparison,
  nReference: number,
): { statistic: number; pValue?: number } {
  if (method === 'ks') {
    const ks = ksPValue(c.ksStatistic, nReference, c.nCurrent);
    return { statistic: ks.statistic, pValue: ks.pValue };
  }
  if (method === 'wasserstein') return { statistic: c.wassersteinNormed };
  if (method === 'psi') return { statistic: c.psi };
  return { statistic: c.jensenShannon };
}
