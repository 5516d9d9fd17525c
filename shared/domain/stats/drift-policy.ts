/**
 * Drift methods, their default thresholds and Evidently's default choice of test by reference
 * size and number of distinct values; a policy overrides method and threshold per feature.
 */
import { invalid } from './validation.js';

/** Drift statistics a feature can be judged by. */
export const DRIFT_METHODS = [
  'ks',
  'chi_square',
  'z_test',
  'wasserstein',
  'jensen_shannon',
  'psi',
  'l_infinity',
] as const;
/** A drift statistic. */
export type DriftMethod = (typeof DRIFT_METHODS)[number];

/** Methods judged by p-value (drift when p < threshold); the others are distances (drift when ≥). */
export const P_VALUE_METHODS = ['ks', 'chi_square', 'z_test'] as const satisfies readonly DriftMethod[];

/** Methods that need numbers (a categorical feature cannot use them). */
export const NUMERIC_ONLY_METHODS = ['ks', 'wasserstein', 'psi'] as const satisfies readonly DriftMethod[];

/** Kinds of feature. */
export const FEATURE_KINDS = ['numeric', 'categorical'] as const;
/** Kind of a feature. */
export type FeatureKind = (typeof FEATURE_KINDS)[number];

/**
 * Default thresholds: Evidently's (p 0.05; Wasserstein, JS and PSI 0.1); L-infinity 0.3 follows
 * the Vertex AI monitoring notebook convention.
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = {
  ks: 0.05,
  chi_square: 0.05,
  z_test: 0.05,
  wasserstein: 0.1,
  jensen_shannon: 0.1,
  psi: 0.1,
  l_infinity: 0.3,
};

/** Evidently switches from tests to distances above this many reference rows. */
export const SMALL_REFERENCE_ROWS = 1000;
/** Numeric columns with at most this many distinct values are treated as categories (Evidently). */
export const LOW_CARDINALITY = 5;
/** Dataset drift when at least this share of features drift (Evidently `drift_share`). */
export const DEFAULT_DRIFT_SHARE = 0.5;

/** Per-feature override of the default method and/or threshold. */
export interface FeatureDriftOverride {
  method?: DriftMethod;
  threshold?: number;
}

/** Overrides keyed by feature name, e.g. `{ price: { method: 'psi', threshold: 0.2 } }`. */
export type DriftPolicy = Readonly<Record<string, FeatureDriftOverride>>;

/**
 * Evidently's `_get_default_stattest`: ≤ 1,000 reference rows → KS for numeric with > 5 distinct
 * values, Z-test for ≤ 2 distinct, chi-square otherwise; above → normed Wasserstein for numeric with
 * > 5 distinct values, Jensen-Shannon otherwise. `nUnique` counts reference ∪ current.
 */
export function defaultDriftMethod(kind: FeatureKind, nReference: number, nUnique: number): DriftMethod {
  const manyValues = kind === 'numeric' && nUnique > LOW_CARDINALITY;
  if (nReference <= SMALL_REFERENCE_ROWS) {
    if (manyValues) return 'ks';
    return nUnique > 2 ? 'chi_square' : 'z_test';
  }
  return manyValues ? 'wasserstein' : 'jensen_shannon';
}

/** Whether a method is judged by its p-value. */
export function isPValueMethod(method: DriftMethod): boolean {
  return (P_VALUE_METHODS as readonly DriftMethod[]).includes(method);
}

/** The drift rule: p < threshold for tests, statistic ≥ threshold for distances. */
export function isDrifted(
  method: DriftMethod,
  statistic: number,
  pValue: number | undefined,
  threshold: number,
): boolean {
  return isPValueMethod(method) ? (pValue as number) < threshold : statistic >= threshold;
}

/** Resolve method and threshold for a feature; throws `ValidationError` for a bad override. */
export function resolveMethod(
  feature: string,
  kind: FeatureKind,
  nReference: number,
  nUnique: number,
  override: FeatureDriftOverride | undefined,
): { method: DriftMethod; threshold: number } {
  const method = override?.method ?? defaultDriftMethod(kind, nReference, nUnique);
  if (!(DRIFT_METHODS as readonly string[]).includes(method))
    invalid(
      'drift policy',
      `${feature}.method`,
      `unknown method '${method}' (expected one of ${DRIFT_METHODS.join(', ')})`,
    );
  if (kind === 'categorical' && (NUMERIC_ONLY_METHODS as readonly string[]).includes(method)) {
    invalid('drift policy', `${feature}.method`, `${method} needs a numeric feature`);
  }
  const threshold = override?.threshold ?? DEFAULT_THRESHOLDS[method];
  const bad = isPValueMethod(method)
    ? !(threshold > 0 && threshold < 1)
    : !(threshold >= 0 && Number.isFinite(threshold));
  if (bad) invalid('drift policy', `${feature}.threshold`, `${threshold} is not a valid threshold for ${method}`);
  return { method, threshold };
}
