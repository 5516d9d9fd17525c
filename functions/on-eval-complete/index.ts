/** on-eval-complete: a pipeline finished -> gate -> register a semver version -> request promotion; also the reconciler tick. */
import { createCloudEventHandler, type CloudEventHandler, type DepsProvider } from '../../shared/services/edge.js';
import { handlePipelineOutcome } from '../../shared/services/eval-complete.service.js';
import { runReconciler } from '../../shared/services/reconciler.service.js';
import { PermanentError } from '../../shared/domain/errors.js';

/** The cloudEvent handler of on-eval-complete. */
export function onEvalComplete(getDeps: DepsProvider): CloudEventHandler {
  return createCloudEventHandler('on-eval-complete', ['pipeline-events'], getDeps, async (deps, identity, message) => {
    const payload = message.payload;
    switch (payload.type) {
      case 'pipeline.completed':
        return handlePipelineOutcome(deps, identity, { pipelineJobId: payload.pipelineJobId, state: payload.state, authoritative: true, ...(payload.error ? { error: payload.error } : {}), ...(payload.retryable === false ? { retryable: false } : {}) });
      case 'pipeline.job-state':
        return handlePipelineOutcome(deps, identity, { pipelineJobId: payload.pipelineJobId, state: payload.state, authoritative: false });
      case 'system.reconcile':
        return runReconciler(deps, identity);
      default:
        throw new PermanentError('CONTRACT.WRONG_TYPE', `type: on-eval-complete does not handle ${(payload as { type: string }).type}`);
    }
  });
}
