/**
 * Who may run which promotion command: guarded commands need an actor on the model's approver list,
 * and with four-eyes (`requireDistinctApprover`) approval must come from someone other than the
 * requester. The requester is taken from what the control plane recorded (the version's lineage: who
 * asked for the retrain that produced it), never only from an optional field of the command: a command
 * may name more requesters, but leaving the field out cannot skip the check.
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
  /** Who asked for the version: recorded requesters (lineage) plus any the command names. Empty when unknown. */
  requesters: readonly string[];
  policy: ModelPolicy;
  existingApprovals: readonly ApprovalRecord[];
}

/** The command is allowed. */
export interface ApprovalOk {
  kind: 'ok';
}

/** The requesters recorded on a version's lineage (`requestedBy`: a name or a list), plus those a command names. */
export function requestersOf(lineage: Readonly<Record<string, unknown>>, named?: string): string[] {
  const recorded = lineage.requestedBy;
  const list =
    typeof recorded === 'string'
      ? [recorded]
      : Array.isArray(recorded)
        ? recorded.filter((r): r is string => typeof r === 'string')
        : [];
  return [...new Set([...list, ...(named === undefined ? [] : [named])].map((r) => r.trim()).filter((r) => r !== ''))];
}

/** Throw `PROMOTION.UNAUTHORIZED` unless `actor` is non-empty and on the approver list; `what` names the attempted change. */
export function checkApprover(actor: string, policy: ModelPolicy, what: string): string {
  const who = actor.trim();
  if (who === '')
    throw new PermanentError('PROMOTION.UNAUTHORIZED', `actor: ${what} needs an actor; none was given`, { what });
  if (!policy.approvers.includes(who)) {
    throw new PermanentError(
      'PROMOTION.UNAUTHORIZED',
      `actor: ${who} may not ${what}: not on the model's approver list (${policy.approvers.join(', ')})`,
      { what, actor: who, approvers: policy.approvers },
    );
  }
  return who;
}

/**
 * Allow the command, or throw (permanent) `PROMOTION.UNAUTHORIZED`, `PROMOTION.SAME_APPROVER` or, with
 * four-eyes, `PROMOTION.REQUESTER_UNKNOWN` when nobody recorded who asked for the version.
 */
export function checkApproval(input: ApprovalCheckInput): ApprovalOk {
  const { action, actor, requesters, policy, existingApprovals } = input;
  const who = actor.trim();
  if (who === '')
    throw new PermanentError('PROMOTION.UNAUTHORIZED', `actor: ${action} needs an actor; none was given`, { action });
  if (GUARDED_ACTIONS.includes(action)) checkApprover(who, policy, action);
  if (!policy.requireDistinctApprover || !FOUR_EYES_ACTIONS.includes(action)) return { kind: 'ok' };
  if (requesters.length === 0) {
    throw new PermanentError(
      'PROMOTION.REQUESTER_UNKNOWN',
      `requestedBy: the policy requires an approver other than the requester, and no requester is recorded for this version; name it with requestedBy`,
      { action, actor: who },
    );
  }
  if (action === 'approve') {
    if (requesters.includes(who)) {
      throw sameApprover(
        action,
        who,
        `${who} requested this version (${requesters.join(', ')}); the policy requires an approver other than the requester`,
      );
    }
    if (existingApprovals.some((a) => a.actor === who)) {
      throw sameApprover(
        action,
        who,
        `${who} has already approved this version; a second approval must come from someone else`,
      );
    }
    return { kind: 'ok' };
  }
  // promote: someone other than the requesters must have approved, or be the one promoting.
  const independent = !requesters.includes(who) || existingApprovals.some((a) => !requesters.includes(a.actor));
  if (!independent) {
    throw sameApprover(
      action,
      who,
      `${who} requested this version and no one else has approved it; the policy requires a distinct approver`,
    );
  }
  return { kind: 'ok' };
}

function sameApprover(action: PromotionAction, actor: string, message: string): PermanentError {
  return new PermanentError('PROMOTION.SAME_APPROVER', message, { action, actor });
}
