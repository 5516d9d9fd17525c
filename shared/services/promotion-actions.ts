/**
 * The promotion actions. Each keeps the lifecycle whole: one champion in production that always serves,
 * at most one canary beside it, an experiment that runs exactly while its candidate is in canary, and a
 * split over exactly the serving versions.
 * - canary: a newer canary supersedes the live one (rolled back, experiment aborted); opens the experiment.
 * - promote: the previous champion retires; any other live canary is superseded; the candidate's running
 *   experiment (if an operator promotes before it decided) is aborted.
 * - rollback: a canary returns its share to the champion; the champion (with any canary beside it) gives
 *   way to the last known-good version at 100 %.
 * - set-traffic: only redistributes among the serving versions, each keeping at least 1 %.
 * - retire: never the champion, never a serving version.
 */
import { PermanentError } from '../domain/errors.js';
import { canarySplit, lastKnownGood, promoteSplit, rollbackSplit, setTraffic } from '../domain/lifecycle/index.js';
import type { VersionDoc } from '../domain/state.js';
import type { Decision } from './processing.js';
import {
  applyTraffic,
  endExperiment,
  namedVersion,
  openExperiment,
  reasonOf,
  rollBackCanary,
  setChampion,
  writeVersion,
  type PromotionCtx,
  type PromotionOutcome,
} from './promotion-state.js';

function liveCanaries(ctx: PromotionCtx, except?: string): VersionDoc[] {
  return [...ctx.versions.values()].filter((v) => v.state === 'canary' && v.version !== except);
}

/** Move the named version to `to` (approve, reject, retire) with its lifecycle event. */
function move(
  ctx: PromotionCtx,
  to: 'approved' | 'rejected' | 'retired',
  event: 'version.approved' | 'version.rejected' | 'version.retired',
  extra: Partial<VersionDoc> = {},
): Decision {
  const v = namedVersion(ctx);
  const reason = reasonOf(ctx);
  writeVersion(ctx, v, to, reason, extra);
  ctx.log.event(ctx.tx, {
    event,
    modelId: ctx.model.modelId,
    subject: { kind: 'version', id: v.version },
    from: v.state,
    to,
    actor: ctx.cmd.actor,
    reason,
  });
  const outcome: PromotionOutcome = { kind: to, version: v.version };
  return { outcome, messages: ctx.log.messages };
}

/** Approve, then ask for the deployment: a canary beside the champion, or production for a first model. */
export function approve(ctx: PromotionCtx): Decision {
  const v = namedVersion(ctx);
  const approvals = [
    ...v.approvals,
    { actor: ctx.cmd.actor, at: ctx.at, ...(ctx.cmd.reason ? { reason: ctx.cmd.reason } : {}) },
  ];
  const decision = move(ctx, 'approved', 'version.approved', { approvals });
  const next = ctx.model.championVersion ? 'canary' : 'promote';
  ctx.log.command(
    'promotions',
    {
      type: 'promotion.command',
      action: next,
      modelId: ctx.model.modelId,
      version: v.version,
      actor: 'automation',
      reason: `approved by ${ctx.cmd.actor}`,
    },
    `${next} ${v.version}`,
  );
  return { ...decision, messages: ctx.log.messages };
}

/** Reject a version that does not serve. */
export function reject(ctx: PromotionCtx): Decision {
  return move(ctx, 'rejected', 'version.rejected');
}

/** Canary the named version at `percent` beside the champion, superseding a live canary, and open its experiment. */
export function canary(ctx: PromotionCtx, percent: number): Decision {
  const v = namedVersion(ctx);
  const champion = ctx.model.championVersion;
  if (!champion)
    throw new PermanentError(
      'PROMOTION.NO_CHAMPION',
      `version: ${v.version} cannot be a canary because nothing serves production yet; promote it instead`,
    );
  let split = ctx.deployment.split;
  for (const other of liveCanaries(ctx, v.version)) {
    rollBackCanary(ctx, other, 'superseded', `superseded by canary ${v.version}`);
    split = rollbackSplit(split, other.version, champion);
  }
  const reason = reasonOf(ctx, `canary at ${percent}%`);
  writeVersion(ctx, v, 'canary', reason);
  ctx.log.event(ctx.tx, {
    event: 'version.canary',
    modelId: ctx.model.modelId,
    subject: { kind: 'version', id: v.version },
    from: v.state,
    to: 'canary',
    actor: ctx.cmd.actor,
    reason,
  });
  openExperiment(ctx, v.version, champion);
  return applyTraffic(ctx, canarySplit(split, v.version, percent), v.version);
}

