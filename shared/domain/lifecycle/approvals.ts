/**
 * Who may run which promotion command: guarded commands need an actor on the model's approver list,
 * and with four-eyes (`requireDistinctApprover`) approval must come from someone other than the requester.
 */
import type { PromotionAction } from '../contracts/promotions.js';
import { PermanentError } from '../errors.js';
import type { ModelPolicy } from './policy.js';

/**
 * Commands that change what serves production need an approver. `reject` only stops a version and
 * `canary` needs an already approved version, so any known actor may send them.
 */
export const GUARDED_ACTIONS: readonly PromotionAction[] = ['approve', 'promote', 'rollback', 'set-traffic', 'retire'];

/** Commands the four-eyes rule applies to (a rollback is an emergency brake and is not held up by it). */
export const FOUR_EYES_ACTIONS: readonly PromotionAction[] = ['approve', 'promote'];

/** An approval already recorded on the version. */
export interface ApprovalRecord {
  actor: string;
  at?: string;
}

/** Everything `checkApproval` needs. */
export interface ApprovalCheckInput {
  action: PromotionAction;
  actor: string;
  /** Who asked for the version to be promoted (the retrain requester or the operator who asked). */
  requestedBy?: string;
  policy: ModelPolicy;
  existingApprovals: readonly ApprovalRecord[];
}

/** The command is allowed. */
export interface ApprovalOk {
  kind: 'ok';
}

/** Allow the command, or throw `PROMOTION.UNAUTHORIZED` / `PROMOTION.SAME_APPROVER` (permanent) saying what to fix. */
export function checkApproval(input: ApprovalCheckInput): ApprovalOk {
  const { action, actor, requestedBy, policy, existingApprovals } = input;
  const who = actor.trim();
  if (who === '') throw new PermanentError('PROMOTION.UNAUTHORIZED', `${action} needs an actor; none was given`, { action });
  if (GUARDED_ACTIONS.includes(action) && !policy.approvers.includes(who)) {
    throw new PermanentError(
      'PROMOTION.UNAUTHORIZED',
      `${who} may not ${action}: not on the model's approver list (${policy.approvers.join(', ')})`,
      { action, actor: who, approvers: policy.approvers },
    );
  }
  if (!policy.requireDistinctApprover || !FOUR_EYES_ACTIONS.includes(action)) return { kind: 'ok' };

  if (action === 'approve') {
    if (requestedBy !== undefined && who === requestedBy) {
      throw sameApprover(action, who, `${who} requested this promotion; the policy requires an approver other than the requester`);
    }
    if (existingApprovals.some((a) => a.actor === who)) {
      throw sameApprover(action, who, `${who} has already approved this version; a second approval must come from someone else`);
    }
    return { kind: 'ok' };
  }
  // promote: someone other than the requester must have approved, or be the one promoting.
  const independent = who !== requestedBy || existingApprovals.some((a) => a.actor !== requestedBy);
  if (requestedBy !== undefined && !independent) {
    throw sameApprover(action, who, `${who} requested this promotion and no one else has approved it; the policy requires a distinct approver`);
  }
  return { kind: 'ok' };
}

function sameApprover(action: PromotionAction, actor: string, message: string): PermanentError {
  return new PermanentError('PROMOTION.SAME_APPROVER', message, { action, actor });
}
