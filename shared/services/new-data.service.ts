/**
 * on-new-data's use case: new data landed or a retrain was requested -> one policy decides
 * start / coalesce / skip; a start creates the run and launches the pipeline after commit.
 */
import { decideRetrain, parsePolicy, requestersOf } from '../domain/lifecycle/index.js';
import type { RetrainReason } from '../domain/contracts/index.js';
import { PermanentError } from '../domain/errors.js';
import { COLLECTIONS, type ModelDoc, SCHEMAS } from '../domain/state.js';
import type { Transaction } from '../ports/state-store.js';
import { DecisionLog, readModel, type ServiceDeps } from './context.js';
import { derivedId, processOnce, recordRejection, type Decision, type MessageIdentity, type Processed } from './processing.js';
import { launchEffect, newRun } from './runs.js';
import { getDoc } from './documents.js';

/** A retrain trigger after decoding: landed data or an explicit request. */
export interface RetrainTrigger {
  modelId: string;
  reason: 'schedule' | 'new-data' | 'drift' | 'performance' | 'freshness' | 'manual';
  requestedBy: string;
  dataUri?: string;
  contractUri?: string;
  details?: Record<string, unknown>;
}

/** Handle a trigger exactly once. Landed data must be readable before anything starts. */
export async function handleRetrainTrigger(deps: ServiceDeps, identity: MessageIdentity, trigger: RetrainTrigger): Promise<Processed> {
  let rows: number | undefined;
  let latestPeriod: string | undefined;
  if (trigger.dataUri !== undefined) {
    try {
      const described = await deps.datasets.describe(trigger.dataUri);
      rows = described.rowCount;
      latestPeriod = described.latestPeriod;
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      await recordRejection(deps, identity, err);
      return { outcome: { kind: 'rejected', code: err.code, message: err.message }, status: 'rejected', duplicate: false };
    }
  }
  return processOnce(deps, identity, (tx, now) => decide(deps, identity, tx, now, trigger, rows, latestPeriod));
}

async function decide(
  deps: ServiceDeps, identity: MessageIdentity, tx: Transaction, now: Date,
  trigger: RetrainTrigger, rows: number | undefined, latestPeriod: string | undefined,
): Promise<Decision> {
  const { model } = await readModel(tx, deps.settings, trigger.modelId, now);
  const inFlight = model.inFlightRunId ? await getDoc(tx, SCHEMAS.RunDoc, COLLECTIONS.runs, model.inFlightRunId) : undefined;
  const policy = parsePolicy(model.policy);
  const at = now.toISOString();
  const log = new DecisionLog(identity, now, deps.settings.commandSigningKey);
  const next: ModelDoc = { ...model, updatedAt: at };
  if (trigger.dataUri !== undefined && rows !== undefined) {
    Object.assign(next, { lastDataUri: trigger.dataUri, lastDataRows: rows, lastDataAt: latestPeriod ?? at });
  }
  const dataUri = trigger.dataUri ?? model.lastDataUri;
  const live = inFlight && !['succeeded', 'evaluated', 'failed', 'cancelled'].includes(inFlight.state) ? inFlight : undefined;
  const decision = decideRetrain({
    request: { reason: trigger.reason, requestedAt: at, dataUri, newRows: rows === undefined ? undefined : rows - (model.champion?.rows ?? 0) },
    model: {
      championTrainedAt: model.champion?.trainedAt, championDataSnapshotAt: model.champion?.dataSnapshotAt, championRows: model.champion?.rows,
      lastRunFinishedAt: model.lastRunFinishedAt, latestDataAt: next.lastDataAt,
    },
    inFlightRun: live ? { runId: live.runId, pendingReasons: (live.followUp?.reasons ?? []) as RetrainReason[] } : undefined,
    policy, now,
  });
  const subject = { kind: 'run' as const, id: live?.runId ?? '-' };
  if (decision.kind === 'skip' || (decision.kind === 'start' && dataUri === undefined)) {
    const reason = decision.kind === 'skip' ? decision.reason : 'no data has landed for this model yet';
    tx.set(COLLECTIONS.models, model.modelId, next);
    log.event(tx, { event: 'retrain.skipped', modelId: model.modelId, subject, actor: trigger.requestedBy, reason, evidence: { trigger: trigger.reason, rows } });
    return { outcome: { kind: 'skipped', reason }, messages: log.messages };
  }
  if (decision.kind === 'coalesce' && live && (dataUri === undefined || dataUri === live.dataUri) && decision.reasons.every((r) => live.reasons.includes(r) || r === 'new-data')) {
    // The run in flight already trains on this data for these reasons: a follow-up would train the same model again.
    tx.set(COLLECTIONS.models, model.modelId, next);
    const reason = `already covered by ${live.runId}, in flight on the same data`;
    log.event(tx, { event: 'retrain.skipped', modelId: model.modelId, subject, actor: trigger.requestedBy, reason, evidence: { trigger: trigger.reason } });
    return { outcome: { kind: 'skipped', reason }, messages: log.messages };
  }
  if (decision.kind === 'coalesce' && live) {
    const followUp = { reasons: decision.reasons, dataUri: dataUri ?? live.followUp?.dataUri, requestedAt: at, requestedBy: requestersOf(live.followUp ?? {}, trigger.requestedBy) };
    tx.set(COLLECTIONS.runs, live.runId, { ...live, followUp, updatedAt: at });
    tx.set(COLLECTIONS.models, model.modelId, next);
    log.event(tx, { event: 'run.coalesced', modelId: model.modelId, subject, actor: trigger.requestedBy, reason: `coalesced into a follow-up of ${live.runId}: ${decision.reasons.join(', ')}` });
    return { outcome: { kind: 'coalesced', runId: live.runId, reasons: decision.reasons }, messages: log.messages };
  }
  const reasons = decision.kind === 'start' ? decision.reasons : [trigger.reason];
  // Who asked is kept on the run and its version's lineage: the four-eyes rule reads it from there.
  const run = { ...newRun(deps, derivedId('run', identity.dedupeKey), model.modelId, reasons, dataUri as string, trigger.contractUri, identity.correlationId, at, 1), requestedBy: [trigger.requestedBy] };
  tx.set(COLLECTIONS.runs, run.runId, run);
  tx.set(COLLECTIONS.models, model.modelId, { ...next, inFlightRunId: run.runId, lastRetrainRequestAt: at });
  log.event(tx, { event: 'run.requested', modelId: model.modelId, subject: { kind: 'run', id: run.runId }, to: 'requested', actor: trigger.requestedBy, reason: reasons.join(', '), evidence: { dataUri: run.dataUri, rows } });
  return { outcome: { kind: 'started', runId: run.runId, reasons }, effects: [launchEffect(run)], messages: log.messages };
}
