/**
 * What one promotion command reads and writes in its transaction: the model, its deployment, the
 * versions that serve (plus the named one and the champion), and the experiments of the canaries.
 * The helpers here are the only way the actions change state, so every version change goes through
 * the guarded machine, every canary exit ends its experiment, and every split change is recorded.
 */
import type { PromotionCommand } from '../domain/contracts/index.js';
import { PermanentError } from '../domain/errors.js';
import {
  abortExperiment,
  appendChampion,
  assertTransition,
  experimentDocSchema,
  experimentId,
  newExperiment,
  parsePolicy,
  type ExperimentAbortCause,
  type ExperimentDoc,
  type LifecycleSnapshot,
  type ModelPolicy,
  type VersionState,
} from '../domain/lifecycle/index.js';
import { COLLECTIONS, type DeploymentDoc, type ModelDoc, type VersionDoc, SCHEMAS } from '../domain/state.js';
import type { Transaction } from '../ports/state-store.js';
import type { DecisionLog } from './context.js';
import { getDoc, queryDocs } from './documents.js';
import type { Decision } from './processing.js';

/** The state a promotion command works on, read in its transaction and updated as it decides. */
export interface PromotionCtx {
  tx: Transaction;
  log: DecisionLog;
  at: string;
  cmd: PromotionCommand;
  model: ModelDoc;
  policy: ModelPolicy;
  deployment: DeploymentDoc;
  versions: Map<string, VersionDoc>;
  /** Experiments of the versions in canary when the command arrived (and of the named version), by candidate. */
  experiments: Map<string, ExperimentDoc>;
}

/** The outcome a promotion command records, as a discriminated union on `kind`. */
export type PromotionOutcome =
  | { kind: 'approved' | 'rejected' | 'retired'; version: string }
  | {
      kind: 'canary' | 'promote' | 'rollback' | 'set-traffic';
      version: string | null;
      split: Record<string, number>;
      revision: number;
    };

/**
 * Read everything a command needs. A rollback reads every version (it searches the history for the last
 * known-good); the others read only the live ones, the named one and the champion, so a command's cost stays
 * flat as versions accumulate. Every read happens before the first write (Firestore's rule).
 */
export async function loadPromotionCtx(
  tx: Transaction,
  log: DecisionLog,
  cmd: PromotionCommand,
  now: Date,
): Promise<PromotionCtx> {
  const model = await getDoc(tx, SCHEMAS.ModelDoc, COLLECTIONS.models, cmd.modelId);
  if (!model) throw new PermanentError('PROMOTION.UNKNOWN_MODEL', `modelId: model ${cmd.modelId} does not exist`);
  const at = now.toISOString();
  const deployment = (await getDoc(tx, SCHEMAS.DeploymentDoc, COLLECTIONS.deployments, model.endpointId)) ?? {
    endpointId: model.endpointId,
    modelId: model.modelId,
    split: {},
    artifacts: {},
    revision: 0,
    history: [],
    updatedAt: at,
  };
  const collection = COLLECTIONS.versions(model.modelId);
  const named = 'version' in cmd ? cmd.version : undefined;
  const found =
    cmd.action === 'rollback'
      ? await queryDocs(tx, SCHEMAS.VersionDoc, collection)
      : await queryDocs(tx, SCHEMAS.VersionDoc, collection, {
          where: [{ field: 'state', op: 'in', value: ['canary', 'production'] }],
        });
  const versions = new Map(found.map((f) => [f.data.version, f.data]));
  for (const id of [named, model.championVersion]) {
    if (id === undefined || versions.has(id)) continue;
    const doc = await getDoc(tx, SCHEMAS.VersionDoc, collection, id);
    if (doc) versions.set(id, doc);
  }
  if (named !== undefined && !versions.has(named)) {
    const known = model.versionList ?? [...versions.keys()];
    throw new PermanentError(
      'PROMOTION.UNKNOWN_VERSION',
      `version: ${named} is not a registered version of ${model.modelId} (known: ${known.join(', ') || 'none'})`,
    );
  }
  const experiments = new Map<string, ExperimentDoc>();
  const candidates = new Set([
    ...[...versions.values()].filter((v) => v.state === 'canary').map((v) => v.version),
    ...(named ? [named] : []),
  ]);
  for (const candidate of candidates) {
    const exp = await getDoc(tx, experimentDocSchema, COLLECTIONS.experiments, experimentId(model.modelId, candidate));
    if (exp) experiments.set(candidate, exp);
  }
  return { tx, log, at, cmd, model, policy: parsePolicy(model.policy), deployment, versions, experiments };
}

