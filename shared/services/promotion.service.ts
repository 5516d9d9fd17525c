/**
 * on-promotion's use case: approve, reject, canary, promote, rollback, set-traffic, retire.
 * Every command reads the deployment document in its transaction, so concurrent commands
 * serialize on the deployment's revision; the endpoint converges after commit.
 */
import {
  assertTransition, canarySplit, checkApproval, lastKnownGood, parsePolicy, promoteSplit, rollbackSplit, setTraffic, appendChampion, type VersionState,
} from '../domain/lifecycle/index.js';
import { PermanentError } from '../domain/errors.js';
import { COLLECTIONS, type DeploymentDoc, type ModelDoc, type VersionDoc, SCHEMAS } from '../domain/state.js';
import type { Transaction } from '../ports/state-store.js';
import { DecisionLog, type ServiceDeps } from './context.js';
import { processOnce, type Decision, type MessageIdentity, type Processed } from './processing.js';
import { getDoc, queryDocs } from './documents.js';

/** A promotion command after decoding. */
export interface PromotionCommand {
  action: 'approve' | 'reject' | 'canary' | 'promote' | 'rollback' | 'set-traffic' | 'retire';
  modelId: string;
  actor: string;
  version?: string;
  reason?: string;
  requestedBy?: string;
  percent?: number;
  traffic?: Record<string, number>;
}

/** Handle a promotion command exactly once; refusals are recorded with their reason and change nothing. */
export async function handlePromotion(deps: ServiceDeps, identity: MessageIdentity, cmd: PromotionCommand): Promise<Processed> {
  return processOnce(deps, identity, (tx, now) => decide(deps, identity, tx, now, cmd));
}

interface Ctx {
  tx: Transaction; log: DecisionLog; at: string; cmd: PromotionCommand; model: ModelDoc; deployment: DeploymentDoc;
  versions: Map<string, VersionDoc>;
}

async function decide(deps: ServiceDeps, identity: MessageIdentity, tx: Transaction, now: Date, cmd: PromotionCommand): Promise<Decision> {
  const model = await getDoc(tx, SCHEMAS.ModelDoc, COLLECTIONS.models, cmd.modelId);
  if (!model) throw new PermanentError('PROMOTION.UNKNOWN_MODEL', `model ${cmd.modelId} does not exist`);
  const endpointId = model.endpointId;
  const at = now.toISOString();
  const deployment = (await getDoc(tx, SCHEMAS.DeploymentDoc, COLLECTIONS.deployments, endpointId)) ?? {
    endpointId, modelId: model.modelId, split: {}, artifacts: {}, revision: 0, history: [], updatedAt: at,
  };
  const versions = await loadVersions(tx, model, cmd);
  if (cmd.version !== undefined && !versions.has(cmd.version)) {
    const known = versions.size > 0 ? [...versions.keys()] : model.versionList ?? [];
    throw new PermanentError('PROMOTION.UNKNOWN_VERSION', `version: ${cmd.version} is not a registered version of ${model.modelId} (known: ${known.join(', ') || 'none'})`);
  }
  const policy = parsePolicy(model.policy);
  checkApproval({ action: cmd.action, actor: cmd.actor, requestedBy: cmd.requestedBy, policy, existingApprovals: cmd.version ? versions.get(cmd.version)?.approvals ?? [] : [] });
  const ctx: Ctx = { tx, log: new DecisionLog(identity, now), at, cmd, model, deployment, versions };
  switch (cmd.action) {
    case 'approve': return approve(ctx);
    case 'reject': return moveVersion(ctx, required(cmd.version), 'rejected', 'version.rejected');
    case 'canary': return canary(ctx, policy.canaryPercent);
    case 'promote': return promote(ctx);
    case 'rollback': return rollback(ctx);
    case 'set-traffic': return traffic(ctx, setTraffic(cmd.traffic ?? {}, [...versions.values()].filter((v) => v.state === 'canary' || v.state === 'production').map((v) => v.version)), 'traffic.changed');
    case 'retire': return retire(ctx);
  }
}

/**
 * The versions a command needs, read in its transaction: the named one, the champion and whatever serves
 * traffic; a rollback reads them all (it searches the history for the last known-good). Reading only these
 * keeps a command's cost flat as versions accumulate.
 */
async function loadVersions(tx: Transaction, model: ModelDoc, cmd: PromotionCommand): Promise<Map<string, VersionDoc>> {
  const collection = COLLECTIONS.versions(model.modelId);
  if (cmd.action === 'rollback') return new Map((await queryDocs(tx, SCHEMAS.VersionDoc, collection)).map((f) => [f.data.version, f.data]));
  const live = await queryDocs(tx, SCHEMAS.VersionDoc, collection, { where: [{ field: 'state', op: 'in', value: ['canary', 'production'] }] });
  const versions = new Map(live.map((f) => [f.data.version, f.data]));
  for (const id of [cmd.version, model.championVersion]) {
    if (id === undefined || versions.has(id)) continue;
    const doc = await getDoc(tx, SCHEMAS.VersionDoc, collection, id);
    if (doc) versions.set(id, doc);
  }
  return versions;
}

