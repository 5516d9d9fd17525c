/**
 * The drift report: every feature of the baseline judged against the current window, plus the
 * dataset verdict (drift when the share of drifted features reaches `driftShare`, default 0.5),
 * and prediction drift (the same numeric test applied to the model's outputs).
 */
import { DEFAULT_DRIFT_SHARE, type DriftPolicy, type FeatureDriftOverride } from './drift-policy.js';
import {
  featureDrift,
  type CurrentColumn,
  type FeatureBaselineInput,
  type FeatureDriftResult,
} from './feature-drift.js';
import { STATS_INPUT_INVALID } from './validation.js';
import { ValidationError, type Issue } from '../errors.js';

/** Dataset-level verdict. */
export interface DatasetDriftVerdict {
  /** nDrifted / nFeatures. */
  driftedShare: number;
  /** driftedShare ≥ driftShare. */
  drifted: boolean;
  nFeatures: number;
  nDrifted: number;
  /** The share that makes the dataset drift. */
  driftShare: number;
}

/** Per-feature results (in baseline order) and the dataset verdict. */
export interface DriftReport {
  features: FeatureDriftResult[];
  dataset: DatasetDriftVerdict;
}

/** Input of `driftReport`. */
export interface DriftReportInput {
  /** Feature → baseline (fitted numeric, categorical counts, or raw numeric values). */
  baseline: Readonly<Record<string, FeatureBaselineInput>>;
  /** Feature → current column; every baseline feature must be present. Extra columns are ignored. */
  current: Readonly<Record<string, CurrentColumn>>;
  /** Per-feature overrides of method and threshold. */
  policy?: DriftPolicy;
  /** Share of drifted features that makes the dataset drift (default 0.5). */
  driftShare?: number;
}

/**
 * Judge every baseline feature against the current window. Throws one `ValidationError` listing
 * every problem: no features, a baseline feature missing from `current`, a policy entry for an
 * unknown feature, or a driftShare outside (0, 1].
 */
export function driftReport(input: DriftReportInput): DriftReport {
  const names = Object.keys(input.baseline);
  const policy = input.policy ?? {};
  const driftShare = input.driftShare ?? DEFAULT_DRIFT_SHARE;
  const issues: Issue[] = [];
  if (names.length === 0) issues.push({ path: 'baseline', message: 'has no features' });
  for (const f of names)
    if (!(f in input.current))
      issues.push({ path: `current.${f}`, message: 'column is missing from the current window' });
  for (const f of Object.keys(policy))
    if (!(f in input.baseline)) issues.push({ path: `policy.${f}`, message: 'names a feature that has no baseline' });
  if (!(driftShare > 0 && driftShare <= 1))
    issues.push({ path: 'driftShare', message: `must be in (0, 1], got ${driftShare}` });
  if (issues.length > 0) throw new ValidationError('drift report input', issues, STATS_INPUT_INVALID);

  const features = names.map((f) => featureDrift(f, input.baseline[f], input.current[f], policy[f]));
  const nDrifted = features.filter((r) => r.drifted).length;
  const driftedShare = nDrifted / features.length;
  return {
    features,
    dataset: { driftedShare, drifted: driftedShare >= driftShare, nFeatures: features.length, nDrifted, driftShare },
  };
}

/** Prediction drift: the predictions judged like a numeric feature named `prediction`. */
export function predictionDrift(
  baseline: FeatureBaselineInput,
  predictions: ArrayLike<number | null>,
  override?: FeatureDriftOverride,
): FeatureDriftResult {
  return featureDrift('prediction', baseline, predictions, override);
}
