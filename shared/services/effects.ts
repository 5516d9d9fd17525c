/**
 * After-commit effect executors. Each is idempotent: pipeline job id = run id; deployments converge
 * to the desired state stored in `deployments/{endpointId}` (check-then-act inside the adapter).
 */
import { COLLECTIONS, SCHEMAS } from '../domain/state.js';
import { PermanentError } from '../domain/errors.js';
import type { ServiceDeps } from './context.js';
import type { Effect, EffectExecutor } from './processing.js';
import { launchRequest } from './runs.js';
import { getDoc } from './documents.js';

/** The executors for every effect type the use cases emit. */
export function createEffectExecutors(deps: Omit<ServiceDeps, 'effects'>): Record<string, EffectExecutor> {
  return {
    'launch-pipeline': (effect) => launchPipeline(deps, effect),
    'apply-deployment': (effect) => applyDeployment(deps, effect),
    'cancel-pipeline': (effect) => cancelPipeline(deps, effect),
  };
}

/** Stop a run's pipeline job; the runner (or the Vertex log sink) then reports it `cancelled` on pipeline-events. */
async function cancelPipeline(deps: Omit<ServiceDeps, 'effects'>, effect: Effect): Promise<void> {
  const runId = String(effect.payload.runId);
  const { cancelled } = await deps.launcher.cancel(runId);
  deps.logger.log(
    'INFO',
    `pipeline ${runId} ${cancelled ? 'cancel requested' : 'was not running: nothing to cancel'}`,
    { runId },
  );
  const run = cancelled ? undefined : await getDoc(deps.store, SCHEMAS.RunDoc, COLLECTIONS.runs, runId);
  if (run && (await deps.launcher.status(run.pipelineJobId)) === undefined) {
    // Never launched (the cancel won the race with the launch effect): nobody else will report it, so report it here.
    await deps.bus.publish({
      topic: 'pipeline-events',
      data: {
        type: 'pipeline.completed',
        runId,
        modelId: run.modelId,
        pipelineJobId: run.pipelineJobId,
        state: 'cancelled',
        finishedAt: deps.clock().toISOString(),
        error: 'cancelled before it launched',
      },
      attributes: { idempotencyKey: `${run.pipelineJobId}#cancelled`, correlationId: run.correlationId },
    });
  }
}

async function launchPipeline(deps: Omit<ServiceDeps, 'effects'>, effect: Effect): Promise<void> {
  const runId = String(effect.payload.runId);
  const run = await getDoc(deps.store, SCHEMAS.RunDoc, COLLECTIONS.runs, runId);
  if (!run) throw new PermanentError('RUN.NOT_FOUND', `run ${runId} does not exist`);
  if (run.state !== 'requested' && run.state !== 'submitted') return;
  if (run.cancelRequested) return; // run.cancel came first: the cancel effect reports it cancelled
  if (run.notBefore !== undefined && run.notBefore > deps.clock().toISOString()) return; // the reconciler launches it when due
  const { alreadyExisted } = await deps.launcher.launch(launchRequest(run));
  await deps.store.transaction(async (tx) => {
    const current = await getDoc(tx, SCHEMAS.RunDoc, COLLECTIONS.runs, runId);
    if (current?.state !== 'requested') return;
    tx.set(COLLECTIONS.runs, runId, {
      ...current,
      state: 'submitted',
      submittedAt: deps.clock().toISOString(),
      updatedAt: deps.clock().toISOString(),
    });
  });
  deps.logger.log('INFO', `pipeline ${runId} ${alreadyExisted ? 'was already launched' : 'launched'}`, {
    correlationId: run.correlationId,
    runId,
  });
}

async function applyDeployment(deps: Omit<ServiceDeps, 'effects'>, effect: Effect): Promise<void> {
  const endpointId = String(effect.payload.endpointId);
  // Apply the latest desired state, not the one captured in the effect: a later command may have superseded it.
  // Until the revision is unchanged after an apply: a later command's effect may have finished while this apply
  // was in flight, and the endpoint must end on the latest revision, not on whichever apply landed last.
  for (let applied = -1; ;) {
    const deployment = await getDoc(deps.store, SCHEMAS.DeploymentDoc, COLLECTIONS.deployments, endpointId);
    if (!deployment || deployment.revision === applied) return;
    await deps.serving.apply({
      endpointId,
      modelId: deployment.modelId,
      split: deployment.split,
      artifacts: deployment.artifacts,
    });
    applied = deployment.revision;
  }
}
