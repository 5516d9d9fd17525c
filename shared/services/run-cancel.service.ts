/**
 * A `run.cancel` command (CLI `ipo-mlops cancel`, console): stop a training run. A launched run gets a
 * `cancel-pipeline` effect and ends `cancelled` when the pipeline reports back (on-eval-complete); a
 * retry still waiting for its time never launches and ends `cancelled` at once. Either way its
 * follow-up is dropped: whoever cancels wants the training to stop, not to start over.
 */
import type { RunCancel } from '../domain/contracts/index.js';
import { PermanentError } from '../domain/errors.js';
import { COLLECTIONS, SCHEMAS } from '../domain/state.js';
import { DecisionLog, type ServiceDeps } from './context.js';
import { processOnce, type MessageIdentity, type Processed } from './processing.js';
import { getDoc } from './documents.js';

/** Run states after which there is nothing to cancel. */
export const ENDED_RUN_STATES = ['succeeded', 'evaluated', 'failed', 'cancelled'] as const;

/** Apply a cancel command exactly once; unknown, foreign or finished runs are refused and nothing changes. */
export async function handleRunCancel(
  deps: ServiceDeps,
  identity: MessageIdentity,
  command: RunCancel,
): Promise<Processed> {
  return processOnce(deps, identity, async (tx, now) => {
    const model = await getDoc(tx, SCHEMAS.ModelDoc, COLLECTIONS.models, command.modelId);
    if (!model) throw new PermanentError('RUN.UNKNOWN_MODEL', `modelId: model ${command.modelId} does not exist`);
    const runId = command.runId ?? model.inFlightRunId ?? undefined;
    if (runId === undefined)
      throw new PermanentError('RUN.NOTHING_TO_CANCEL', `runId: model ${command.modelId} has no run in flight`);
    const run = await getDoc(tx, SCHEMAS.RunDoc, COLLECTIONS.runs, runId);
    if (!run || run.modelId !== command.modelId)
      throw new PermanentError('RUN.NOT_FOUND', `runId: no run ${runId} of model ${command.modelId}`);
    if ((ENDED_RUN_STATES as readonly string[]).includes(run.state))
      throw new PermanentError(
        'RUN.NOT_IN_FLIGHT',
        `runId: run ${runId} already ended ${run.state}; nothing to cancel`,
      );
    if (run.cancelRequested)
      throw new PermanentError(
        'RUN.ALREADY_CANCELLING',
        `runId: cancelling ${runId} was already requested by ${run.cancelRequested.actor}`,
      );
    const at = now.toISOString();
    const log = new DecisionLog(identity, now, deps.settings.commandSigningKey);
    const reason = command.reason ?? `cancelled by ${command.actor}`;
    const cancelRequested = { actor: command.actor, at, ...(command.reason ? { reason: command.reason } : {}) };
    const { followUp: _dropped, ...rest } = run;
    const subject = { kind: 'run' as const, id: runId };
    if (run.notBefore !== undefined && run.notBefore > at) {
      // A retry waiting for its time has not launched: end it here, and free the model for the next trigger.
      tx.set(COLLECTIONS.runs, runId, {
        ...rest,
        state: 'cancelled',
        cancelRequested,
        error: reason,
        updatedAt: at,
        finishedAt: at,
      });
      if (model.inFlightRunId === runId)
        tx.set(COLLECTIONS.models, model.modelId, {
          ...model,
          inFlightRunId: null,
          lastRunFinishedAt: at,
          updatedAt: at,
        });
      log.event(tx, {
        event: 'run.cancelled',
        modelId: model.modelId,
        subject,
        from: run.state,
        to: 'cancelled',
        actor: command.actor,
        reason: `${reason} (before its retry launched)`,
      });
      return { outcome: { kind: 'cancelled', runId }, messages: log.messages };
    }
    tx.set(COLLECTIONS.runs, runId, { ...rest, cancelRequested, updatedAt: at });
    log.event(tx, { event: 'run.cancel-requested', modelId: model.modelId, subject, actor: command.actor, reason });
    return {
      outcome: { kind: 'cancel-requested', runId },
      effects: [{ type: 'cancel-pipeline', payload: { runId } }],
      messages: log.messages,
    };
  });
}
