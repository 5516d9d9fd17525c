/** on-eval-complete's route: a pipeline finished (runner, Vertex log sink) -> gate; the reconciler tick -> reconcile. */
import { PermanentError, TransientError } from '../../domain/errors.js';
import type { DecodedMessage, Route } from '../edge.js';
import { handlePipelineOutcome, type PipelineOutcome } from '../eval-complete.service.js';
import { recordRejection, type MessageIdentity, type Processed } from '../processing.js';
import { runReconciler } from '../reconciler.service.js';
import type { ServiceDeps } from '../context.js';

/** Route a decoded `pipeline-events` message. */
export const evalCompleteRoute: Route = async (deps, identity, message) => {
  const payload = message.payload;
  switch (payload.type) {
    case 'pipeline.completed': {
      const claimed: PipelineOutcome = {
        pipelineJobId: payload.pipelineJobId,
        state: payload.state,
        authoritative: true,
        ...(payload.error ? { error: payload.error } : {}),
        ...(payload.retryable === false ? { retryable: false } : {}),
      };
      return deps.settings.verifyPipelineCompletions
        ? handleVerified(deps, identity, message, claimed)
        : handlePipelineOutcome(deps, identity, claimed);
    }
    case 'pipeline.job-state': {
      const hint: PipelineOutcome = {
        pipelineJobId: payload.pipelineJobId,
        state: payload.state,
        authoritative: false,
      };
      return deps.settings.verifyPipelineCompletions
        ? handleVerified(deps, identity, message, hint)
        : handlePipelineOutcome(deps, identity, hint);
    }
    case 'system.reconcile':
      return runReconciler(deps, identity);
    default:
      throw new PermanentError(
        'CONTRACT.WRONG_TYPE',
        `type: on-eval-complete does not handle ${(payload as { type: string }).type}`,
      );
  }
};

/**
 * Treat a completion as a claim and act on what the launcher (Vertex: `pipelineJobs.get`) reports:
 * - a job it does not know: rejected (recorded and audited under this delivery, so the run's genuine
 *   completion, which has the same natural key, is not mistaken for a duplicate of the forgery);
 * - a job still queued or running: retried later (Pub/Sub redelivers with backoff), nothing registered;
 * - a finished job: handled with the launcher's state and error, whatever the message claimed.
 */
async function handleVerified(
  deps: ServiceDeps,
  identity: MessageIdentity,
  message: DecodedMessage,
  claim: PipelineOutcome,
): Promise<Processed> {
  const status = await deps.launcher.status(claim.pipelineJobId);
  if (status === undefined) {
    const err = new PermanentError(
      'PIPELINE.UNVERIFIED',
      `pipeline job ${claim.pipelineJobId} (claimed ${claim.state}) is unknown to the pipeline service: nothing registered`,
    );
    await recordRejection(
      deps,
      { ...identity, dedupeKey: `unverified:${identity.dedupeKey}@${message.messageId}` },
      err,
    );
    return {
      outcome: { kind: 'rejected', code: err.code, message: err.message },
      status: 'rejected',
      duplicate: false,
    };
  }
  if (status.state !== 'succeeded' && status.state !== 'failed' && status.state !== 'cancelled') {
    throw new TransientError(
      'PIPELINE.NOT_FINISHED',
      `pipeline job ${claim.pipelineJobId} is ${status.state}, not ${claim.state} as claimed: waiting for it to finish`,
    );
  }
  const error = status.error ?? (status.state === claim.state ? claim.error : undefined);
  return handlePipelineOutcome(deps, identity, {
    pipelineJobId: claim.pipelineJobId,
    state: status.state,
    authoritative: true,
    ...(error ? { error } : {}),
    ...(status.state === claim.state && claim.retryable === false ? { retryable: false } : {}),
  });
}