function required(version: string | undefined): string {
  if (version === undefined) throw new PermanentError('PROMOTION.VERSION_REQUIRED', 'version: is required for this action');
  return version;
}

function writeVersion(ctx: Ctx, v: VersionDoc, to: VersionState, reason: string, extra: Partial<VersionDoc> = {}): VersionDoc {
  assertTransition('version', v.state as VersionState, to, v.version);
  const next: VersionDoc = { ...v, ...extra, state: to, updatedAt: ctx.at, stateHistory: [...v.stateHistory, { from: v.state, to, at: ctx.at, actor: ctx.cmd.actor, reason }] };
  ctx.tx.set(COLLECTIONS.versions(ctx.model.modelId), v.version, next);
  ctx.versions.set(v.version, next);
  return next;
}

function moveVersion(ctx: Ctx, version: string, to: VersionState, event: string, extra: Partial<VersionDoc> = {}): Decision {
  const v = ctx.versions.get(version) as VersionDoc;
  const reason = ctx.cmd.reason ?? `${ctx.cmd.action} by ${ctx.cmd.actor}`;
  writeVersion(ctx, v, to, reason, extra);
  ctx.log.event(ctx.tx, { event, modelId: ctx.model.modelId, subject: { kind: 'version', id: version }, from: v.state, to, actor: ctx.cmd.actor, reason });
  return { outcome: { kind: to, version }, messages: ctx.log.messages };
}

function approve(ctx: Ctx): Decision {
  const version = required(ctx.cmd.version);
  const v = ctx.versions.get(version) as VersionDoc;
  const approvals = [...v.approvals, { actor: ctx.cmd.actor, at: ctx.at, ...(ctx.cmd.reason ? { reason: ctx.cmd.reason } : {}) }];
  const decision = moveVersion(ctx, version, 'approved', 'version.approved', { approvals });
  const next = ctx.model.championVersion ? 'canary' : 'promote';
  ctx.log.command('promotions', { type: 'promotion.command', action: next, modelId: ctx.model.modelId, version, actor: 'automation', reason: `approved by ${ctx.cmd.actor}` }, `${next} ${version}`);
  return { ...decision, messages: ctx.log.messages };
}

function canary(ctx: Ctx, defaultPercent: number): Decision {
  const version = required(ctx.cmd.version);
  const champion = ctx.model.championVersion;
  if (!champion) throw new PermanentError('PROMOTION.NO_CHAMPION', `version: ${version} cannot be a canary because nothing serves production yet; promote it instead`);
  const v = ctx.versions.get(version) as VersionDoc;
  let split = ctx.deployment.split;
  for (const other of [...ctx.versions.values()].filter((x) => x.state === 'canary' && x.version !== version)) {
    // One canary at a time: a newer candidate supersedes the live one, whose traffic returns to the champion.
    writeVersion(ctx, other, 'rolled_back', `superseded by canary ${version}`);
    ctx.log.event(ctx.tx, { event: 'version.rolled-back', modelId: ctx.model.modelId, subject: { kind: 'version', id: other.version }, from: 'canary', to: 'rolled_back', actor: ctx.cmd.actor, reason: `superseded by canary ${version}` });
    split = rollbackSplit(split, other.version, champion);
  }
  writeVersion(ctx, v, 'canary', ctx.cmd.reason ?? `canary at ${ctx.cmd.percent ?? defaultPercent}%`);
  ctx.log.event(ctx.tx, { event: 'version.canary', modelId: ctx.model.modelId, subject: { kind: 'version', id: version }, from: v.state, to: 'canary', actor: ctx.cmd.actor, reason: ctx.cmd.reason ?? 'canary' });
  return traffic(ctx, canarySplit(split, version, ctx.cmd.percent ?? defaultPercent), 'traffic.changed', { [version]: v.artifactUri });
}

function promote(ctx: Ctx): Decision {
  const version = required(ctx.cmd.version);
  const v = ctx.versions.get(version) as VersionDoc;
  const reason = ctx.cmd.reason ?? `promoted by ${ctx.cmd.actor}`;
  const previous = ctx.model.championVersion;
  writeVersion(ctx, v, 'production', reason);
  if (previous && previous !== version) {
    const old = ctx.versions.get(previous);
    if (old && old.state === 'production') writeVersion(ctx, old, 'retired', `superseded by ${version}`);
  }
  ctx.log.event(ctx.tx, { event: 'version.promoted', modelId: ctx.model.modelId, subject: { kind: 'version', id: version }, from: v.state, to: 'production', actor: ctx.cmd.actor, reason, evidence: { metrics: v.metrics, gate: v.gate.verdict } });
  setChampion(ctx, v, reason);
  return traffic(ctx, promoteSplit(version), 'traffic.changed', { [version]: v.artifactUri });
}

