/**
 * The evaluation gate (TFX Evaluator + InfraValidator style): value thresholds, change thresholds
 * against the champion (skipped on the first model), beat-the-baseline, data validation and
 * servability. Every check is recorded as evidence, passed or not, with the scale its metric was read on:
 * with `policy.gate.scale: 'log'`, R², MSE, MAE and RMSE come from `metrics.logScale` (the scale a
 * log-target model trains on); MAPE, directional accuracy and overfitting are scale-free.
 */
import type { MetricSet } from '../state.js';
import {
  METRIC_DIRECTION,
  type ChangeThreshold,
  type GateMetric,
  type GateScale,
  type ModelPolicy,
  type ValueThreshold,
} from './policy.js';

/** The kinds of gate check. */
export const GATE_CHECKS = [
  'value-threshold',
  'change-threshold',
  'beats-baseline',
  'validation',
  'servability',
] as const;
/** A gate check kind. */
export type GateCheck = (typeof GATE_CHECKS)[number];

/** Metrics whose value depends on the target's scale: read from `metrics.logScale` when the gate judges on the log scale. */
export const SCALE_DEPENDENT_METRICS: readonly GateMetric[] = ['r2', 'mse', 'mae', 'rmse'];

/** How an observed value is compared with its threshold. */
export type Comparator = '>=' | '<=' | '<' | '>' | '==';

/** One recorded check: what was observed, against what, and whether it passed. */
export interface GateEvidence {
  check: GateCheck;
  metric?: GateMetric;
  /** The scale the metric was read on (`log`: from `metrics.logScale`). */
  scale?: GateScale;
  /** The compared quantity: the metric value, its change vs the champion, or a boolean. */
  observed: number | boolean | null;
  /** The bound it was compared with (a boolean for validation and servability). */
  threshold: number | boolean | null;
  /** How `observed` is compared with `threshold`. */
  comparator: Comparator;
  /** The champion's or the baseline model's value, for change and beat-baseline checks. */
  reference?: number;
  /** For change thresholds: which bound of the threshold. */
  change?: 'absolute' | 'relative';
  passed: boolean;
  skipped?: boolean;
  note?: string;
}

/** What the gate needs to decide. */
export interface GateInput {
  candidate: MetricSet;
  /** The ridge baseline trained in the same run, on the same split. */
  baselineModel: MetricSet;
  /** The champion's metrics on the candidate's test data; absent for the first model. */
  champion?: MetricSet;
  validationPassed: boolean;
  servability: { ok: boolean; error?: string };
  policy: ModelPolicy;
}

/** The gate's verdict. */
export type GateVerdict =
  { kind: 'blessed'; evidence: GateEvidence[] } | { kind: 'rejected'; reasons: string[]; evidence: GateEvidence[] };

const NO_BASELINE = 'no baseline (first run)';

/** Decide whether a candidate is blessed; rejected verdicts carry one reason per failed check. */
export function evaluateGate(input: GateInput): GateVerdict {
  const { policy } = input;
  const on = (metrics: MetricSet): Reader => reader(metrics, policy.gate.scale);
  const evidence: GateEvidence[] = [
    ...policy.gate.valueThresholds.flatMap((t) => valueChecks(on(input.candidate), t)),
    ...policy.gate.changeThresholds.flatMap((t) =>
      changeChecks(on(input.candidate), input.champion && on(input.champion), t),
    ),
  ];
  if (policy.gate.mustBeatBaseline)
    evidence.push(beatsBaseline(on(input.candidate), on(input.baselineModel), policy.gate.baselineMetric));
  evidence.push({
    check: 'validation',
    observed: input.validationPassed,
    threshold: true,
    comparator: '==',
    passed: input.validationPassed,
  });
  evidence.push({
    check: 'servability',
    observed: input.servability.ok,
    threshold: true,
    comparator: '==',
    passed: input.servability.ok,
    ...(input.servability.error === undefined ? {} : { note: input.servability.error }),
  });
  const reasons = evidence.filter((e) => !e.passed).map(describeFailure);
  return reasons.length === 0 ? { kind: 'blessed', evidence } : { kind: 'rejected', reasons, evidence };
}

