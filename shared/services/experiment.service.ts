/**
 * Canary / A-B experiments. When a version is in canary, the scheduled check opens
 * `experiments/{modelId}@{candidate}` (config from the model policy) and analyses it on every tick:
 * per-version count, MAE, RMSE, correlation and MAPE from the prediction log's SQL, the significance
 * tests on labelled pairs (Welch, Mann-Whitney, bootstrap CI via `decideExperiment`) and guardrails
 * (candidate latency p99, gross-error rate). It concludes — promote, roll back, or inconclusive at
 * the end of its duration (keep the control) — exactly once, recording the evidence on the
 * experiment and in the audit log and sending the decision as a `promotions` command. An
 * inconclusive result at the minimum sample before the deadline extends the experiment (sample doubled).
 */
import { createHash } from 'node:crypto';
import { parsePolicy, type ModelPolicy } from '../domain/lifecycle/index.js';
import { COLLECTIONS, type ModelDoc, type VersionDoc, SCHEMAS } from '../domain/state.js';
import { createPrng, decideExperiment, quantileSorted, type ExperimentDecision, type Guardrail } from '../domain/stats/index.js';
import type { ArmSummary, LabelledPrediction } from '../ports/prediction-log.js';
import { DecisionLog, type ServiceDeps } from './context.js';
import { processOnce, type MessageIdentity } from './processing.js';
import { getDoc, queryDocs } from './documents.js';

/** Experiment statuses. */
export const EXPERIMENT_STATUSES = ['running', 'concluded', 'aborted'] as const;

/** `experiments/{id}`. */
export interface ExperimentDoc {
  experimentId: string;
  modelId: string;
  kind: 'canary';
  control: string;
  candidate: string;
  status: (typeof EXPERIMENT_STATUSES)[number];
  startedAt: string;
  deadline: string;
  /** Labelled predictions each arm needs now (doubled by each extension). */
  minSamplesPerArm: number;
  extensions: number;
  config: ModelPolicy['experiment'];
  lastAnalysis?: Record<string, unknown>;
  outcome?: ExperimentDecision['kind'];
  reasons?: string[];
  evidence?: Record<string, unknown>;
  concludedAt?: string;
  createdAt: string;
  updatedAt: string;
  [extra: string]: unknown;
}

/** The id of the experiment of a candidate version. */
export function experimentId(modelId: string, candidate: string): string {
  return `${modelId}@${candidate}`;
}

const MIN_GUARDRAIL_SAMPLE = 10;

async function openExperiment(deps: ServiceDeps, model: ModelDoc, canary: VersionDoc, policy: ModelPolicy): Promise<ExperimentDoc> {
  const id = experimentId(model.modelId, canary.version);
  const found = await deps.store.get<ExperimentDoc>(COLLECTIONS.experiments, id);
  if (found) return found;
  const at = deps.clock().toISOString();
  const startedAt = [...canary.stateHistory].reverse().find((h) => h.to === 'canary')?.at ?? at;
  const doc: ExperimentDoc = {
    experimentId: id, modelId: model.modelId, kind: 'canary', control: model.championVersion as string, candidate: canary.version, status: 'running',
    startedAt, deadline: new Date(Date.parse(startedAt) + policy.experiment.maxDurationHours * 3_600_000).toISOString(),
    minSamplesPerArm: policy.experiment.minSamplesPerArm, extensions: 0, config: policy.experiment, createdAt: at, updatedAt: at,
  };
  await deps.store.createIfAbsent(COLLECTIONS.experiments, id, doc);
  return (await deps.store.get<ExperimentDoc>(COLLECTIONS.experiments, id)) as ExperimentDoc;
}

function grossErrorRate(rows: readonly LabelledPrediction[], pct: number): number {
  const judged = rows.filter((r) => r.actualValue !== 0);
  return judged.length === 0 ? 0 : judged.filter((r) => Math.abs(r.prediction - r.actualValue) / Math.abs(r.actualValue) > pct / 100).length / judged.length;
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
    control, candidate, sql: sql.filter((s) => s.version === exp.control || s.version === exp.candidate),
    latencyP99Ms: latencies.length === 0 ? null : quantileSorted(latencies, 0.99), candidateServed: served.length,
  };
}

