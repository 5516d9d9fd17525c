/**
 * The reconciler (a Scheduler tick on `pipeline-events`, a timer locally): re-drives stale outboxes,
 * launches retries that came due, and asks the launcher about runs that look stuck, publishing what
 * it learns as ordinary `pipeline-events` so the normal, deduplicated path handles it.
 */
import { COLLECTIONS, SCHEMAS } from '../domain/state.js';
import type { ServiceDeps } from './context.js';
import { launchEffect, launchRequest } from './runs.js';
import { reconcileOutboxes, type MessageIdentity, type Processed } from './processing.js';
import { queryDocs } from './documents.js';

/** How old an unsent outbox or a silent run must be before the reconciler acts. */
export const RECONCILE_AFTER_MS = { outbox: 60_000, run: 10 * 60_000 } as const;

/** Run one reconciliation pass. Every action it takes is idempotent, so duplicate ticks are harmless. */
export async function runReconciler(
  deps: ServiceDeps,
  identity: MessageIdentity,
  thresholds = RECONCILE_AFTER_MS,
): Promise<Processed> {
  const outboxes = await reconcileOutboxes(deps, thresholds.outbox);
  const now = deps.clock();
  const nowIso = now.toISOString();
  const runs = await queryDocs(deps.store, SCHEMAS.RunDoc, COLLECTIONS.runs, {
    where: [{ field: 'state', op: 'in', value: ['requested', 'submitted', 'running'] }],
  });
  let launched = 0;
  let polled = 0;
  for (const { data: run } of runs) {
    if (run.state === 'requested') {
      if (run.notBefore !== undefined && run.notBefore > nowIso) continue;
      await deps.effects['launch-pipeline'](launchEffect(run));
      launched += 1;
      continue;
    }
    const status = await deps.launcher.status(run.pipelineJobId);
    if (status === undefined && !run.cancelRequested) {
      // The launcher has no such job (a local runner restarted, or the create call was lost): launch it again;
      // the job id is the run id, so a launch that did happen is not repeated.
      await deps.launcher.launch(launchRequest(run));
      launched += 1;
      continue;
    }
    if (now.getTime() - Date.parse(run.updatedAt) < thresholds.run) continue;
    polled += 1;
    if (status && (status.state === 'succeeded' || status.state === 'failed' || status.state === 'cancelled')) {
      await deps.bus.publish({
        topic: 'pipeline-events',
        data: {
          type: 'pipeline.completed',
          runId: run.runId,
          modelId: run.modelId,
          pipelineJobId: run.pipelineJobId,
          state: status.state,
          finishedAt: nowIso,
          ...(status.error ? { error: status.error } : {}),
        },
        attributes: { idempotencyKey: `${run.pipelineJobId}#${status.state}`, correlationId: run.correlationId },
      });
    }
  }
  const outcome = {
    kind: 'reconciled',
    outboxesRedriven: outboxes.redriven,
    outboxesFailed: outboxes.failed,
    retriesLaunched: launched,
    runsPolled: polled,
  };
  deps.logger.log('INFO', `reconciler: ${JSON.stringify(outcome)}`, { correlationId: identity.correlationId });
  return { outcome, status: 'applied', duplicate: false };
}