function setChampion(ctx: Ctx, v: VersionDoc, reason: string): void {
  const lineage = v.lineage as Record<string, unknown>;
  const championHistory = appendChampion(ctx.model.championHistory, { version: v.version, at: ctx.at, actor: ctx.cmd.actor, reason, evidence: { metrics: v.metrics, gate: v.gate.verdict } });
  ctx.model = {
    ...ctx.model, championVersion: v.version, championHistory, updatedAt: ctx.at,
    champion: {
      version: v.version, artifactUri: v.artifactUri, rows: Number(lineage.rows ?? 0), dataSnapshotAt: String(lineage.dataSnapshotAt ?? v.createdAt),
      trainedAt: v.createdAt, contractHash: String(lineage.contractHash ?? ''), datasetFingerprint: String(lineage.datasetFingerprint ?? ''),
    },
  };
  ctx.tx.set(COLLECTIONS.models, ctx.model.modelId, ctx.model);
}

function rollback(ctx: Ctx): Decision {
  const split = ctx.deployment.split;
  const canaryVersion = [...ctx.versions.values()].find((v) => v.state === 'canary')?.version;
  const bad = ctx.cmd.version ?? canaryVersion ?? ctx.model.championVersion;
  if (bad === undefined) throw new PermanentError('PROMOTION.NOTHING_TO_ROLL_BACK', 'version: nothing is deployed, so there is nothing to roll back');
  const v = ctx.versions.get(bad) as VersionDoc;
  const reason = ctx.cmd.reason ?? `rollback by ${ctx.cmd.actor}`;
  if (v.state === 'canary') {
    writeVersion(ctx, v, 'rolled_back', reason);
    ctx.log.event(ctx.tx, { event: 'version.rolled-back', modelId: ctx.model.modelId, subject: { kind: 'version', id: bad }, from: 'canary', to: 'rolled_back', actor: ctx.cmd.actor, reason });
    return traffic(ctx, rollbackSplit(split, bad, ctx.model.championVersion as string), 'traffic.changed');
  }
  const rolledBack = new Set([...ctx.versions.values()].filter((x) => x.state === 'rolled_back' || x.state === 'rejected').map((x) => x.version));
  const good = lastKnownGood(ctx.model.championHistory, [...rolledBack, bad]);
  if (good === undefined) throw new PermanentError('PROMOTION.NO_KNOWN_GOOD', `version: ${bad} cannot be rolled back because no earlier version held production`);
  writeVersion(ctx, v, 'rolled_back', reason);
  const target = ctx.versions.get(good) as VersionDoc;
  writeVersion(ctx, target, 'production', `restored as last known-good after rolling back ${bad}`);
  ctx.log.event(ctx.tx, { event: 'version.rolled-back', modelId: ctx.model.modelId, subject: { kind: 'version', id: bad }, from: v.state, to: 'rolled_back', actor: ctx.cmd.actor, reason, evidence: { restored: good } });
  setChampion(ctx, target, `rollback of ${bad}: ${reason}`);
  return traffic(ctx, rollbackSplit(split, bad, good), 'traffic.changed', { [good]: target.artifactUri });
}

function retire(ctx: Ctx): Decision {
  const version = required(ctx.cmd.version);
  const share = ctx.deployment.split[version] ?? 0;
  if (share > 0) throw new PermanentError('PROMOTION.STILL_SERVING', `version: ${version} still serves ${share}% of traffic; move its traffic first (set-traffic or rollback)`);
  return moveVersion(ctx, version, 'retired', 'version.retired');
}

function traffic(ctx: Ctx, split: Record<string, number>, event: string, artifacts: Record<string, string> = {}): Decision {
  const before = ctx.deployment.split;
  const live = Object.fromEntries(Object.entries(split).filter(([, pct]) => pct > 0));
  const allArtifacts = { ...ctx.deployment.artifacts, ...artifacts };
  for (const version of Object.keys(live)) {
    allArtifacts[version] ??= (ctx.versions.get(version) as VersionDoc).artifactUri;
  }
  const keep = Object.fromEntries(Object.entries(allArtifacts).filter(([version]) => version in live));
  const revision = ctx.deployment.revision + 1;
  const reason = ctx.cmd.reason ?? `${ctx.cmd.action} by ${ctx.cmd.actor}`;
  const deployment: DeploymentDoc = {
    ...ctx.deployment, split: live, artifacts: keep, revision, updatedAt: ctx.at,
    history: [...ctx.deployment.history, { revision, split: live, at: ctx.at, actor: ctx.cmd.actor, reason }].slice(-50),
  };
  ctx.tx.set(COLLECTIONS.deployments, deployment.endpointId, deployment);
  ctx.log.event(ctx.tx, { event, modelId: ctx.model.modelId, subject: { kind: 'deployment', id: deployment.endpointId }, actor: ctx.cmd.actor, reason, evidence: { before, after: live, revision } });
  return { outcome: { kind: ctx.cmd.action, version: ctx.cmd.version ?? null, split: live, revision }, effects: [{ type: 'apply-deployment', payload: { endpointId: deployment.endpointId, revision } }], messages: ctx.log.messages };
}
