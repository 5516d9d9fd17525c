/** on-drift-alert: monitoring incidents, anomalies, scheduled checks and operator reports -> retrain or roll back. The route lives in shared/services/routes. */
import { createCloudEventHandler, type CloudEventHandler, type DepsProvider } from '../../shared/services/edge.js';
import { FUNCTION_ROUTES } from '../../shared/services/routes/index.js';
import { FUNCTION_TOPICS } from '../../shared/domain/topics.js';

/** The cloudEvent handler of on-drift-alert. */
export function onDriftAlert(getDeps: DepsProvider): CloudEventHandler {
  return createCloudEventHandler(
    'on-drift-alert',
    FUNCTION_TOPICS['on-drift-alert'],
    getDeps,
    FUNCTION_ROUTES['on-drift-alert'],
  );
}
