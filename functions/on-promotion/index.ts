/** on-promotion: approve / reject / canary / promote / rollback / set-traffic / retire -> deploy. The route lives in shared/services/routes. */
import { createCloudEventHandler, type CloudEventHandler, type DepsProvider } from '../../shared/services/edge.js';
import { FUNCTION_ROUTES } from '../../shared/services/routes/index.js';
import { FUNCTION_TOPICS } from '../../shared/domain/topics.js';

/** The cloudEvent handler of on-promotion. */
export function onPromotion(getDeps: DepsProvider): CloudEventHandler {
  return createCloudEventHandler(
    'on-promotion',
    FUNCTION_TOPICS['on-promotion'],
    getDeps,
    FUNCTION_ROUTES['on-promotion'],
  );
}
