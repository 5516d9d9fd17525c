/**
 * `policy.update` on the promotions topic (handled by on-promotion): an approver changes fields of a
 * model's policy. The patch is merged field by field onto the current policy and the result validated
 * as a whole (`POLICY.INVALID` names every bad field); the change is audited as `policy.updated` with the
 * before/after value of every changed field. A patch that changes nothing is recorded as unchanged.
 */
import type { PolicyUpdateCommand } from '../domain/contracts/index.js';
import { PermanentError } from '../domain/errors.js';
import { applyPolicyPatch, checkApprover, parsePolicy } from '../domain/lifecycle/index.js';
import { COLLECTIONS, SCHEMAS } from '../domain/state.js';
import { DecisionLog, type ServiceDeps } from './context.js';
import { getDoc } from './documents.js';
import { processOnce, type MessageIdentity, type Processed } from './processing.js';

/** The outcome a policy update records. */
export type PolicyUpdateOutcome =
  { kind: 'policy-updated'; modelId: string; changed: string[] } | { kind: 'policy-unchanged'; modelId: string };

/** Apply a policy update exactly once; a refusal (not an approver, invalid field) changes nothing. */
export async function handlePolicyUpdate(
  deps: ServiceDeps,
  identity: MessageIdentity,
  cmd: PolicyUpdateCommand,
): Promise<Processed> {
  return processOnce(deps, identity, async (tx, now) => {
    const model = await getDoc(tx, SCHEMAS.ModelDoc, COLLECTIONS.models, cmd.modelId);
    if (!model) throw new PermanentError('PROMOTION.UNKNOWN_MODEL', `modelId: model ${cmd.modelId} does not exist`);
    const actor = checkApprover(cmd.actor, parsePolicy(model.policy), 'change the policy');
    const update = applyPolicyPatch(model.policy, cmd.policy);
    if (update.kind === 'unchanged') {
      const outcome: PolicyUpdateOutcome = { kind: 'policy-unchanged', modelId: model.modelId };
      return { outcome };
    }
    const at = now.toISOString();
    tx.set(COLLECTIONS.models, model.modelId, { ...model, policy: update.policy, updatedAt: at });
    const log = new DecisionLog(identity, now, deps.settings.commandSigningKey);
    const changed = update.changes.map((c) => c.path);
    log.event(tx, {
      event: 'policy.updated',
      modelId: model.modelId,
      subject: { kind: 'model', id: model.modelId },
      actor,
      reason: cmd.reason ?? `changed ${changed.join(', ')}`,
      evidence: { changes: update.changes },
    });
    const outcome: PolicyUpdateOutcome = { kind: 'policy-updated', modelId: model.modelId, changed };
    return { outcome, messages: log.messages };
  });
}
