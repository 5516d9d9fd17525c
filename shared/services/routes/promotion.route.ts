/**
 * on-promotion's route: promotion commands (approve / reject / canary / promote / rollback / set-traffic /
 * retire) and policy updates. A message whose actor is `automation` must carry a valid `signature`
 * attribute made with the command signing key; anyone can write that actor name, only the control plane can sign.
 */
import { PermanentError } from '../../domain/errors.js';
import { AUTOMATION_ACTOR, SIGNATURE_ATTRIBUTE, verifyCommandSignature } from '../../domain/lifecycle/index.js';
import type { Route } from '../edge.js';
import { handlePolicyUpdate } from '../policy.service.js';
import { handlePromotion } from '../promotion.service.js';

/** Route a decoded `promotions` message. */
export const promotionRoute: Route = async (deps, identity, message) => {
  if (message.topic !== 'promotions')
    throw new PermanentError('CONTRACT.WRONG_TOPIC', `topic: on-promotion does not handle ${message.topic}`);
  const payload = message.payload;
  if (
    payload.actor.trim().toLowerCase() === AUTOMATION_ACTOR &&
    !verifyCommandSignature(
      deps.settings.commandSigningKey,
      'promotions',
      payload,
      message.attributes[SIGNATURE_ATTRIBUTE],
    )
  ) {
    throw new PermanentError(
      'PROMOTION.UNAUTHORIZED',
      `actor: "${AUTOMATION_ACTOR}" is reserved for the control plane's own commands, which carry a valid ${SIGNATURE_ATTRIBUTE} attribute; this one ${message.attributes[SIGNATURE_ATTRIBUTE] === undefined ? 'has none' : 'does not verify'}`,
    );
  }
  return payload.type === 'policy.update'
    ? handlePolicyUpdate(deps, identity, payload)
    : handlePromotion(deps, identity, payload);
};