/** Make the named version the champion at 100 %. */
export function promote(ctx: PromotionCtx): Decision {
  const v = namedVersion(ctx);
  const reason = reasonOf(ctx, `promoted by ${ctx.cmd.actor}`);
  for (const other of liveCanaries(ctx, v.version))
    rollBackCanary(ctx, other, 'superseded', `superseded by the promotion of ${v.version}`);
  if (v.state === 'canary') endExperiment(ctx, v.version, 'promoted', reason);
  const previous = ctx.model.championVersion;
  writeVersion(ctx, v, 'production', reason);
  const old = previous === undefined || previous === v.version ? undefined : ctx.versions.get(previous);
  if (old?.state === 'production') writeVersion(ctx, old, 'retired', `superseded by ${v.version}`);
  ctx.log.event(ctx.tx, {
    event: 'version.promoted',
    modelId: ctx.model.modelId,
    subject: { kind: 'version', id: v.version },
    from: v.state,
    to: 'production',
    actor: ctx.cmd.actor,
    reason,
    evidence: { metrics: v.metrics, gate: v.gate.verdict },
  });
  setChampion(ctx, v, reason);
  return applyTraffic(ctx, promoteSplit(v.version), v.version);
}

/** Roll back the named version, else the live canary, else the champion. */
export function rollback(ctx: PromotionCtx): Decision {
  const named = 'version' in ctx.cmd ? ctx.cmd.version : undefined;
  const champion = ctx.model.championVersion;
  const bad = named ?? liveCanaries(ctx)[0]?.version ?? champion;
  if (bad === undefined)
    throw new PermanentError(
      'PROMOTION.NOTHING_TO_ROLL_BACK',
      'version: nothing is deployed, so there is nothing to roll back',
    );
  const v = ctx.versions.get(bad) as VersionDoc;
  const reason = reasonOf(ctx, `rollback by ${ctx.cmd.actor}`);
  if (v.state === 'canary') {
    rollBackCanary(ctx, v, 'rolled-back', reason);
    // A canary left at 0 % by an older release serves nothing: taking it out leaves the split as it is.
    const serving = (ctx.deployment.split[bad] ?? 0) > 0;
    return applyTraffic(ctx, serving ? rollbackSplit(ctx.deployment.split, bad, champion) : ctx.deployment.split, bad);
  }
  if (bad !== champion) {
    throw new PermanentError(
      'PROMOTION.NOT_SERVING',
      `version: ${bad} is ${v.state}; only the canary or the production version can be rolled back`,
    );
  }
  const excluded = [...ctx.versions.values()]
    .filter((x) => x.state === 'rolled_back' || x.state === 'rejected')
    .map((x) => x.version);
  const good = lastKnownGood(ctx.model.championHistory, [...excluded, bad]);
  if (good === undefined)
    throw new PermanentError(
      'PROMOTION.NO_KNOWN_GOOD',
      `version: ${bad} cannot be rolled back because no earlier version held production`,
    );
  // Back to the last known-good state: a canary measured against the bad champion goes too.
  for (const c of liveCanaries(ctx))
    rollBackCanary(ctx, c, 'rolled-back', `rolled back with production ${bad}: ${reason}`);
  writeVersion(ctx, v, 'rolled_back', reason);
  const target = writeVersion(
    ctx,
    ctx.versions.get(good) as VersionDoc,
    'production',
    `restored as last known-good after rolling back ${bad}`,
  );
  ctx.log.event(ctx.tx, {
    event: 'version.rolled-back',
    modelId: ctx.model.modelId,
    subject: { kind: 'version', id: bad },
    from: 'production',
    to: 'rolled_back',
    actor: ctx.cmd.actor,
    reason,
    evidence: { restored: good },
  });
  setChampion(ctx, target, `rollback of ${bad}: ${reason}`);
  return applyTraffic(ctx, promoteSplit(good), bad);
}

/** Redistribute traffic among the serving versions. */
export function redistribute(ctx: PromotionCtx, traffic: Readonly<Record<string, number>>): Decision {
  const split = setTraffic(traffic, {
    champion: ctx.model.championVersion,
    canaries: liveCanaries(ctx).map((v) => v.version),
  });
  return applyTraffic(ctx, split, null);
}

/** Retire a version that neither serves nor is the champion. */
export function retire(ctx: PromotionCtx): Decision {
  const v = namedVersion(ctx);
  if (v.version === ctx.model.championVersion) {
    throw new PermanentError(
      'PROMOTION.IS_CHAMPION',
      `version: ${v.version} is the champion; promote another version (or roll it back) before retiring it`,
    );
  }
  const share = ctx.deployment.split[v.version] ?? 0;
  if (share > 0)
    throw new PermanentError(
      'PROMOTION.STILL_SERVING',
      `version: ${v.version} still serves ${share}% of traffic; roll it back first`,
    );
  return move(ctx, 'retired', 'version.retired');
}
