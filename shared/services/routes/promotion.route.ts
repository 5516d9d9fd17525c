/** on-promotion's route: approve / reject / canary / promote / rollback / set-traffic / retire commands. */
import { PermanentError } from '../../domain/errors.js';
import type { Route } from '../edge.js';
import { handlePromotion } from '../promotion.service.js';

/** Route a decoded `promotions` message. */
export const promotionRoute: Route = async (deps, identity, message) => {
  const payload = message.payload;
  if (payload.type !== 'promotion.command') throw new PermanentError('CONTRACT.WRONG_TYPE', `type: on-promotion does not handle ${payload.type}`);
  return handlePromotion(deps, identity, payload);
};
