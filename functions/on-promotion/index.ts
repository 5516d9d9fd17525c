/** on-promotion: approve / reject / canary / promote / rollback / set-traffic / retire -> deploy. */
import { createCloudEventHandler, type CloudEventHandler, type DepsProvider } from '../../shared/services/edge.js';
import { handlePromotion } from '../../shared/services/promotion.service.js';
import { PermanentError } from '../../shared/domain/errors.js';

/** The cloudEvent handler of on-promotion. */
export function onPromotion(getDeps: DepsProvider): CloudEventHandler {
  return createCloudEventHandler('on-promotion', ['promotions'], getDeps, async (deps, identity, message) => {
    const payload = message.payload;
    if (payload.type !== 'promotion.command') throw new PermanentError('CONTRACT.WRONG_TYPE', `type: on-promotion does not handle ${payload.type}`);
    return handlePromotion(deps, identity, payload);
  });
}
