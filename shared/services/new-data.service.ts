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
import {
  derivedId,
  processOnce,
  recordRejection,
  type Decision,
  type MessageIdentity,
  type Processed,
} from './processing.js';
import { launchEffect, newRun } from './runs.js';
import { getDoc } from './documents.js';

/** A retrain trigger after decoding: landed data or an explicit request. */
export interface RetrainTrigger {
  modelId: string;
  reason: 'schedule' | 'new-data' | 'drift' | 'performance' | 'freshness' | 'manual';
  requestedBy: string;
  dataUri?: string;
  contractUri?: string;
  /** A landing without an idempotency key: deduplicated on the data's content, so an overwritten file is new data. */
  contentKeyed?: boolean;
  /** The data's size when the announcement states it: the size guard applies before anything is read. */
  sizeBytes?: number;
  details?: Record<string, unknown>;
}

/** A sidecar contract's name (`NAME.contract.json`). */
const SIDECAR = /\.contract\.json$/i;

/** What the inspector found in landed data. */
interface Landed {
  rows: number;
  latestPeriod?: string;
  sha256: string;
  /** Rows the champion's training data did not contain (undefined: no champion data to compare with). */
  newRows?: number;
}

/**
 * Handle a trigger exactly once. Landed data must be readable CSV before anything starts, so junk
 * (binary, empty, too large) is refused and never becomes the model's last dataset.
 */
export async function handleRetrainTrigger(
  deps: ServiceDeps,
  identity: MessageIdentity,
  trigger: RetrainTrigger,
): Promise<Processed> {
  if (trigger.dataUri !== undefined && SIDECAR.test(trigger.dataUri)) {
    // A bucket notifies every object, the contract sidecar included: it is read when its NAME.csv lands.
    const reason = `${trigger.dataUri} is a sidecar data contract, not data: it applies when the CSV next to it lands`;
    return processOnce(deps, identity, async () => ({ outcome: { kind: 'ignored', reason } }));
  }
  if (trigger.dataUri === undefined)
    return processOnce(deps, identity, (tx, now) => decide(deps, identity, tx, now, trigger, undefined));
  let landed: Landed;
  let contractUri = trigger.contractUri;
  try {
    const limit = deps.settings.maxDatasetBytes;
    if (limit !== undefined && trigger.sizeBytes !== undefined && trigger.sizeBytes > limit) {
      throw new PermanentError(
        'DATA.TOO_LARGE',
        `dataUri: ${trigger.dataUri} is ${trigger.sizeBytes} bytes, over the size guard of ${limit} bytes (IPO_MAX_DATASET_BYTES)`,
      );
    }
    const described = await deps.datasets.describe(trigger.dataUri, {
      baselineUri: await championDataUri(deps, trigger.modelId),
    });
    landed = {
      rows: described.rowCount,
      sha256: described.sha256,
      ...(described.latestPeriod ? { latestPeriod: described.latestPeriod } : {}),
      ...(described.newRows !== undefined ? { newRows: described.newRows } : {}),
    };
    contractUri ??= described.contractUri;
  } catch (err) {
    if (!(err instanceof PermanentError)) throw err;
    await recordRejection(deps, identity, err);
    return {
      outcome: { kind: 'rejected', code: err.code, message: err.message },
      status: 'rejected',
      duplicate: false,
    };
  }
  const keyed = trigger.contentKeyed
    ? { ...identity, dedupeKey: `${identity.dedupeKey}#sha256:${landed.sha256}` }
    : identity;
  const withContract = contractUri === undefined ? trigger : { ...trigger, contractUri };
  return processOnce(deps, keyed, (tx, now) => decide(deps, keyed, tx, now, withContract, landed));
}

/** The data the champion was trained on (its version's lineage), read outside the transaction: it only sizes "new rows". */
async function championDataUri(deps: ServiceDeps, modelId: string): Promise<string | undefined> {
  const model = await getDoc(deps.store, SCHEMAS.ModelDoc, COLLECTIONS.models, modelId);
  if (model?.championVersion === undefined) return undefined;
  const version = await getDoc(deps.store, SCHEMAS.VersionDoc, COLLECTIONS.versions(modelId), model.championVersion);
  const uri = (version?.lineage as { dataUri?: unknown } | undefined)?.dataUri;
  return typeof uri === 'string' ? uri : undefined;
}

