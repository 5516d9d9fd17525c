/**
 * Canary / A-B experiments. The promotion service opens `experiments/{modelId}@{candidate}` in the
 * transaction that starts a canary (and aborts it in the one that takes the candidate out); the scheduled
 * check analyses it on every tick (and opens it for a canary that has none, e.g. one started before this
 * release): per-version count, MAE, RMSE, correlation and MAPE from the prediction log's SQL, the
 * significance tests on labelled pairs (Welch, Mann-Whitney, bootstrap CI via `decideExperiment`) and
 * guardrails (candidate latency p99, gross-error rate). `judgeExperiment` turns that into the next step;
 * a conclusion is recorded exactly once with its evidence and sent as a `promotions` command — except
 * when too little labelled data exists at the deadline: then nothing is proven either way, and the
 * canary keeps its traffic for an operator to decide.
 */
import { createHash } from 'node:crypto';
import {
  experimentDocSchema,
  experimentId,
  judgeExperiment,
  newExperiment,
  parsePolicy,
  type ExperimentDoc,
  type ExperimentStep,
} from '../domain/lifecycle/index.js';
import { COLLECTIONS, type ModelDoc, type VersionDoc, SCHEMAS } from '../domain/state.js';
import {
  createPrng,
  decideExperiment,
  quantileSorted,
  type ExperimentDecision,
  type Guardrail,
} from '../domain/stats/index.js';
import { absolutePercentError } from '../domain/stats/error-metrics.js';
import type { ArmSummary, LabelledPrediction } from '../ports/prediction-log.js';
import { DecisionLog, type ServiceDeps } from './context.js';
import { processOnce, type MessageIdentity } from './processing.js';
import { getDoc, queryDocs } from './documents.js';

export { experimentId, type ExperimentDoc } from '../domain/lifecycle/index.js';

const MIN_GUARDRAIL_SAMPLE = 10;

/** The experiment of a live canary, created if it has none (the fallback for canaries started before experiments opened with them). */
async function experimentOf(deps: ServiceDeps, model: ModelDoc, canary: VersionDoc): Promise<ExperimentDoc> {
  const id = experimentId(model.modelId, canary.version);
  const found = await getDoc(deps.store, experimentDocSchema, COLLECTIONS.experiments, id);
  if (found) return found;
  const startedAt = [...canary.stateHistory].reverse().find((h) => h.to === 'canary')?.at ?? deps.clock().toISOString();
  await deps.store.createIfAbsent(
    COLLECTIONS.experiments,
    id,
    newExperiment({
      modelId: model.modelId,
      control: model.championVersion as string,
      candidate: canary.version,
      startedAt,
      policy: parsePolicy(model.policy),
    }),
  );
  return (await getDoc(deps.store, experimentDocSchema, COLLECTIONS.experiments, id)) as ExperimentDoc;
}

function grossErrorRate(rows: readonly LabelledPrediction[], pct: number): number {
  // Percentage errors by the one error rule (domain/stats/error-metrics): pairs with a zero actual are not judged.
  const judged = rows.flatMap((r) => absolutePercentError(r.prediction, r.actualValue) ?? []);
  return judged.length === 0 ? 0 : judged.filter((ape) => ape > pct).length / judged.length;
}

/** Everything one analysis reads from the prediction log. */
interface ArmData {
  control: LabelledPrediction[];
  candidate: LabelledPrediction[];
  sql: ArmSummary[];
  latencyP99Ms: number | null;
  candidateServed: number;
}

async function readArms(deps: ServiceDeps, exp: ExperimentDoc): Promise<ArmData> {
  const window = { since: exp.startedAt, limit: 100_000 };
  const [control, candidate, sql, served] = await Promise.all([
    deps.predictionLog.labelled(exp.modelId, { ...window, version: exp.control }),
    deps.predictionLog.labelled(exp.modelId, { ...window, version: exp.candidate }),
    deps.predictionLog.armSummaries(exp.modelId, { since: exp.startedAt }),
    deps.predictionLog.recent(exp.modelId, { ...window, version: exp.candidate }),
  ]);
  const latencies = Float64Array.from(served, (r) => r.latencyMs).sort();
  return {
    control,
    candidate,
    sql: sql.filter((s) => s.version === exp.control || s.version === exp.candidate),
    latencyP99Ms: latencies.length === 0 ? null : quantileSorted(latencies, 0.99),
    candidateServed: served.length,
  };
}

