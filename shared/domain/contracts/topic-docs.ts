/** Operator-facing facts per topic: who publishes, who consumes, the dedupe key, and example messages. */
import type { Topic } from '../topics.js';

/** Documentation of one topic. */
export interface TopicDoc {
  publishers: string;
  consumer: string;
  dedupe: string;
  /** Example payloads; every one must validate (a test checks). */
  examples: Record<string, unknown>[];
}

/** Documentation of every topic. */
export const TOPIC_DOCS: Readonly<Record<Topic, TopicDoc>> = {
  'data-landed': {
    publishers: 'GCS finalize (Eventarc, converted by on-new-data), loaders, operators',
    consumer: 'on-new-data',
    dedupe:
      "`idempotencyKey`; without one (and for landing-folder files), `dataUri#sha256` of the file's content, so an overwrite with new content is new data; GCS events use `bucket/name#generation`. A sidecar `NAME.contract.json` next to `NAME.csv` is used when `contractUri` is absent, and the model remembers it",
    examples: [
      { type: 'data.landed', dataUri: 'gs://ipo-data/snapshots/2024-06-01.csv', rowCount: 5120, source: 'loader' },
    ],
  },
  'retrain-requests': {
    publishers: 'Cloud Scheduler, on-drift-alert, on-eval-complete, operators',
    consumer: 'on-new-data',
    dedupe:
      '`idempotencyKey`, else `requestedBy@scheduledTime` (attribute or field), else the message id; `run.cancel`: `idempotencyKey`, else the message id',
    examples: [
      { type: 'retrain.requested', reason: 'manual', requestedBy: 'alice@example.com' },
      { type: 'run.cancel', actor: 'alice@example.com', reason: 'wrong file landed' },
    ],
  },
  'pipeline-events': {
    publishers: 'Vertex AI log sink (PipelineJob terminal states), the local runner, Cloud Scheduler (reconcile)',
    consumer: 'on-eval-complete',
    dedupe:
      '`pipelineJobId#state` (any given key is kept for logs only); reconcile ticks `idempotencyKey`, else `reconcile@scheduledTime`, else the message id',
    examples: [
      {
        type: 'pipeline.completed',
        runId: 'run-20240601-1',
        pipelineJobId: 'run-20240601-1',
        state: 'succeeded',
        finishedAt: '2024-06-01T10:00:00Z',
      },
      { type: 'system.reconcile' },
    ],
  },
  promotions: {
    publishers: 'on-eval-complete, on-drift-alert, experiment conclusion, operators',
    consumer: 'on-promotion',
    dedupe: '`idempotencyKey`, else the message id',
    examples: [
      { type: 'promotion.command', action: 'approve', version: '1.4.0', actor: 'alice@example.com' },
      {
        type: 'promotion.command',
        action: 'set-traffic',
        traffic: { '1.3.0': 90, '1.4.0': 10 },
        actor: 'alice@example.com',
      },
      { type: 'promotion.command', action: 'rollback', reason: 'MAPE regression', actor: 'bob@example.com' },
      {
        type: 'policy.update',
        actor: 'alice@example.com',
        policy: { gate: { scale: 'log' }, approvers: ['alice@example.com', 'bob@example.com', 'automation'] },
        reason: 'judge R² on the log scale',
      },
    ],
  },
  'drift-alerts': {
    publishers:
      'Cloud Monitoring (Pub/Sub channel; also the HTTP webhook), Vertex anomaly log sink, scheduled monitor, operators',
    consumer: 'on-drift-alert',
    dedupe:
      'incidents `incident_id#state`; anomalies `insertId`; scheduled checks `idempotencyKey`, else `scheduled-check@scheduledTime`; findings and alert commands `idempotencyKey` or message id. Findings of one model, source, signal and version update the open alert instead of opening another',
    examples: [
      { type: 'monitor.scheduled-check' },
      {
        type: 'drift.detected',
        signal: 'drift',
        source: 'operator',
        summary: 'sector mix shifted',
        evidence: { psi: 0.31 },
      },
      {
        type: 'alert.command',
        action: 'ack',
        alertId: 'alert-3f2a9c1b7d4e',
        actor: 'alice@example.com',
        reason: 'looking into it',
      },
    ],
  },
  'lifecycle-events': {
    publishers: 'every function, after each transition',
    consumer: 'operators, chat bridges, audit sinks (no function)',
    dedupe: '`idempotencyKey` attribute, else the message id',
    examples: [
      {
        type: 'lifecycle.event',
        event: 'version.promoted',
        modelId: 'ipo-valuation',
        subject: { kind: 'version', id: '1.4.0' },
        from: 'canary',
        to: 'production',
        actor: 'on-promotion',
        reason: 'canary passed',
        correlationId: 'c-1',
        occurredAt: '2024-06-01T10:00:00Z',
      },
    ],
  },
};
