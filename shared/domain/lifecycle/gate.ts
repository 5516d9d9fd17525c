/**
 * The evaluation gate (TFX Evaluator + InfraValidator style): value thresholds, change thresholds
 * against the champion (skipped on the first model), beat-the-baseline, data validation and
 * servability. Every check is recorded as evidence, passed or not.
 */
import type { MetricSet } from '../state.js';
import { METRIC_DIRECTION, type ChangeThreshold, type GateMetric, type ModelPolicy, type ValueThreshold } from './policy.js';

/** The kinds of gate check. */
export const GATE_CHECKS = ['value-threshold', 'change-threshold', 'beats-baseline', 'validation', 'servability'] as const;
/** A gate check kind. */
export type GateCheck = (typeof GATE_CHECKS)[number];

/** How an observed value is compared with its threshold. */
export type Comparator = '>=' | '<=' | '<' | '>' | '==';

/** One recorded check: what was observed, against what, and whether it passed. */
export interface GateEvidence {
  check: GateCheck;
  metric?: GateMetric;
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
  | { kind: 'blessed'; evidence: GateEvidence[] }
  | { kind: 'rejected'; reasons: string[]; evidence: GateEvidence[] };

const NO_BASELINE = 'no baseline (first run)';

/** Decide whether a candidate is blessed; rejected verdicts carry one reason per failed check. */
export function evaluateGate(input: GateInput): GateVerdict {
  const { policy } = input;
  const evidence: GateEvidence[] = [
    ...policy.gate.valueThresholds.flatMap((t) => valueChecks(input.candidate, t)),
    ...policy.gate.changeThresholds.flatMap((t) => changeChecks(input.candidate, input.champion, t)),
  ];
  if (policy.gate.mustBeatBaseline) evidence.push(beatsBaseline(input.candidate, input.baselineModel, policy.gate.baselineMetric));
  evidence.push({ check: 'validation', observed: input.validationPassed, threshold: true, comparator: '==', passed: input.validationPassed });
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

/** The metric value, or undefined when missing or not a finite number. */
function metricOf(metrics: MetricSet, metric: GateMetric): number | undefined {
  const value = metrics[metric];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function valueChecks(candidate: MetricSet, t: ValueThreshold): GateEvidence[] {
  const observed = metricOf(candidate, t.metric) ?? null;
  const bounds: [number | undefined, '>=' | '<='][] = [[t.lower, '>='], [t.upper, '<=']];
  return bounds
    .filter((b): b is [number, '>=' | '<='] => b[0] !== undefined)
    .map(([threshold, comparator]) => ({
      check: 'value-threshold' as const,
      metric: t.metric,
      observed,
      threshold,
      comparator,
      passed: observed !== null && compare(observed, comparator, threshold),
      ...(observed === null ? { note: 'metric missing or not a finite number' } : {}),
    }));
}

function changeChecks(candidate: MetricSet, champion: MetricSet | undefined, t: ChangeThreshold): GateEvidence[] {
  const comparator: Comparator = t.direction === 'higher' ? '>=' : '<=';
  const bounds: ['absolute' | 'relative', number | undefined][] = [['absolute', t.absolute], ['relative', t.relative]];
  return bounds
    .filter((b): b is ['absolute' | 'relative', number] => b[1] !== undefined)
    .map(([change, threshold]) => {
      const base = { check: 'change-threshold' as const, metric: t.metric, threshold, comparator, change };
      if (champion === undefined) return { ...base, observed: null, passed: true, skipped: true, note: NO_BASELINE };
      const cand = metricOf(candidate, t.metric);
      const ref = metricOf(champion, t.metric);
      if (cand === undefined || ref === undefined) {
        const note = cand === undefined ? 'candidate metric missing or not a finite number' : 'champion metric missing or not a finite number';
        return { ...base, observed: null, ...(ref === undefined ? {} : { reference: ref }), passed: false, note };
      }
      if (change === 'relative' && ref === 0) {
        return { ...base, observed: null, reference: ref, passed: true, skipped: true, note: 'champion value is 0: relative change undefined' };
      }
      const observed = change === 'absolute' ? cand - ref : (cand - ref) / Math.abs(ref);
      return { ...base, observed, reference: ref, passed: compare(observed, comparator, threshold), note: `candidate ${cand} vs champion ${ref}` };
    });
}

function beatsBaseline(candidate: MetricSet, baseline: MetricSet, metric: GateMetric): GateEvidence {
  const comparator: Comparator = METRIC_DIRECTION[metric] === 'higher' ? '>' : '<';
  const cand = metricOf(candidate, metric) ?? null;
  const ref = metricOf(baseline, metric);
  const base = { check: 'beats-baseline' as const, metric, observed: cand, threshold: ref ?? null, comparator };
  if (cand === null || ref === undefined) {
    return { ...base, passed: false, note: `${cand === null ? 'candidate' : 'baseline'} metric missing or not a finite number` };
  }
  return { ...base, reference: ref, passed: compare(cand, comparator, ref), note: 'candidate must be strictly better than the ridge baseline' };
}

/** Inclusive bounds tolerate float noise, so 0.82 - 0.84 passes a `>= -0.02` change threshold. */
const EPSILON = 1e-9;

function compare(observed: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '>=': return observed >= threshold - EPSILON;
    case '<=': return observed <= threshold + EPSILON;
    case '>': return observed > threshold;
    case '<': return observed < threshold;
    case '==': return observed === threshold;
  }
}

function fmt(value: number | boolean | null): string {
  return typeof value === 'number' ? String(Number(value.toPrecision(6))) : String(value);
}

/** One human-readable sentence per failed check (goes into the rejection reasons and the audit log). */
export function describeFailure(e: GateEvidence): string {
  const suffix = e.note === undefined ? '' : ` (${e.note})`;
  switch (e.check) {
    case 'value-threshold':
      return `${e.metric} ${fmt(e.observed)} fails value threshold ${e.comparator} ${fmt(e.threshold)}${suffix}`;
    case 'change-threshold':
      return `${e.metric} ${e.change} change vs champion ${fmt(e.observed)} fails ${e.comparator} ${fmt(e.threshold)}${suffix}`;
    case 'beats-baseline':
      return `${e.metric} ${fmt(e.observed)} does not beat the baseline model's ${fmt(e.threshold)}${suffix}`;
    case 'validation':
      return 'data validation failed';
    case 'servability':
      return `servability check failed${suffix}`;
  }
}