/** The version named by the command, which must be given for this action. */
export function namedVersion(ctx: PromotionCtx): VersionDoc {
  const id = 'version' in ctx.cmd ? ctx.cmd.version : undefined;
  if (id === undefined) throw new PermanentError('PROMOTION.VERSION_REQUIRED', 'version: is required for this action');
  return ctx.versions.get(id) as VersionDoc;
}

/** The command's reason, or `{fallback}`. */
export function reasonOf(ctx: PromotionCtx, fallback = `${ctx.cmd.action} by ${ctx.cmd.actor}`): string {
  return ctx.cmd.reason ?? fallback;
}

/** Move a version through the guarded machine (throws on an illegal transition) and record who, when and why. */
export function writeVersion(
  ctx: PromotionCtx,
  v: VersionDoc,
  to: VersionState,
  reason: string,
  extra: Partial<VersionDoc> = {},
): VersionDoc {
  assertTransition('version', v.state as VersionState, to, v.version);
  const next: VersionDoc = {
    ...v,
    ...extra,
    state: to,
    updatedAt: ctx.at,
    stateHistory: [...v.stateHistory, { from: v.state, to, at: ctx.at, actor: ctx.cmd.actor, reason }],
  };
  ctx.tx.set(COLLECTIONS.versions(ctx.model.modelId), v.version, next);
  ctx.versions.set(v.version, next);
  return next;
}

/** Take a canary out (rolled back), with its lifecycle event, and abort its running experiment with `cause`. */
export function rollBackCanary(
  ctx: PromotionCtx,
  canary: VersionDoc,
  cause: ExperimentAbortCause,
  reason: string,
): void {
  writeVersion(ctx, canary, 'rolled_back', reason);
  ctx.log.event(ctx.tx, {
    event: 'version.rolled-back',
    modelId: ctx.model.modelId,
    subject: { kind: 'version', id: canary.version },
    from: 'canary',
    to: 'rolled_back',
    actor: ctx.cmd.actor,
    reason,
    evidence: { cause },
  });
  endExperiment(ctx, canary.version, cause, reason);
}

/** Abort the running experiment of a candidate leaving canary (an experiment its own decision concluded is left as is). */
export function endExperiment(ctx: PromotionCtx, candidate: string, cause: ExperimentAbortCause, reason: string): void {
  const exp = ctx.experiments.get(candidate);
  if (exp?.status !== 'running') return;
  const ended = abortExperiment(exp, cause, reason, ctx.at);
  ctx.tx.set(COLLECTIONS.experiments, exp.experimentId, ended);
  ctx.experiments.set(candidate, ended);
  ctx.log.event(ctx.tx, {
    event: 'experiment.aborted',
    modelId: ctx.model.modelId,
    subject: { kind: 'experiment', id: exp.experimentId },
    from: 'running',
    to: 'aborted',
    actor: ctx.cmd.actor,
    reason: `${cause}: ${reason}`,
  });
}

