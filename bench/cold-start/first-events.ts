/**
 * A valid first event for each function, and the state it needs, seeded before the cold process
 * starts (a cold start in production meets existing state too). Each decision is real but has no
 * external side effect, so the same events work on the emulators (no Vertex, GCS or BigQuery):
 * on-new-data coalesces into the run in flight, on-eval-complete records a run that failed its last
 * attempt, on-promotion rejects a blessed version, on-drift-alert requests a retrain.
 */
import { toCloudEvent, type PubSubCloudEvent } from '../../shared/adapters/local/sqlite/cloud-event.js';
import { COLLECTIONS, type ModelDoc, type RunDoc, type VersionDoc } from '../../shared/domain/state.js';
import type { FunctionName, Topic } from '../../shared/domain/topics.js';
import type { StateStore } from '../../shared/ports/state-store.js';

/** The decision each first event must produce (read back from the ledger). */
export const EXPECTED_OUTCOME: Record<FunctionName, string> = {
  'on-new-data': 'coalesced',
  'on-eval-complete': 'run-failed',
  'on-promotion': 'rejected',
  'on-drift-alert': 'request-retrain',
};

const AT = '2024-06-30T00:00:00.000Z';

/** The pipeline runs `seedState` records (the ids of their Vertex jobs). */
export function seededRuns(modelId: string): string[] {
  return [`${modelId}-run-live`, `${modelId}-run-last`];
}

/** Seed a model with a run in flight, a running run on its last attempt, and a blessed version. */
export async function seedState(store: StateStore, modelId: string): Promise<void> {
  const run = (runId: string, attempt: number): RunDoc => ({
    runId,
    modelId,
    state: 'running',
    reasons: ['new-data'],
    dataUri: 'gs://bench-landing/sample.csv',
    artifactUri: `gs://bench-artifacts/runs/${runId}`,
    pipelineJobId: runId,
    attempt,
    correlationId: `seed-${runId}`,
    createdAt: AT,
    updatedAt: AT,
  });
  const model: ModelDoc = {
    modelId,
    policy: { autoApprove: false },
    championHistory: [],
    endpointId: `${modelId}-endpoint`,
    inFlightRunId: `${modelId}-run-live`,
    lastDataUri: 'gs://bench-landing/sample.csv',
    createdAt: AT,
    updatedAt: AT,
  };
  const version: VersionDoc = {
    modelId,
    version: '1.0.0',
    state: 'blessed',
    runId: `${modelId}-run-live`,
    artifactUri: `gs://bench-artifacts/runs/${modelId}-run-live`,
    metrics: { r2: 0.8, mse: 1, mae: 1, rmse: 1, mape: 10, overfitting: 1.1 },
    gate: { verdict: 'blessed', reasons: [], evidence: [] },
    lineage: {},
    approvals: [],
    stateHistory: [
      { to: 'registered', at: AT, actor: 'seed', reason: 'seed' },
      { from: 'registered', to: 'blessed', at: AT, actor: 'seed', reason: 'seed' },
    ],
    createdAt: AT,
    updatedAt: AT,
  };
  await store.transaction(async (tx) => {
    tx.set(COLLECTIONS.models, modelId, model);
    tx.set(COLLECTIONS.runs, `${modelId}-run-live`, run(`${modelId}-run-live`, 1));
    tx.set(COLLECTIONS.runs, `${modelId}-run-last`, run(`${modelId}-run-last`, 3));
    tx.set(COLLECTIONS.versions(modelId), '1.0.0', version);
  });
}

/** The Pub/Sub CloudEvent carrying `fn`'s first event for `modelId`. */
export function firstEvent(fn: FunctionName, modelId: string, project: string): PubSubCloudEvent {
  const [topic, data] = payload(fn, modelId);
  const event = toCloudEvent(
    {
      messageId: `cold-${modelId}-${fn}`,
      topic,
      data: JSON.stringify({ ...data, idempotencyKey: `cold-${modelId}-${fn}` }),
      attributes: {},
      orderingKey: null,
      publishTime: new Date().toISOString(),
    },
    `${fn}--${topic}`,
  );
  return { ...event, source: event.source.replace('/projects/local/', `/projects/${project}/`) };
}

function payload(fn: FunctionName, modelId: string): [Topic, Record<string, unknown>] {
  switch (fn) {
    case 'on-new-data':
      return [
        'retrain-requests',
        { type: 'retrain.requested', modelId, reason: 'manual', requestedBy: 'operator@local' },
      ];
    case 'on-eval-complete':
      return [
        'pipeline-events',
        {
          type: 'pipeline.completed',
          runId: `${modelId}-run-last`,
          modelId,
          pipelineJobId: `${modelId}-run-last`,
          state: 'failed',
          error: 'bench: out of memory',
          finishedAt: AT,
        },
      ];
    case 'on-promotion':
      return [
        'promotions',
        {
          type: 'promotion.command',
          action: 'reject',
          modelId,
          version: '1.0.0',
          actor: 'operator@local',
          reason: 'bench: not this one',
        },
      ];
    case 'on-drift-alert':
      return [
        'drift-alerts',
        {
          type: 'drift.detected',
          modelId,
          signal: 'drift',
          source: 'operator',
          summary: 'bench: feature drift',
          evidence: { psi: 0.4 },
        },
      ];
  }
}
