/** on-eval-complete: a pipeline finished -> gate -> register a semver version -> request promotion; also the reconciler tick. The route lives in shared/services/routes. */
import { createCloudEventHandler, type CloudEventHandler, type DepsProvider } from '../../shared/services/edge.js';
import { FUNCTION_ROUTES } from '../../shared/services/routes/index.js';
import { FUNCTION_TOPICS } from '../../shared/domain/topics.js';

/** The cloudEvent handler of on-eval-complete. */
export function onEvalComplete(getDeps: DepsProvider): CloudEventHandler {
  return createCloudEventHandler(
    'on-eval-complete',
    FUNCTION_TOPICS['on-eval-complete'],
    getDeps,
    FUNCTION_ROUTES['on-eval-complete'],
  );
}
