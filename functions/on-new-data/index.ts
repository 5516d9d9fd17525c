/** on-new-data: new data landed (Storage finalize or Pub/Sub) or a retrain was requested -> start a run. */
import { createCloudEventHandler, type CloudEventHandler, type DepsProvider } from '../../shared/services/edge.js';
import { handleRetrainTrigger } from '../../shared/services/new-data.service.js';
import { PermanentError } from '../../shared/domain/errors.js';

/** The cloudEvent handler of on-new-data. */
export function onNewData(getDeps: DepsProvider): CloudEventHandler {
  return createCloudEventHandler('on-new-data', ['data-landed', 'retrain-requests'], getDeps, async (deps, identity, message) => {
    const payload = message.payload;
    switch (payload.type) {
      case 'data.landed':
        return handleRetrainTrigger(deps, identity, {
          modelId: payload.modelId, reason: 'new-data', requestedBy: `data-landed:${payload.source}`, dataUri: payload.dataUri,
          ...(payload.contractUri ? { contractUri: payload.contractUri } : {}),
        });
      case 'retrain.requested':
        return handleRetrainTrigger(deps, identity, {
          modelId: payload.modelId, reason: payload.reason, requestedBy: payload.requestedBy,
          ...(payload.dataUri ? { dataUri: payload.dataUri } : {}), ...(payload.details ? { details: payload.details } : {}),
        });
      default:
        throw new PermanentError('CONTRACT.WRONG_TYPE', `type: on-new-data does not handle ${payload.type}`);
    }
  });
}
