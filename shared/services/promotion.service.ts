/**
 * on-promotion's use case: approve, reject, canary, promote, rollback, set-traffic, retire. Every
 * command reads the deployment document and the serving versions in its transaction, so concurrent
 * commands serialize on them; the endpoint converges after commit. Before it commits, a command is
 * checked against the lifecycle invariants (domain/lifecycle/invariants.ts): one that would break an
 * invariant the state did not already break is refused and nothing it decided is written.
 */
import type { PromotionCommand } from '../domain/contracts/index.js';
import { PermanentError } from '../domain/errors.js';
import { checkApproval, lifecycleViolations, newViolations, requestersOf } from '../domain/lifecycle/index.js';
import type { Transaction } from '../ports/state-store.js';
import { DecisionLog, type ServiceDeps } from './context.js';
import { processOnce, type Decision, type MessageIdentity, type Processed } from './processing.js';
import { approve, canary, promote, redistribute, reject, retire, rollback } from './promotion-actions.js';
import { loadPromotionCtx, snapshotOf, type PromotionCtx } from './promotion-state.js';

export type { PromotionCommand } from '../domain/contracts/index.js';

/** Handle a promotion command exactly once; refusals are recorded with their reason and change nothing. */
export async function handlePromotion(
  deps: ServiceDeps,
  identity: MessageIdentity,
  cmd: PromotionCommand,
): Promise<Processed> {
  return processOnce(deps, identity, (tx, now) => decide(deps, identity, tx, now, cmd));
}

async function decide(
  deps: ServiceDeps,
  identity: MessageIdentity,
  tx: Transaction,
  now: Date,
  cmd: PromotionCommand,
): Promise<Decision> {
  const ctx = await loadPromotionCtx(tx, new DecisionLog(identity, now, deps.settings.commandSigningKey), cmd, now);
  const named = 'version' in cmd && cmd.version !== undefined ? ctx.versions.get(cmd.version) : undefined;
  checkApproval({
    action: cmd.action,
    actor: cmd.actor,
    policy: ctx.policy,
    existingApprovals: named?.approvals ?? [],
    requesters: named ? requestersOf(named.lineage, cmd.requestedBy) : requestersOf({}, cmd.requestedBy),
  });
  const before = lifecycleViolations(snapshotOf(ctx));
  const decision = act(ctx);
  const introduced = newViolations(before, lifecycleViolations(snapshotOf(ctx)));
  if (introduced.length > 0) {
    throw new PermanentError(
      'LIFECYCLE.INVARIANT_VIOLATED',
      `${cmd.action} refused: it would leave ${introduced.map((v) => `${v.subject} ${v.message} (${v.invariant})`).join('; ')}`,
      { violations: introduced },
    );
  }
  return decision;
}

function act(ctx: PromotionCtx): Decision {
  const cmd = ctx.cmd;
  switch (cmd.action) {
    case 'approve':
      return approve(ctx);
    case 'reject':
      return reject(ctx);
    case 'canary':
      return canary(ctx, cmd.percent ?? ctx.policy.canaryPercent);
    case 'promote':
      return promote(ctx);
    case 'rollback':
      return rollback(ctx);
    case 'set-traffic':
      return redistribute(ctx, cmd.traffic);
    case 'retire':
      return retire(ctx);
  }
}