/** The guardrails that apply once enough data exists to judge them. */
export function guardrails(exp: ExperimentDoc, arms: ArmData): Guardrail[] {
  const config = parsePolicy({ experiment: exp.config }).experiment;
  const out: Guardrail[] = [];
  if (arms.latencyP99Ms !== null && arms.candidateServed >= MIN_GUARDRAIL_SAMPLE) {
    out.push({ name: 'latency_p99_ms', value: arms.latencyP99Ms, limit: config.maxLatencyP99Ms });
  }
  if (arms.control.length >= MIN_GUARDRAIL_SAMPLE && arms.candidate.length >= MIN_GUARDRAIL_SAMPLE) {
    const limit = grossErrorRate(arms.control, config.grossErrorPct) + config.maxGrossErrorRateIncrease;
    out.push({ name: 'gross_error_rate', value: grossErrorRate(arms.candidate, config.grossErrorPct), limit });
  }
  return out;
}

function seedOf(id: string): number {
  return Number.parseInt(createHash('sha256').update(id).digest('hex').slice(0, 8), 16);
}

/** Analyse an experiment's data (pure given the data and the time): the decision, or undefined while an arm has no labelled prediction. */
export function analyse(exp: ExperimentDoc, arms: ArmData, now: Date): ExperimentDecision | undefined {
  const config = parsePolicy({ experiment: exp.config }).experiment;
  const maxDurationReached = now.getTime() >= Date.parse(exp.deadline);
  if (arms.control.length === 0 || arms.candidate.length === 0) return undefined;
  const pairs = (rows: LabelledPrediction[]) => ({
    predicted: rows.map((r) => r.prediction),
    actual: rows.map((r) => r.actualValue),
  });
  return decideExperiment(
    pairs(arms.control),
    pairs(arms.candidate),
    {
      // At the deadline an extended experiment is judged on what it has, if that meets the original minimum.
      minSamplesPerArm: maxDurationReached
        ? Math.min(exp.minSamplesPerArm, config.minSamplesPerArm)
        : exp.minSamplesPerArm,
      alpha: config.alpha,
      maxDurationReached,
      guardrails: guardrails(exp, arms),
      bootstrapResamples: config.bootstrapResamples,
    },
    createPrng(seedOf(`${exp.experimentId}#${exp.extensions}`)),
  );
}

/** Analyse the model's live experiment (opening it if needed); returns what happened, or undefined when none runs. */
export async function checkExperiment(
  deps: ServiceDeps,
  identity: MessageIdentity,
  modelId: string,
): Promise<Record<string, unknown> | undefined> {
  const model = await getDoc(deps.store, SCHEMAS.ModelDoc, COLLECTIONS.models, modelId);
  if (!model?.championVersion) return undefined;
  const canaries = await queryDocs(deps.store, SCHEMAS.VersionDoc, COLLECTIONS.versions(modelId), {
    where: [{ field: 'state', op: '==', value: 'canary' }],
  });
  if (canaries.length === 0) return undefined;
  const exp = await experimentOf(deps, model, canaries[0].data);
  if (exp.status !== 'running') return { experimentId: exp.experimentId, status: exp.status };
  const arms = await readArms(deps, exp);
  const now = deps.clock();
  const decision = analyse(exp, arms, now);
  const step = judgeExperiment({
    decision,
    deadlineReached: now.getTime() >= Date.parse(exp.deadline),
    minSamplesPerArm: exp.minSamplesPerArm,
    control: arms.control.length,
    candidate: arms.candidate.length,
  });
  if (step.kind === 'wait') {
    return record(deps, exp, {
      at: now.toISOString(),
      kind: decision?.kind ?? 'waiting',
      reasons: step.reasons,
      arms: arms.sql,
      latencyP99Ms: arms.latencyP99Ms,
    });
  }
  return conclude(deps, identity, exp, { ...step, evidence: { ...step.evidence, sql: arms.sql } });
}

