/**
 * The A/B (or canary) decision: promote the candidate, roll it back, or stay inconclusive
 * (extend, or stop when the maximum duration is reached). Absolute errors of the two arms are
 * compared with Welch's t-test, Mann-Whitney U and a bootstrap CI of the MAE difference;
 * guardrails (error rate, latency, ...) breached by the candidate end the experiment early.
 */
import { mannWhitneyU, welchTTest, type MannWhitneyResult, type WelchResult } from './ab-tests.js';
import { summarizeArm, type ArmPairs, type ArmSummary } from './arm-metrics.js';
import { bootstrapMaeDifference, type BootstrapInterval, type Prng } from './bootstrap.js';
import { invalid } from './validation.js';

/** Outcomes of an experiment. */
export const EXPERIMENT_OUTCOMES = ['promote', 'rollback', 'inconclusive'] as const;
/** An experiment outcome. */
export type ExperimentOutcome = (typeof EXPERIMENT_OUTCOMES)[number];
/** What to do after an inconclusive analysis. */
export const INCONCLUSIVE_NEXT = ['extend', 'stop'] as const;

/** An operational limit on the candidate: breached when `value` exceeds `limit` (or falls below, for 'min'). */
export interface Guardrail {
  name: string;
  value: number;
  limit: number;
  /** 'max' (default): value must stay ≤ limit; 'min': value must stay ≥ limit. */
  bound?: 'max' | 'min';
}

/** Decision policy of an experiment. */
export interface ExperimentPolicy {
  /** Labelled predictions each arm needs before the tests are trusted (≥ 2). */
  minSamplesPerArm: number;
  /** Significance level (default 0.05). */
  alpha?: number;
  /** True when the experiment has run its full duration (inconclusive then means stop). */
  maxDurationReached?: boolean;
  guardrails?: readonly Guardrail[];
  /** Bootstrap resamples (default 1000). */
  bootstrapResamples?: number;
}

/** Everything the decision was based on, for the audit record. */
export interface ExperimentEvidence {
  control: ArmSummary;
  candidate: ArmSummary;
  alpha: number;
  minSamplesPerArm: number;
  /** Tests on absolute errors, candidate vs control (absent when samples are insufficient). */
  welch?: WelchResult;
  mannWhitney?: MannWhitneyResult;
  bootstrap?: BootstrapInterval;
  breachedGuardrails: Guardrail[];
}

/** The decision, as a discriminated union on `kind`. */
export type ExperimentDecision =
  | { kind: 'promote'; reasons: string[]; evidence: ExperimentEvidence }
  | { kind: 'rollback'; reasons: string[]; evidence: ExperimentEvidence }
  | { kind: 'inconclusive'; next: (typeof INCONCLUSIVE_NEXT)[number]; reasons: string[]; evidence: ExperimentEvidence };

function breached(g: Guardrail): boolean {
  return (g.bound ?? 'max') === 'max' ? g.value > g.limit : g.value < g.limit;
}

/**
 * Decide an experiment. Promote when the candidate's MAE is significantly lower by both tests or
 * the bootstrap CI of MAE(candidate) - MAE(control) lies entirely below 0; roll back when it is
 * significantly higher the same way, or when a guardrail is breached; otherwise inconclusive.
 * Throws `ValidationError` for an invalid policy or an arm without complete pairs.
 */
export function decideExperiment(
  control: ArmPairs,
  candidate: ArmPairs,
  policy: ExperimentPolicy,
  prng: Prng,
): ExperimentDecision {
  const alpha = policy.alpha ?? 0.05;
  if (!(Number.isInteger(policy.minSamplesPerArm) && policy.minSamplesPerArm >= 2))
    invalid('experiment policy', 'minSamplesPerArm', `must be an integer >= 2, got ${policy.minSamplesPerArm}`);
  if (!(alpha > 0 && alpha < 1)) invalid('experiment policy', 'alpha', `must be in (0, 1), got ${alpha}`);
  const ctl = summarizeArm(control, 'control');
  const cand = summarizeArm(candidate, 'candidate');
  const breachedGuardrails = (policy.guardrails ?? []).filter(breached);
  const evidence: ExperimentEvidence = {
    control: ctl.summary,
    candidate: cand.summary,
    alpha,
    minSamplesPerArm: policy.minSamplesPerArm,
    breachedGuardrails,
  };
  const next = policy.maxDurationReached ? 'stop' : 'extend';

  if (breachedGuardrails.length > 0) {
    const reasons = breachedGuardrails.map(
      (g) => `guardrail ${g.name} breached: ${g.value} ${(g.bound ?? 'max') === 'max' ? '>' : '<'} ${g.limit}`,
    );
    return { kind: 'rollback', reasons, evidence };
  }
  const short = (['control', 'candidate'] as const).filter((arm) => evidence[arm].count < policy.minSamplesPerArm);
  if (short.length > 0) {
    const reasons = short.map(
      (arm) => `${arm} has ${evidence[arm].count} labelled predictions, needs ${policy.minSamplesPerArm}`,
    );
    return { kind: 'inconclusive', next, reasons, evidence };
  }

  evidence.welch = welchTTest(cand.absErrors, ctl.absErrors);
  evidence.mannWhitney = mannWhitneyU(cand.absErrors, ctl.absErrors);
  evidence.bootstrap = bootstrapMaeDifference(ctl.absErrors, cand.absErrors, prng, {
    resamples: policy.bootstrapResamples,
    alpha,
  });
  const { welch, mannWhitney, bootstrap } = evidence;
  const bothSignificant = welch.pValue < alpha && mannWhitney.pValue < alpha;
  const maeDelta = cand.summary.mae - ctl.summary.mae;
  const testsText = `Welch p=${welch.pValue.toPrecision(3)}, Mann-Whitney p=${mannWhitney.pValue.toPrecision(3)}`;
  const ciText = `${bootstrap.confidence * 100}% CI of MAE difference [${bootstrap.lower.toPrecision(4)}, ${bootstrap.upper.toPrecision(4)}]`;

  const lowerByTests = bothSignificant && maeDelta < 0;
  const higherByTests = bothSignificant && maeDelta > 0;
  if ((lowerByTests || bootstrap.upper < 0) && !(higherByTests || bootstrap.lower > 0)) {
    const reasons = [
      `candidate MAE ${cand.summary.mae.toPrecision(4)} < control MAE ${ctl.summary.mae.toPrecision(4)}`,
    ];
    if (lowerByTests) reasons.push(`significantly lower by both tests (${testsText}) at alpha ${alpha}`);
    if (bootstrap.upper < 0) reasons.push(`${ciText} lies entirely below 0`);
    return { kind: 'promote', reasons, evidence };
  }
  if (higherByTests || bootstrap.lower > 0) {
    const reasons = [
      `candidate MAE ${cand.summary.mae.toPrecision(4)} > control MAE ${ctl.summary.mae.toPrecision(4)}`,
    ];
    if (higherByTests) reasons.push(`significantly higher by both tests (${testsText}) at alpha ${alpha}`);
    if (bootstrap.lower > 0) reasons.push(`${ciText} lies entirely above 0`);
    return { kind: 'rollback', reasons, evidence };
  }
  const reasons = [`no significant difference in MAE (${testsText}; ${ciText} contains 0)`];
  reasons.push(
    next === 'extend'
      ? 'extend the experiment to collect more labelled predictions'
      : 'maximum duration reached: stop and keep the control',
  );
  return { kind: 'inconclusive', next, reasons, evidence };
}
