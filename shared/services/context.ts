/**
 * What the use cases need, and small helpers they share: model bootstrap, audit + lifecycle events
 * written in the same transaction as the state change, and deterministic ids.
 */
import type { Topic } from '../domain/topics.js';
import type { LifecycleEventName, SubjectKind } from '../domain/contracts/index.js';
import { SIGNATURE_ATTRIBUTE, signCommand } from '../domain/lifecycle/command-signature.js';
import { COLLECTIONS, type ModelDoc, SCHEMAS } from '../domain/state.js';
import type { OutgoingMessage } from '../ports/event-bus.js';
import type { PipelineLauncher } from '../ports/pipeline-launcher.js';
import type { DatasetInspector } from '../ports/dataset-inspector.js';
import type { ModelInspector } from '../ports/model-inspector.js';
import type { ModelServing } from '../ports/model-serving.js';
import type { PredictionLog } from '../ports/prediction-log.js';
import type { MetricsSink } from '../ports/metrics-sink.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { Doc, Transaction } from '../ports/state-store.js';
import { derivedId, type MessageIdentity, type ProcessingDeps } from './processing.js';
import { getDoc } from './documents.js';

/** Settings the use cases read (from configuration, chosen by the composition root). */
export interface ServiceSettings {
  /** Default model id. */
  modelId: string;
  /** Endpoint serving the model. */
  endpointId: string;
  /** URI under which runs write artifacts (`file:///...` or `gs://bucket/runs`). */
  artifactRoot: string;
  /** Policy given to a model created on first sight. */
  defaultPolicy: Doc;
  /** Events older than this are discarded with an audit entry (`IPO_EVENT_TTL_HOURS`; default {@link DEFAULT_EVENT_TTL_HOURS}). */
  eventTtlHours?: number;
  /** Landed data larger than this is refused (`IPO_MAX_DATASET_BYTES`); when the announcement states the size, before it is read. */
  maxDatasetBytes?: number;
  /** HMAC key that signs the commands the control plane sends itself (actor `automation`) and verifies them on receipt. */
  commandSigningKey: string;
  /** Confirm every pipeline completion with the launcher before acting on it (Google Cloud: anyone able to publish could claim one). */
  verifyPipelineCompletions?: boolean;
}

/** The event TTL when the composition sets none: Pub/Sub's default retention, 7 days. */
export const DEFAULT_EVENT_TTL_HOURS = 168;

/** Everything the use cases use: the processing mechanism's ports plus the lifecycle ports. */
export interface ServiceDeps extends ProcessingDeps {
  launcher: PipelineLauncher;
  datasets: DatasetInspector;
  inspector: ModelInspector;
  serving: ModelServing;
  predictionLog: PredictionLog;
  metrics: MetricsSink;
  artifacts: ArtifactStore;
  settings: ServiceSettings;
}

/** A lifecycle event to audit and publish. */
export interface LifecycleEventInput {
  event: LifecycleEventName;
  modelId: string;
  subject: { kind: SubjectKind; id: string };
  from?: string;
  to?: string;
  actor: string;
  reason: string;
  evidence?: Doc;
}

/**
 * Writes within one decision: audit entries and lifecycle messages share the decision's key; commands
 * it emits are signed with the command signing key, so their receivers can trust an `automation` actor.
 */
export class DecisionLog {
  readonly messages: OutgoingMessage[] = [];
  private count = 0;

  constructor(
    private readonly identity: MessageIdentity,
    private readonly now: Date,
    private readonly signingKey: string,
  ) {}

  /** Append an audit record (in `tx`) and queue the matching `lifecycle-events` message. */
  event(tx: Transaction, input: LifecycleEventInput): void {
    const at = this.now.toISOString();
    const id = `${at.replace(/[^0-9]/g, '')}-${derivedId('e', `${this.identity.dedupeKey}#${this.count++}`, 10)}`;
    const record = {
      type: 'lifecycle.event',
      ...input,
      correlationId: this.identity.correlationId,
      occurredAt: at,
    };
    tx.set(COLLECTIONS.audit, id, { ...record, at, action: input.event, auditId: id, handler: this.identity.handler });
    this.messages.push({ topic: 'lifecycle-events', data: record, orderingKey: input.modelId });
  }

  /** Queue a command to another topic with a key derived from this decision's key, signed (`signature` attribute). */
  command(topic: Topic, data: Doc, suffix: string): void {
    const idempotencyKey = derivedId('k', `${this.identity.dedupeKey}->${suffix}`, 24);
    const payload = { ...data, idempotencyKey, correlationId: this.identity.correlationId };
    this.messages.push({
      topic,
      data: payload,
      attributes: { idempotencyKey, [SIGNATURE_ATTRIBUTE]: signCommand(this.signingKey, topic, payload) },
    });
  }
}

/** Read a model, or the document a new model starts with. Returns whether it must be created. */
export async function readModel(
  tx: Transaction,
  settings: ServiceSettings,
  modelId: string,
  now: Date,
): Promise<{ model: ModelDoc; isNew: boolean }> {
  const found = await getDoc(tx, SCHEMAS.ModelDoc, COLLECTIONS.models, modelId);
  if (found) return { model: found, isNew: false };
  const at = now.toISOString();
  return {
    isNew: true,
    model: {
      modelId,
      policy: settings.defaultPolicy,
      championHistory: [],
      endpointId: settings.endpointId,
      createdAt: at,
      updatedAt: at,
    },
  };
}