/** The guardrails that apply once enough data exists to judge them. */
export function guardrails(exp: ExperimentDoc, arms: ArmData): Guardrail[] {
  const out: Guardrail[] = [];
  if (arms.latencyP99Ms !== null && arms.candidateServed >= MIN_GUARDRAIL_SAMPLE) {
    out.push({ name: 'latency_p99_ms', value: arms.latencyP99Ms, limit: exp.config.maxLatencyP99Ms });
  }
  if (arms.control.length >= MIN_GUARDRAIL_SAMPLE && arms.candidate.length >= MIN_GUARDRAIL_SAMPLE) {
    const limit = grossErrorRate(arms.control, exp.config.grossErrorPct) + exp.config.maxGrossErrorRateIncrease;
    out.push({ name: 'gross_error_rate', value: grossErrorRate(arms.candidate, exp.config.grossErrorPct), limit });
  }
  return out;
}

function seedOf(id: string): number {
  return Number.parseInt(createHash('sha256').update(id).digest('hex').slice(0, 8), 16);
}

/** Analyse an experiment's data (pure given the data and the time). */
export function analyse(exp: ExperimentDoc, arms: ArmData, now: Date): ExperimentDecision | { kind: 'waiting'; reasons: string[] } {
  const maxDurationReached = now.getTime() >= Date.parse(exp.deadline);
  if (arms.control.length === 0 || arms.candidate.length === 0) {
    const reasons = [`control has ${arms.control.length} and candidate ${arms.candidate.length} labelled predictions`];
    return { kind: 'waiting', reasons: maxDurationReached ? [...reasons, 'deadline passed without labelled predictions on both arms'] : reasons };
  }
  const pairs = (rows: LabelledPrediction[]) => ({ predicted: rows.map((r) => r.prediction), actual: rows.map((r) => r.actualValue) });
  return decideExperiment(pairs(arms.control), pairs(arms.candidate), {
    // At the deadline an extended experiment is judged on what it has, if that meets the original minimum.
    minSamplesPerArm: maxDurationReached ? Math.min(exp.minSamplesPerArm, exp.config.minSamplesPerArm) : exp.minSamplesPerArm, alpha: exp.config.alpha, maxDurationReached, guardrails: guardrails(exp, arms),
    bootstrapResamples: exp.config.bootstrapResamples,
  }, createPrng(seedOf(`${exp.experimentId}#${exp.extensions}`)));
}

/** Analyse the model's live experiment (opening it if needed); returns what happened, or undefined when none runs. */
export async function checkExperiment(deps: ServiceDeps, identity: MessageIdentity, modelId: string): Promise<Record<string, unknown> | undefined> {
  const model = await getDoc(deps.store, SCHEMAS.ModelDoc, COLLECTIONS.models, modelId);
  if (!model?.championVersion) return undefined;
  const canaries = await queryDocs(deps.store, SCHEMAS.VersionDoc, COLLECTIONS.versions(modelId), { where: [{ field: 'state', op: '==', value: 'canary' }] });
  if (canaries.length === 0) return undefined;
  const exp = await openExperiment(deps, model, canaries[0].data, parsePolicy(model.policy));
  if (exp.status !== 'running') return { experimentId: exp.experimentId, status: exp.status };
  const arms = await readArms(deps, exp);
  const now = deps.clock();
  const result = analyse(exp, arms, now);
  const analysis = { at: now.toISOString(), kind: result.kind, reasons: result.reasons, arms: arms.sql, latencyP99Ms: arms.latencyP99Ms };
  const timedOut = now.getTime() >= Date.parse(exp.deadline);
  if (result.kind === 'waiting' && !timedOut) return record(deps, exp, analysis);
  if (result.kind === 'inconclusive' && result.next === 'extend') {
    const reached = result.evidence.control.count >= exp.minSamplesPerArm && result.evidence.candidate.count >= exp.minSamplesPerArm;
    if (!reached) return record(deps, exp, analysis);
    return conclude(deps, identity, exp, { step: 'extend', reasons: result.reasons, evidence: { ...result.evidence, sql: arms.sql } });
  }
  const evidence = 'evidence' in result ? { ...result.evidence, sql: arms.sql } : { sql: arms.sql };
  const step = result.kind === 'waiting' ? 'inconclusive' : result.kind;
  return conclude(deps, identity, exp, { step, reasons: result.reasons, evidence });
}

