/**
 * Stand-ins that take training and model loading out of the lifecycle's latency: a launcher that
 * "finishes" a run at once (publishing the completion like the local runner), an inspector with
 * canned evaluations that pass the gate, and an endpoint that accepts any split.
 */
import type { MetricSet } from '../../shared/domain/state.js';
import type { EventBus } from '../../shared/ports/event-bus.js';
import type { ModelInspector, RunEvaluation } from '../../shared/ports/model-inspector.js';
import type { ModelServing } from '../../shared/ports/model-serving.js';
import type { PipelineLauncher } from '../../shared/ports/pipeline-launcher.js';

/** A launcher whose runs succeed immediately; the completion goes out on `pipeline-events`. */
export function instantLauncher(bus: EventBus): PipelineLauncher & { launched: number } {
  const jobs = new Set<string>();
  return {
    launched: 0,
    async launch(request) {
      if (jobs.has(request.runId)) return { jobId: request.runId, alreadyExisted: true };
      jobs.add(request.runId);
      this.launched += 1;
      // After the launch returns, as the worker runner's completion callback would.
      setImmediate(
        () =>
          void bus.publish({
            topic: 'pipeline-events',
            data: {
              type: 'pipeline.completed',
              runId: request.runId,
              modelId: request.modelId,
              pipelineJobId: request.runId,
              state: 'succeeded',
              artifactUri: request.artifactUri,
              finishedAt: new Date().toISOString(),
            },
            attributes: { idempotencyKey: `${request.runId}#succeeded`, correlationId: request.correlationId },
          }),
      );
      return { jobId: request.runId, alreadyExisted: false };
    },
    async status(jobId) {
      return jobs.has(jobId) ? { jobId, state: 'succeeded' } : undefined;
    },
    async cancel() {
      return { cancelled: false }; // runs finish at once: nothing is ever left to cancel
    },
  };
}

const metrics = (r2: number, mape: number): MetricSet => ({
  r2,
  mse: 1 - r2,
  mae: mape / 100,
  rmse: Math.sqrt(1 - r2),
  mape,
  directionalAccuracy: 0.7,
  overfitting: 1.1,
});

/** Canned evaluations that pass the default gate; each run's data fingerprint differs (a minor version bump). */
export const cannedInspector: ModelInspector = {
  async readEvaluation(artifactUri): Promise<RunEvaluation> {
    return {
      metrics: metrics(0.86, 9),
      baselineMetrics: metrics(0.6, 14),
      validationPassed: true,
      lineage: { contractHash: 'bench-contract', datasetFingerprint: artifactUri },
    };
  },
  async servability() {
    return { ok: true, predictions: [1, 2, 3] };
  },
  async evaluateOn() {
    return metrics(0.85, 9.2);
  },
};

/** An endpoint that accepts every split. */
export const acceptingServing: ModelServing = {
  async apply() {
    return { changed: true };
  },
  async currentSplit() {
    return {};
  },
};
