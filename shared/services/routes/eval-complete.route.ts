/** on-eval-complete's route: a pipeline finished (runner, Vertex log sink) -> gate; the reconciler tick -> reconcile. */
import { PermanentError } from '../../domain/errors.js';
import type { Route } from '../edge.js';
import { handlePipelineOutcome } from '../eval-complete.service.js';
import { runReconciler } from '../reconciler.service.js';

/** Route a decoded `pipeline-events` message. */
export const evalCompleteRoute: Route = async (deps, identity, message) => {
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
};