async function record(deps: ServiceDeps, exp: ExperimentDoc, analysis: Record<string, unknown>): Promise<Record<string, unknown>> {
  await deps.store.transaction(async (tx) => {
    const current = await tx.get<ExperimentDoc>(COLLECTIONS.experiments, exp.experimentId);
    if (current?.status === 'running') tx.set(COLLECTIONS.experiments, exp.experimentId, { ...current, lastAnalysis: analysis, updatedAt: String(analysis.at) });
  });
  return { experimentId: exp.experimentId, status: 'running', analysis: analysis.kind };
}

interface Step { step: 'promote' | 'rollback' | 'inconclusive' | 'extend'; reasons: string[]; evidence: Record<string, unknown> }

/** Record a conclusion (or an extension) exactly once and send its promotions command. */
async function conclude(deps: ServiceDeps, identity: MessageIdentity, exp: ExperimentDoc, s: Step): Promise<Record<string, unknown>> {
  const key = s.step === 'extend' ? `experiment:${exp.experimentId}:extend:${exp.extensions + 1}` : `experiment:${exp.experimentId}:${s.step}`;
  const processed = await processOnce(deps, { ...identity, dedupeKey: key }, async (tx, now) => {
    const at = now.toISOString();
    const current = await tx.get<ExperimentDoc>(COLLECTIONS.experiments, exp.experimentId);
    if (current?.status !== 'running') return { outcome: { kind: 'already-concluded', experimentId: exp.experimentId } };
    const log = new DecisionLog({ ...identity, dedupeKey: key }, now);
    const subject = { kind: 'experiment' as const, id: exp.experimentId };
    const reason = s.reasons.join('; ');
    if (s.step === 'extend') {
      const next = { ...current, minSamplesPerArm: current.minSamplesPerArm * 2, extensions: current.extensions + 1, lastAnalysis: { at, kind: 'inconclusive', reasons: s.reasons, evidence: s.evidence }, updatedAt: at };
      tx.set(COLLECTIONS.experiments, exp.experimentId, next);
      log.event(tx, { event: 'experiment.extended', modelId: exp.modelId, subject, from: 'running', to: 'running', actor: 'automation', reason: `${reason}; now ${next.minSamplesPerArm} per arm`, evidence: s.evidence });
      return { outcome: { kind: 'extended', experimentId: exp.experimentId, minSamplesPerArm: next.minSamplesPerArm }, messages: log.messages };
    }
    // Inconclusive at the deadline keeps the control: the candidate's canary is rolled back.
    const action = s.step === 'promote' ? 'promote' : 'rollback';
    tx.set(COLLECTIONS.experiments, exp.experimentId, { ...current, status: 'concluded', outcome: s.step, reasons: s.reasons, evidence: s.evidence, concludedAt: at, updatedAt: at });
    log.event(tx, { event: 'experiment.concluded', modelId: exp.modelId, subject, from: 'running', to: 'concluded', actor: 'automation', reason: `${s.step}: ${reason}`, evidence: s.evidence });
    log.command('promotions', { type: 'promotion.command', action, modelId: exp.modelId, version: exp.candidate, actor: 'automation', reason: `experiment ${exp.experimentId} ${s.step}: ${reason}`.slice(0, 1000) }, `${exp.experimentId}:${s.step}`);
    return { outcome: { kind: 'concluded', experimentId: exp.experimentId, decision: s.step, action }, messages: log.messages };
  });
  return processed.outcome;
}
