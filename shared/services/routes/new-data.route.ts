/** on-new-data's route: data landed (Storage finalize or a message) or a retrain was requested -> the retrain trigger. */
import { PermanentError } from '../../domain/errors.js';
import type { Route } from '../edge.js';
import { handleRetrainTrigger } from '../new-data.service.js';
import { handleRunCancel } from '../run-cancel.service.js';

/** Route a decoded `data-landed` / `retrain-requests` message (a `run.cancel` on retrain-requests stops the run in flight). */
export const newDataRoute: Route = async (deps, identity, message) => {
  const payload = message.payload;
  switch (payload.type) {
    case 'data.landed':
      return handleRetrainTrigger(deps, identity, {
        modelId: payload.modelId,
        reason: 'new-data',
        requestedBy: `data-landed:${payload.source}`,
        dataUri: payload.dataUri,
        ...(payload.contractUri ? { contractUri: payload.contractUri } : {}),
        ...(payload.sizeBytes !== undefined ? { sizeBytes: payload.sizeBytes } : {}),
        // No key given: the URI is no identity (an overwritten file is new data), so dedupe on the content too.
        contentKeyed: message.dedupeKey === payload.dataUri,
      });
    case 'retrain.requested':
      return handleRetrainTrigger(deps, identity, {
        modelId: payload.modelId,
        reason: payload.reason,
        requestedBy: payload.requestedBy,
        ...(payload.dataUri ? { dataUri: payload.dataUri } : {}),
        ...(payload.details ? { details: payload.details } : {}),
      });
    case 'run.cancel':
      return handleRunCancel(deps, identity, payload);
    default:
      throw new PermanentError('CONTRACT.WRONG_TYPE', `type: on-new-data does not handle ${payload.type}`);
  }
};
