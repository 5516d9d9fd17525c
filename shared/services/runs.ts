/** Run documents and their pipeline launch: the helpers on-new-data, on-eval-complete and the reconciler share. */
import type { RunDoc } from '../domain/state.js';
import type { PipelineLaunchRequest } from '../ports/pipeline-launcher.js';
import type { ServiceDeps } from './context.js';

/** A new run document (state `requested`). */
export function newRun(
  deps: ServiceDeps,
  runId: string,
  modelId: string,
  reasons: string[],
  dataUri: string,
  contractUri: string | undefined,
  correlationId: string,
  at: string,
  attempt: number,
): RunDoc {
  return {
    runId,
    modelId,
    state: 'requested',
    reasons,
    dataUri,
    ...(contractUri ? { contractUri } : {}),
    artifactUri: `${deps.settings.artifactRoot.replace(/\/$/, '')}/${runId}`,
    pipelineJobId: runId,
    attempt,
    correlationId,
    createdAt: at,
    updatedAt: at,
  };
}

/** The after-commit effect that launches a run's pipeline (job id = run id, so it is idempotent). */
export function launchEffect(run: RunDoc): { type: 'launch-pipeline'; payload: { runId: string } } {
  return { type: 'launch-pipeline', payload: { runId: run.runId } };
}

/** The launch request of a run (job id = run id; seed fixed so reruns are reproducible). */
export function launchRequest(run: RunDoc): PipelineLaunchRequest {
  return {
    runId: run.runId,
    modelId: run.modelId,
    correlationId: run.correlationId,
    dataUri: run.dataUri,
    ...(run.contractUri ? { contractUri: run.contractUri } : {}),
    artifactUri: run.artifactUri,
    hyperparameters: {},
    seed: 42,
    labels: { model_id: run.modelId, run_id: run.runId },
  };
}
