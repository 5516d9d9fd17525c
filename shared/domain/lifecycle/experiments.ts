/**
 * Canary experiments as stored documents (`experiments/{modelId}@{candidate}`) and the pure decisions
 * about them: opening one when a canary starts, ending it when its candidate leaves canary, and turning
 * an analysis into the next step. One experiment per candidate: a version enters canary at most once.
 */
import { z } from 'zod';
import { EXPERIMENT_OUTCOMES, type ExperimentDecision, type ExperimentOutcome } from '../stats/experiment-decision.js';
import type { ModelPolicy } from './policy.js';
import { EXPERIMENT_STATES } from './state-machines.js';

/** What a concluded experiment asks for: promote or roll back the candidate, or hold it in canary for a human. */
export const EXPERIMENT_ACTIONS = ['promote', 'rollback', 'hold'] as const;
/** An experiment action. */
export type ExperimentAction = (typeof EXPERIMENT_ACTIONS)[number];

/** Why a running experiment was aborted: its candidate left canary by a command other than its own decision. */
export const EXPERIMENT_ABORT_CAUSES = ['promoted', 'rolled-back', 'superseded'] as const;
/** An abort cause. */
export type ExperimentAbortCause = (typeof EXPERIMENT_ABORT_CAUSES)[number];

const iso = z.string().min(1);

/** `experiments/{id}`. */
export const experimentDocSchema = z.looseObject({
  experimentId: z.string().min(1),
  modelId: z.string().min(1),
  kind: z.literal('canary'),
  control: z.string().min(1),
  candidate: z.string().min(1),
  status: z.enum(EXPERIMENT_STATES),
  startedAt: iso,
  deadline: iso,
  /** Labelled predictions each arm needs now (doubled by each extension). */
  minSamplesPerArm: z.number().int(),
  extensions: z.number().int(),
  /** The policy's experiment settings when it opened (missing: today's defaults, read through `parsePolicy`). */
  config: z.record(z.string(), z.unknown()).default({}),
  lastAnalysis: z.record(z.string(), z.unknown()).optional(),
  outcome: z.enum(EXPERIMENT_OUTCOMES).optional(),
  action: z.enum(EXPERIMENT_ACTIONS).optional(),
  reasons: z.array(z.string()).optional(),
  evidence: z.record(z.string(), z.unknown()).optional(),
  concludedAt: z.string().optional(),
  abortCause: z.enum(EXPERIMENT_ABORT_CAUSES).optional(),
  abortedAt: z.string().optional(),
  createdAt: iso,
  updatedAt: iso,
});
/** `experiments/{id}`. */
export type ExperimentDoc = z.output<typeof experimentDocSchema>;

/** The id of the experiment of a candidate version. */
export function experimentId(modelId: string, candidate: string): string {
  return `${modelId}@${candidate}`;
}

/** A new running experiment of `candidate` against the champion `control`, configured from the policy. */
export function newExperiment(input: {
  modelId: string;
  control: string;
  candidate: string;
  startedAt: string;
  policy: ModelPolicy;
}): ExperimentDoc {
  const { modelId, control, candidate, startedAt, policy } = input;
  return {
    experimentId: experimentId(modelId, candidate),
    modelId,
    kind: 'canary',
    control,
    candidate,
    status: 'running',
    startedAt,
    deadline: new Date(Date.parse(startedAt) + policy.experiment.maxDurationHours * 3_600_000).toISOString(),
    minSamplesPerArm: policy.experiment.minSamplesPerArm,
    extensions: 0,
    config: policy.experiment,
    createdAt: startedAt,
    updatedAt: startedAt,
  };
}

/** A running experiment aborted because its candidate left canary (`cause`), with the reason. */
export function abortExperiment(
  doc: ExperimentDoc,
  cause: ExperimentAbortCause,
  reason: string,
  at: string,
): ExperimentDoc {
  return { ...doc, status: 'aborted', abortCause: cause, reasons: [reason], abortedAt: at, updatedAt: at };
}

/** The next step of an experiment after an analysis. */
export type ExperimentStep =
  | { kind: 'wait'; reasons: string[] }
  | { kind: 'extend'; reasons: string[]; evidence: Record<string, unknown> }
  | {
      kind: 'conclude';
      outcome: ExperimentOutcome;
      action: ExperimentAction;
      reasons: string[];
      evidence: Record<string, unknown>;
    };

/** What `judgeExperiment` needs besides the analysis. */
export interface JudgeInput {
  /** The analysis: a decision, or `undefined` when an arm has no labelled prediction at all. */
  decision: ExperimentDecision | undefined;
  deadlineReached: boolean;
  /** Labelled predictions per arm the experiment needs now (after extensions). */
  minSamplesPerArm: number;
  control: number;
  candidate: number;
}

const HOLD =
  'not enough labelled predictions to judge the canary: it keeps its traffic until an operator promotes or rolls it back';

/**
 * Turn an analysis into a step. A significant result or a breached guardrail concludes at once; an
 * inconclusive result at the current minimum extends it (sample doubled) until the deadline. At the
 * deadline, no significant difference on enough data keeps the control (roll back), while too little
 * labelled data proves nothing about the candidate: the experiment ends inconclusive and holds the canary
 * for a human instead of rolling it back.
 */
export function judgeExperiment(input: JudgeInput): ExperimentStep {
  const { decision, deadlineReached } = input;
  const counts = `control has ${input.control} and candidate ${input.candidate} labelled predictions`;
  if (decision === undefined) {
    return deadlineReached
      ? {
          kind: 'conclude',
          outcome: 'inconclusive',
          action: 'hold',
          reasons: [counts, 'deadline passed', HOLD],
          evidence: { control: input.control, candidate: input.candidate },
        }
      : { kind: 'wait', reasons: [counts] };
  }
  const evidence = decision.evidence as unknown as Record<string, unknown>;
  if (decision.kind === 'promote' || decision.kind === 'rollback')
    return { kind: 'conclude', outcome: decision.kind, action: decision.kind, reasons: decision.reasons, evidence };
  const enough =
    decision.evidence.control.count >= decision.evidence.minSamplesPerArm &&
    decision.evidence.candidate.count >= decision.evidence.minSamplesPerArm;
  if (decision.next === 'extend') {
    const reached = input.control >= input.minSamplesPerArm && input.candidate >= input.minSamplesPerArm;
    return reached
      ? { kind: 'extend', reasons: decision.reasons, evidence }
      : { kind: 'wait', reasons: decision.reasons };
  }
  return enough
    ? { kind: 'conclude', outcome: 'inconclusive', action: 'rollback', reasons: decision.reasons, evidence }
    : {
        kind: 'conclude',
        outcome: 'inconclusive',
        action: 'hold',
        reasons: [...decision.reasons, 'deadline passed', HOLD],
        evidence,
      };
}