/** Open the experiment of a version entering canary against the champion, in the same transaction. */
export function openExperiment(ctx: PromotionCtx, candidate: string, control: string): void {
  if (ctx.experiments.get(candidate)?.status === 'running') return;
  const exp = newExperiment({ modelId: ctx.model.modelId, control, candidate, startedAt: ctx.at, policy: ctx.policy });
  ctx.tx.set(COLLECTIONS.experiments, exp.experimentId, exp);
  ctx.experiments.set(candidate, exp);
  const config = ctx.policy.experiment;
  ctx.log.event(ctx.tx, {
    event: 'experiment.started',
    modelId: ctx.model.modelId,
    subject: { kind: 'experiment', id: exp.experimentId },
    to: 'running',
    actor: ctx.cmd.actor,
    reason: `canary ${candidate} against ${control}: at least ${config.minSamplesPerArm} labelled predictions per arm, until ${exp.deadline}`,
    evidence: { config },
  });
}

/** Make `v` the champion: model facts and champion history. */
export function setChampion(ctx: PromotionCtx, v: VersionDoc, reason: string): void {
  const lineage = v.lineage;
  const championHistory = appendChampion(ctx.model.championHistory, {
    version: v.version,
    at: ctx.at,
    actor: ctx.cmd.actor,
    reason,
    evidence: { metrics: v.metrics, gate: v.gate.verdict },
  });
  ctx.model = {
    ...ctx.model,
    championVersion: v.version,
    championHistory,
    updatedAt: ctx.at,
    champion: {
      version: v.version,
      artifactUri: v.artifactUri,
      rows: Number(lineage.rows ?? 0),
      dataSnapshotAt: String(lineage.dataSnapshotAt ?? v.createdAt),
      trainedAt: v.createdAt,
      contractHash: String(lineage.contractHash ?? ''),
      datasetFingerprint: String(lineage.datasetFingerprint ?? ''),
    },
  };
  ctx.tx.set(COLLECTIONS.models, ctx.model.modelId, ctx.model);
}

/** Write the new split (versions at 0 % dropped) with its revision and history, and converge the endpoint after commit. */
export function applyTraffic(
  ctx: PromotionCtx,
  split: Readonly<Record<string, number>>,
  version: string | null,
): Decision {
  const before = ctx.deployment.split;
  const live = Object.fromEntries(Object.entries(split).filter(([, pct]) => pct > 0));
  const artifacts = Object.fromEntries(
    Object.keys(live).map((v) => [v, ctx.deployment.artifacts[v] ?? (ctx.versions.get(v) as VersionDoc).artifactUri]),
  );
  const revision = ctx.deployment.revision + 1;
  const reason = reasonOf(ctx);
  ctx.deployment = {
    ...ctx.deployment,
    split: live,
    artifacts,
    revision,
    updatedAt: ctx.at,
    history: [...ctx.deployment.history, { revision, split: live, at: ctx.at, actor: ctx.cmd.actor, reason }].slice(
      -50,
    ),
  };
  ctx.tx.set(COLLECTIONS.deployments, ctx.deployment.endpointId, ctx.deployment);
  ctx.log.event(ctx.tx, {
    event: 'traffic.changed',
    modelId: ctx.model.modelId,
    subject: { kind: 'deployment', id: ctx.deployment.endpointId },
    actor: ctx.cmd.actor,
    reason,
    evidence: { before, after: live, revision },
  });
  const action = ctx.cmd.action as 'canary' | 'promote' | 'rollback' | 'set-traffic';
  const outcome: PromotionOutcome = { kind: action, version, split: live, revision };
  return {
    outcome,
    effects: [{ type: 'apply-deployment', payload: { endpointId: ctx.deployment.endpointId, revision } }],
    messages: ctx.log.messages,
  };
}

/** The state the lifecycle invariants are checked on. */
export function snapshotOf(ctx: PromotionCtx): LifecycleSnapshot {
  return {
    championVersion: ctx.model.championVersion,
    split: ctx.deployment.split,
    versions: [...ctx.versions.values()].map((v) => ({ version: v.version, state: v.state })),
    experiments: [...ctx.experiments.values()].map((e) => ({
      experimentId: e.experimentId,
      candidate: e.candidate,
      status: e.status,
    })),
  };
}
