/**
 * on-drift-alert's use case: an observation (Cloud Monitoring incident, Vertex anomaly, the scheduled
 * monitor's finding, an operator's report) updates the alert of its slot: a new alert is confirmed and
 * becomes exactly one action (roll back a live canary, request a debounced retrain, or nothing); a
 * repeat only counts; a close resolves. Summaries and evidence are bounded to fit a Firestore document.
 */
import type { DriftSignal } from '../domain/contracts/index.js';
import {
  alertSlot,
  boundedEvidence,
  boundedSummary,
  decideAlert,
  observeAlert,
  parsePolicy,
  type AlertAction,
  type AlertSource,
  type AlertState,
  type RecentAlert,
} from '../domain/lifecycle/index.js';
import { COLLECTIONS, type AlertDoc, type ModelDoc, SCHEMAS } from '../domain/state.js';
import type { Transaction } from '../ports/state-store.js';
import { DecisionLog, type ServiceDeps } from './context.js';
import { derivedId, processOnce, type Decision, type MessageIdentity, type Processed } from './processing.js';
import { getDoc, queryDocs } from './documents.js';

/** An alert observation after decoding, whatever its source. */
export interface AlertInput {
  /** A Cloud Monitoring incident's own id: the incident is its own slot (open and closed share it). */
  incidentId?: string;
  source: AlertSource;
  modelId: string;
  state: AlertState;
  signal: DriftSignal;
  summary: string;
  /** Version the alert is about, when known. */
  version?: string;
  evidence?: Record<string, unknown>;
  /** Statistical confirmation, when the alert came from outside (filled before the transaction). */
  confirmation?: { confirmed: boolean; evidence: Record<string, unknown> };
}

/** What handling an observation did (the ledger's outcome). */
export type AlertOutcome =
  | { kind: AlertAction; alertId: string }
  | { kind: 'not-confirmed' | 'late-open' | 'already-closed'; alertId: string }
  | { kind: 'repeat'; alertId: string; occurrences: number }
  | { kind: 'ignored'; alertId: string; reason: string };

/** Handle an alert observation exactly once. */
export async function handleAlert(deps: ServiceDeps, identity: MessageIdentity, alert: AlertInput): Promise<Processed> {
  return processOnce(deps, identity, (tx, now) => decide(deps, identity, tx, now, alert));
}

/** Everything one decision reads and writes. */
interface Ctx {
  tx: Transaction;
  log: DecisionLog;
  at: string;
  alert: AlertInput;
  slot: string;
  model: ModelDoc;
  subject: { kind: 'alert'; id: string };
}

