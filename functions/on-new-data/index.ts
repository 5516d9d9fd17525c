/** on-new-data: new data landed (Storage finalize or Pub/Sub) or a retrain was requested -> start a run. The route lives in shared/services/routes. */
import { createCloudEventHandler, type CloudEventHandler, type DepsProvider } from '../../shared/services/edge.js';
import { FUNCTION_ROUTES } from '../../shared/services/routes/index.js';
import { FUNCTION_TOPICS } from '../../shared/domain/topics.js';

/** The cloudEvent handler of on-new-data. */
export function onNewData(getDeps: DepsProvider): CloudEventHandler {
  return createCloudEventHandler(
    'on-new-data',
    FUNCTION_TOPICS['on-new-data'],
    getDeps,
    FUNCTION_ROUTES['on-new-data'],
  );
}