async function record(
  deps: ServiceDeps,
  exp: ExperimentDoc,
  analysis: Record<string, unknown> & { at: string; kind: string },
): Promise<Record<string, unknown>> {
  await deps.store.transaction(async (tx) => {
    const current = await getDoc(tx, experimentDocSchema, COLLECTIONS.experiments, exp.experimentId);
    if (current?.status === 'running')
      tx.set(COLLECTIONS.experiments, exp.experimentId, { ...current, lastAnalysis: analysis, updatedAt: analysis.at });
  });
  return { experimentId: exp.experimentId, status: 'running', analysis: analysis.kind };
}

/** Record a conclusion (or an extension) exactly once and send its promotions command (none when it holds the canary). */
async function conclude(
  deps: ServiceDeps,
  identity: MessageIdentity,
  exp: ExperimentDoc,
  step: Exclude<ExperimentStep, { kind: 'wait' }>,
): Promise<Record<string, unknown>> {
  const key =
    step.kind === 'extend'
      ? `experiment:${exp.experimentId}:extend:${exp.extensions + 1}`
      : `experiment:${exp.experimentId}:${step.outcome}`;
  const processed = await processOnce(deps, { ...identity, dedupeKey: key }, async (tx, now) => {
    const at = now.toISOString();
    const current = await getDoc(tx, experimentDocSchema, COLLECTIONS.experiments, exp.experimentId);
    if (current?.status !== 'running') return { outcome: { kind: 'already-ended', experimentId: exp.experimentId } };
    const log = new DecisionLog({ ...identity, dedupeKey: key }, now, deps.settings.commandSigningKey);
    const subject = { kind: 'experiment' as const, id: exp.experimentId };
    const reason = step.reasons.join('; ');
    if (step.kind === 'extend') {
      const next = {
        ...current,
        minSamplesPerArm: current.minSamplesPerArm * 2,
        extensions: current.extensions + 1,
        lastAnalysis: { at, kind: 'inconclusive', reasons: step.reasons, evidence: step.evidence },
        updatedAt: at,
      };
      tx.set(COLLECTIONS.experiments, exp.experimentId, next);
      log.event(tx, {
        event: 'experiment.extended',
        modelId: exp.modelId,
        subject,
        from: 'running',
        to: 'running',
        actor: 'automation',
        reason: `${reason}; now ${next.minSamplesPerArm} per arm`,
        evidence: step.evidence,
      });
      return {
        outcome: { kind: 'extended', experimentId: exp.experimentId, minSamplesPerArm: next.minSamplesPerArm },
        messages: log.messages,
      };
    }
    tx.set(COLLECTIONS.experiments, exp.experimentId, {
      ...current,
      status: 'concluded',
      outcome: step.outcome,
      action: step.action,
      reasons: step.reasons,
      evidence: step.evidence,
      concludedAt: at,
      updatedAt: at,
    });
    log.event(tx, {
      event: 'experiment.concluded',
      modelId: exp.modelId,
      subject,
      from: 'running',
      to: 'concluded',
      actor: 'automation',
      reason: `${step.outcome} (${step.action}): ${reason}`,
      evidence: { ...step.evidence, outcome: step.outcome, action: step.action },
    });
    if (step.action !== 'hold') {
      log.command(
        'promotions',
        {
          type: 'promotion.command',
          action: step.action,
          modelId: exp.modelId,
          version: exp.candidate,
          actor: 'automation',
          reason: `experiment ${exp.experimentId} ${step.outcome}: ${reason}`.slice(0, 1000),
        },
        `${exp.experimentId}:${step.outcome}`,
      );
    }
    return {
      outcome: { kind: 'concluded', experimentId: exp.experimentId, decision: step.outcome, action: step.action },
      messages: log.messages,
    };
  });
  return processed.outcome;
}