async function decide(
  deps: ServiceDeps,
  identity: MessageIdentity,
  tx: Transaction,
  now: Date,
  alert: AlertInput,
): Promise<Decision> {
  const at = now.toISOString();
  const log = new DecisionLog(identity, now, deps.settings.commandSigningKey);
  const slot = alertSlot(alert.source, alert.signal, alert.version, alert.incidentId);
  const model = await getDoc(tx, SCHEMAS.ModelDoc, COLLECTIONS.models, alert.modelId);
  const incident = alert.incidentId !== undefined;
  const pointer = incident ? derivedId('alert', slot) : model?.openAlerts?.[slot];
  const found = pointer === undefined ? undefined : await getDoc(tx, SCHEMAS.AlertDoc, COLLECTIONS.alerts, pointer);
  // A slot's closed alert is history: the next observation opens a new one. An incident stays closed for good.
  const existing = !incident && found?.state === 'closed' ? undefined : found;
  const quietMinutes = incident || !model ? Number.POSITIVE_INFINITY : parsePolicy(model.policy).alertDebounceMinutes;
  const observation = observeAlert(
    existing ? { state: existing.state, lastSeenAt: existing.lastSeenAt ?? existing.updatedAt } : undefined,
    alert.state,
    at,
    quietMinutes,
  );
  const alertId =
    existing && observation.kind !== 'open'
      ? existing.alertId
      : incident
        ? derivedId('alert', slot)
        : derivedId('alert', `${slot}@${identity.dedupeKey}`);
  const fresh = freshDoc(alert, alertId, slot, at);
  if (!model) {
    tx.set(COLLECTIONS.alerts, alertId, { ...(existing ?? fresh), action: 'ignored: unknown model', updatedAt: at });
    const reason = `model ${alert.modelId} is not managed here`;
    log.event(tx, {
      event: 'alert.ignored',
      modelId: alert.modelId,
      subject: { kind: 'alert', id: alertId },
      actor: 'on-drift-alert',
      reason,
    });
    return done({ kind: 'ignored', alertId, reason }, log);
  }
  const ctx: Ctx = { tx, log, at, alert, slot, model, subject: { kind: 'alert', id: alertId } };
  switch (observation.kind) {
    case 'repeat': {
      const doc = existing as AlertDoc;
      if (doc.decision === 'not-confirmed' && alert.confirmation?.confirmed !== false)
        return open(ctx, seen(doc, alert, at), now);
      const next = seen(doc, alert, at);
      tx.set(COLLECTIONS.alerts, alertId, next);
      return done({ kind: 'repeat', alertId, occurrences: next.occurrences ?? 1 }, log);
    }
    case 'close':
      return closeAlert(tx, log, at, model, seen(existing as AlertDoc, alert, at), alert.source, alert.summary);
    case 'late-open':
      tx.set(COLLECTIONS.alerts, alertId, { ...(existing as AlertDoc), lateOpenAt: at });
      log.event(tx, {
        event: 'alert.ignored',
        modelId: model.modelId,
        subject: ctx.subject,
        actor: 'on-drift-alert',
        reason: `an "open" notification arrived after ${alertId} closed (out of order): it stays closed`,
      });
      return done({ kind: 'late-open', alertId }, log);
    case 'already-closed':
      if (existing) return done({ kind: 'already-closed', alertId }, log);
      // Closed before it was ever seen open: record it closed, so a late "open" cannot reopen it.
      tx.set(COLLECTIONS.alerts, alertId, {
        ...fresh,
        state: 'closed',
        decision: 'resolve',
        decidedAt: at,
        closedAt: at,
        closedBy: alert.source,
        closeReason: fresh.summary,
        action: 'resolved',
      });
      log.event(tx, {
        event: 'alert.resolved',
        modelId: model.modelId,
        subject: ctx.subject,
        to: 'closed',
        actor: alert.source,
        reason: fresh.summary,
      });
      return done({ kind: 'resolve', alertId }, log);
    case 'open':
      return open(ctx, fresh, now, observation.supersedes && existing ? { doc: existing, quietMinutes } : undefined);
  }
}

/** Close an open alert nobody has seen for a while: its episode is over, a new occurrence opened another. */
function endQuiet(ctx: Ctx, quiet: { doc: AlertDoc; quietMinutes: number }): void {
  const reason = `not seen for ${quiet.quietMinutes} min; a new occurrence opened ${ctx.subject.id}`;
  ctx.tx.set(COLLECTIONS.alerts, quiet.doc.alertId, {
    ...quiet.doc,
    state: 'closed',
    closedAt: ctx.at,
    closedBy: 'on-drift-alert',
    closeReason: reason,
    updatedAt: ctx.at,
  });
  ctx.log.event(ctx.tx, {
    event: 'alert.resolved',
    modelId: ctx.model.modelId,
    subject: { kind: 'alert', id: quiet.doc.alertId },
    from: 'open',
    to: 'closed',
    actor: 'on-drift-alert',
    reason,
  });
}

function freshDoc(alert: AlertInput, alertId: string, slot: string, at: string): AlertDoc {
  return {
    alertId,
    modelId: alert.modelId,
    source: alert.source,
    signal: alert.signal,
    slot,
    state: alert.state,
    summary: boundedSummary(alert.summary),
    evidence: evidenceOf(alert, {}),
    occurrences: 1,
    openedAt: at,
    lastSeenAt: at,
    updatedAt: at,
    ...(alert.version ? { version: alert.version } : {}),
  };
}