/** Reads metric values on one scale; `missing` says why a value is absent. */
interface Reader {
  value(metric: GateMetric): number | undefined;
  scaleOf(metric: GateMetric): GateScale;
  missing(metric: GateMetric): string;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function reader(metrics: MetricSet, scale: GateScale): Reader {
  const logScale =
    typeof metrics.logScale === 'object' && metrics.logScale !== null
      ? (metrics.logScale as Record<string, unknown>)
      : undefined;
  const onLog = (metric: GateMetric): boolean => scale === 'log' && SCALE_DEPENDENT_METRICS.includes(metric);
  return {
    value: (metric) => finite(onLog(metric) ? logScale?.[metric] : metrics[metric]),
    scaleOf: (metric) => (onLog(metric) ? 'log' : 'target'),
    missing: (metric) =>
      onLog(metric) && logScale === undefined
        ? 'has no log-scale metrics (metrics.logScale): the model does not train on a log target; judge it with policy.gate.scale "target"'
        : 'metric missing or not a finite number',
  };
}

function valueChecks(candidate: Reader, t: ValueThreshold): GateEvidence[] {
  const observed = candidate.value(t.metric) ?? null;
  const bounds: [number | undefined, '>=' | '<='][] = [
    [t.lower, '>='],
    [t.upper, '<='],
  ];
  return bounds
    .filter((b): b is [number, '>=' | '<='] => b[0] !== undefined)
    .map(([threshold, comparator]) => ({
      check: 'value-threshold' as const,
      metric: t.metric,
      scale: candidate.scaleOf(t.metric),
      observed,
      threshold,
      comparator,
      passed: observed !== null && compare(observed, comparator, threshold),
      ...(observed === null ? { note: `candidate ${candidate.missing(t.metric)}` } : {}),
    }));
}

function changeChecks(candidate: Reader, champion: Reader | undefined, t: ChangeThreshold): GateEvidence[] {
  const comparator: Comparator = t.direction === 'higher' ? '>=' : '<=';
  const bounds: ['absolute' | 'relative', number | undefined][] = [
    ['absolute', t.absolute],
    ['relative', t.relative],
  ];
  return bounds
    .filter((b): b is ['absolute' | 'relative', number] => b[1] !== undefined)
    .map(([change, threshold]) => {
      const base = {
        check: 'change-threshold' as const,
        metric: t.metric,
        scale: candidate.scaleOf(t.metric),
        threshold,
        comparator,
        change,
      };
      if (champion === undefined) return { ...base, observed: null, passed: true, skipped: true, note: NO_BASELINE };
      const cand = candidate.value(t.metric);
      const ref = champion.value(t.metric);
      if (cand === undefined || ref === undefined) {
        const note =
          cand === undefined ? `candidate ${candidate.missing(t.metric)}` : `champion ${champion.missing(t.metric)}`;
        return { ...base, observed: null, ...(ref === undefined ? {} : { reference: ref }), passed: false, note };
      }
      if (change === 'relative' && ref === 0) {
        return {
          ...base,
          observed: null,
          reference: ref,
          passed: true,
          skipped: true,
          note: 'champion value is 0: relative change undefined',
        };
      }
      const observed = change === 'absolute' ? cand - ref : (cand - ref) / Math.abs(ref);
      return {
        ...base,
        observed,
        reference: ref,
        passed: compare(observed, comparator, threshold),
        note: `candidate ${cand} vs champion ${ref}`,
      };
    });
}

function beatsBaseline(candidate: Reader, baseline: Reader, metric: GateMetric): GateEvidence {
  const comparator: Comparator = METRIC_DIRECTION[metric] === 'higher' ? '>' : '<';
  const cand = candidate.value(metric) ?? null;
  const ref = baseline.value(metric);
  const base = {
    check: 'beats-baseline' as const,
    metric,
    scale: candidate.scaleOf(metric),
    observed: cand,
    threshold: ref ?? null,
    comparator,
  };
  if (cand === null || ref === undefined) {
    return {
      ...base,
      passed: false,
      note: cand === null ? `candidate ${candidate.missing(metric)}` : `baseline ${baseline.missing(metric)}`,
    };
  }
  return {
    ...base,
    reference: ref,
    passed: compare(cand, comparator, ref),
    note: 'candidate must be strictly better than the ridge baseline',
  };
}

/** Inclusive bounds tolerate float noise, so 0.82 - 0.84 passes a `>= -0.02` change threshold. */
const EPSILON = 1e-9;

function compare(observed: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '>=':
      return observed >= threshold - EPSILON;
    case '<=':
      return observed <= threshold + EPSILON;
    case '>':
      return observed > threshold;
    case '<':
      return observed < threshold;
    case '==':
      return observed === threshold;
  }
}

function fmt(value: number | boolean | null): string {
  return typeof value === 'number' ? String(Number(value.toPrecision(6))) : String(value);
}

function metricName(e: GateEvidence): string {
  return e.scale === 'log' ? `${String(e.metric)} (log scale)` : String(e.metric);
}

/** One human-readable sentence per failed check (goes into the rejection reasons and the audit log). */
export function describeFailure(e: GateEvidence): string {
  const suffix = e.note === undefined ? '' : ` (${e.note})`;
  switch (e.check) {
    case 'value-threshold':
      return `${metricName(e)} ${fmt(e.observed)} fails value threshold ${e.comparator} ${fmt(e.threshold)}${suffix}`;
    case 'change-threshold':
      return `${metricName(e)} ${e.change} change vs champion ${fmt(e.observed)} fails ${e.comparator} ${fmt(e.threshold)}${suffix}`;
    case 'beats-baseline':
      return `${metricName(e)} ${fmt(e.observed)} does not beat the baseline model's ${fmt(e.threshold)}${suffix}`;
    case 'validation':
      return 'data validation failed';
    case 'servability':
      return `servability check failed${suffix}`;
  }
}