async function decide(
  deps: ServiceDeps,
  identity: MessageIdentity,
  tx: Transaction,
  now: Date,
  trigger: RetrainTrigger,
  landed: Landed | undefined,
): Promise<Decision> {
  const { model } = await readModel(tx, deps.settings, trigger.modelId, now);
  const inFlight = model.inFlightRunId
    ? await getDoc(tx, SCHEMAS.RunDoc, COLLECTIONS.runs, model.inFlightRunId)
    : undefined;
  const policy = parsePolicy(model.policy);
  const at = now.toISOString();
  const log = new DecisionLog(identity, now, deps.settings.commandSigningKey);
  const next: ModelDoc = { ...model, updatedAt: at };
  const rows = landed?.rows;
  if (trigger.dataUri !== undefined && landed !== undefined) {
    Object.assign(next, {
      lastDataUri: trigger.dataUri,
      lastDataRows: landed.rows,
      lastDataAt: landed.latestPeriod ?? at,
      lastDataSha256: landed.sha256,
    });
  }
  // A landing's contract (named, or its sidecar) becomes the model's: every later retrain uses it.
  if (trigger.contractUri !== undefined) next.contractUri = trigger.contractUri;
  const contractUri = next.contractUri;
  const dataUri = trigger.dataUri ?? model.lastDataUri;
  const live =
    inFlight && !['succeeded', 'evaluated', 'failed', 'cancelled'].includes(inFlight.state) ? inFlight : undefined;
  const decision = decideRetrain({
    request: {
      reason: trigger.reason,
      requestedAt: at,
      dataUri,
      newRows: landed === undefined ? undefined : (landed.newRows ?? landed.rows - (model.champion?.rows ?? 0)),
    },
    model: {
      championTrainedAt: model.champion?.trainedAt,
      championDataSnapshotAt: model.champion?.dataSnapshotAt,
      championRows: model.champion?.rows,
      lastRunFinishedAt: model.lastRunFinishedAt,
      latestDataAt: next.lastDataAt,
    },
    inFlightRun: live
      ? { runId: live.runId, pendingReasons: (live.followUp?.reasons ?? []) as RetrainReason[] }
      : undefined,
    policy,
    now,
  });
  const subject = { kind: 'run' as const, id: live?.runId ?? '-' };
  const skip = (reason: string, evidence: Record<string, unknown>): Decision => {
    tx.set(COLLECTIONS.models, model.modelId, next);
    log.event(tx, {
      event: 'retrain.skipped',
      modelId: model.modelId,
      subject,
      actor: trigger.requestedBy,
      reason,
      evidence,
    });
    return { outcome: { kind: 'skipped', reason }, messages: log.messages };
  };
  if (decision.kind === 'skip' || (decision.kind === 'start' && dataUri === undefined)) {
    const reason = decision.kind === 'skip' ? decision.reason : 'no data has landed for this model yet';
    return skip(reason, { trigger: trigger.reason, rows });
  }
  if (
    decision.kind === 'coalesce' &&
    live &&
    (dataUri === undefined || dataUri === live.dataUri) &&
    decision.reasons.every((r) => live.reasons.includes(r) || r === 'new-data')
  ) {
    // The run in flight already trains on this data for these reasons: a follow-up would train the same model again.
    return skip(`already covered by ${live.runId}, in flight on the same data`, { trigger: trigger.reason });
  }
  if (decision.kind === 'coalesce' && live) {
    const followUp = {
      reasons: decision.reasons,
      dataUri: dataUri ?? live.followUp?.dataUri,
      requestedAt: at,
      requestedBy: requestersOf(live.followUp ?? {}, trigger.requestedBy),
    };
    tx.set(COLLECTIONS.runs, live.runId, { ...live, followUp, updatedAt: at });
    tx.set(COLLECTIONS.models, model.modelId, next);
    log.event(tx, {
      event: 'run.coalesced',
      modelId: model.modelId,
      subject,
      actor: trigger.requestedBy,
      reason: `coalesced into a follow-up of ${live.runId}: ${decision.reasons.join(', ')}`,
    });
    return { outcome: { kind: 'coalesced', runId: live.runId, reasons: decision.reasons }, messages: log.messages };
  }
  const reasons = decision.kind === 'start' ? decision.reasons : [trigger.reason];
  // Who asked is kept on the run and its version's lineage: the four-eyes rule reads it from there.
  const run = {
    ...newRun(
      deps,
      derivedId('run', identity.dedupeKey),
      model.modelId,
      reasons,
      dataUri as string,
      contractUri,
      identity.correlationId,
      at,
      1,
    ),
    requestedBy: [trigger.requestedBy],
  };
  tx.set(COLLECTIONS.runs, run.runId, run);
  tx.set(COLLECTIONS.models, model.modelId, { ...next, inFlightRunId: run.runId, lastRetrainRequestAt: at });
  log.event(tx, {
    event: 'run.requested',
    modelId: model.modelId,
    subject: { kind: 'run', id: run.runId },
    to: 'requested',
    actor: trigger.requestedBy,
    reason: reasons.join(', '),
    evidence: {
      dataUri: run.dataUri,
      rows,
      ...(contractUri ? { contractUri } : {}),
      ...(landed?.newRows !== undefined ? { newRows: landed.newRows } : {}),
    },
  });
  return {
    outcome: { kind: 'started', runId: run.runId, reasons },
    effects: [launchEffect(run)],
    messages: log.messages,
  };
}