function evidenceOf(alert: AlertInput, previous: Record<string, unknown>): Record<string, unknown> {
  return boundedEvidence({
    ...previous,
    ...(alert.evidence ?? {}),
    ...(alert.confirmation ? { confirmation: alert.confirmation.evidence } : {}),
  });
}

/** The alert seen once more: counted, its summary and evidence the latest. */
function seen(doc: AlertDoc, alert: AlertInput, at: string): AlertDoc {
  return {
    ...doc,
    summary: boundedSummary(alert.summary),
    evidence: evidenceOf(alert, doc.evidence ?? {}),
    occurrences: (doc.occurrences ?? 1) + 1,
    lastSeenAt: at,
    updatedAt: at,
  };
}

function done(outcome: AlertOutcome, log: DecisionLog): Decision {
  return { outcome: { ...outcome }, messages: log.messages };
}

/** Occupy (or free) the model's slot; the model document is also what serializes concurrent alerts of one model. */
function withSlot(model: ModelDoc, slot: string, alertId: string | undefined, at: string): ModelDoc {
  const openAlerts = { ...(model.openAlerts ?? {}) };
  if (alertId === undefined) delete openAlerts[slot];
  else openAlerts[slot] = alertId;
  return { ...model, openAlerts, updatedAt: at };
}

/** A new open alert: confirmed or not, then one action. Every read comes before the first write (Firestore's rule). */
async function open(
  ctx: Ctx,
  doc: AlertDoc,
  now: Date,
  quiet?: { doc: AlertDoc; quietMinutes: number },
): Promise<Decision> {
  const { tx, log, at, alert, model, subject } = ctx;
  const slotted = alert.incidentId === undefined;
  const nextModel = slotted ? withSlot(model, ctx.slot, doc.alertId, at) : { ...model };
  const base: AlertDoc = { ...doc, state: 'open', decidedAt: at };
  if (alert.confirmation && !alert.confirmation.confirmed) {
    if (quiet) endQuiet(ctx, quiet);
    tx.set(COLLECTIONS.alerts, doc.alertId, {
      ...base,
      decision: 'not-confirmed',
      action: 'not confirmed by statistics',
    });
    if (slotted) tx.set(COLLECTIONS.models, model.modelId, nextModel);
    log.event(tx, {
      event: 'alert.ignored',
      modelId: model.modelId,
      subject,
      actor: 'on-drift-alert',
      reason: `${base.summary}: not confirmed by the drift statistics`,
      evidence: base.evidence,
    });
    return done({ kind: 'not-confirmed', alertId: doc.alertId }, log);
  }
  const policy = parsePolicy(model.policy);
  // Only alerts that requested a retrain inside the debounce window matter: a single-field range query
  // (no composite index) keeps this read flat however many alerts a model has had.
  const since = new Date(now.getTime() - policy.alertDebounceMinutes * 60_000).toISOString();
  const recent = (
    await queryDocs(tx, SCHEMAS.AlertDoc, COLLECTIONS.alerts, {
      where: [{ field: 'retrainRequestedAt', op: '>=', value: since }],
    })
  ).filter((r) => r.data.modelId === alert.modelId && r.id !== doc.alertId);
  // The live canary is whatever serves traffic beside the champion: one document read, not a scan of versions.
  const deployment = await getDoc(tx, SCHEMAS.DeploymentDoc, COLLECTIONS.deployments, model.endpointId);
  const liveCanary = Object.keys(deployment?.split ?? {}).find(
    (v) => v !== model.championVersion && (deployment?.split[v] ?? 0) > 0,
  );
  const decision = decideAlert({
    alert: {
      key: doc.alertId,
      state: 'open',
      signal: alert.signal,
      modelId: model.modelId,
      at,
      ...(alert.version ? { version: alert.version } : {}),
    },
    recentAlerts: recent.flatMap((r) => retrainRequested(r.data)),
    liveCanary: liveCanary ? { version: liveCanary } : undefined,
    policy,
    now,
  });
  if (quiet) endQuiet(ctx, quiet);
  const decided: AlertDoc = { ...base, decision: decision.kind };
  const opened = {
    event: 'alert.opened' as const,
    modelId: model.modelId,
    subject,
    to: 'open',
    actor: alert.source,
    reason: base.summary,
    evidence: base.evidence,
  };
  switch (decision.kind) {
    case 'rollback-canary':
      tx.set(COLLECTIONS.alerts, doc.alertId, { ...decided, action: `rollback canary ${decision.version}` });
      log.event(tx, opened);
      log.command(
        'promotions',
        {
          type: 'promotion.command',
          action: 'rollback',
          modelId: model.modelId,
          version: decision.version,
          actor: 'automation',
          reason: `alert ${doc.alertId}: ${base.summary}`,
        },
        'rollback',
      );
      break;
    case 'request-retrain':
      tx.set(COLLECTIONS.alerts, doc.alertId, { ...decided, action: 'retrain requested', retrainRequestedAt: at });
      Object.assign(nextModel, { lastRetrainRequestAt: at, updatedAt: at });
      log.event(tx, opened);
      log.command(
        'retrain-requests',
        {
          type: 'retrain.requested',
          modelId: model.modelId,
          reason: decision.reason,
          requestedBy: 'on-drift-alert',
          details: { alertId: doc.alertId, summary: base.summary },
        },
        'retrain',
      );
      break;
    case 'debounced':
      tx.set(COLLECTIONS.alerts, doc.alertId, { ...decided, action: `debounced: ${decision.reason}` });
      log.event(tx, {
        event: 'alert.ignored',
        modelId: model.modelId,
        subject,
        actor: 'on-drift-alert',
        reason: decision.reason,
      });
      break;
    case 'resolve':
      break; // decideAlert resolves only closed alerts; an opening one never gets here
  }
  if (slotted || decision.kind === 'request-retrain') tx.set(COLLECTIONS.models, model.modelId, nextModel);
  return done({ kind: decision.kind, alertId: doc.alertId }, log);
}

/** End an open alert (its source reported it closed, or an operator closed it), in `tx`; frees its slot on the model. */
export function closeAlert(
  tx: Transaction,
  log: DecisionLog,
  at: string,
  model: ModelDoc,
  doc: AlertDoc,
  by: string,
  reason: string,
): Decision {
  const subject = { kind: 'alert' as const, id: doc.alertId };
  tx.set(COLLECTIONS.alerts, doc.alertId, {
    ...doc,
    state: 'closed',
    decision: 'resolve',
    decidedAt: at,
    closedAt: at,
    closedBy: by,
    closeReason: boundedSummary(reason),
    action: doc.action ?? 'resolved',
    updatedAt: at,
  });
  if (doc.slot !== undefined && model.openAlerts?.[doc.slot] === doc.alertId)
    tx.set(COLLECTIONS.models, model.modelId, withSlot(model, doc.slot, undefined, at));
  log.event(tx, {
    event: 'alert.resolved',
    modelId: model.modelId,
    subject,
    from: 'open',
    to: 'closed',
    actor: by,
    reason: boundedSummary(reason),
  });
  return done({ kind: 'resolve', alertId: doc.alertId }, log);
}

/**
 * When an alert requested a retrain, for the debounce. Kept in its own field: the alert's later
 * decisions (resolve on close, debounced) overwrite `decision`, and must not erase the request.
 */
function retrainRequested(alert: AlertDoc): RecentAlert[] {
  const at = alert.retrainRequestedAt ?? (alert.decision === 'request-retrain' ? alert.decidedAt : undefined);
  return at === undefined ? [] : [{ modelId: alert.modelId, action: 'request-retrain', at }];
}
