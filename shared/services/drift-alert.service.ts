/**
 * on-drift-alert's use case: an alert (Cloud Monitoring incident, Vertex anomaly, the scheduled
 * monitor's finding, an operator) is recorded, confirmed, and becomes exactly one action:
 * roll back a live canary, request a (debounced) retrain, or resolve.
 */
import { decideAlert, parsePolicy, type RecentAlert } from '../domain/lifecycle/index.js';
import { COLLECTIONS, type AlertDoc, SCHEMAS } from '../domain/state.js';
import type { Transaction } from '../ports/state-store.js';
import { DecisionLog, type ServiceDeps } from './context.js';
import { derivedId, processOnce, type Decision, type MessageIdentity, type Processed } from './processing.js';
import { getDoc, queryDocs } from './documents.js';

/** The signals an alert can carry. */
export const ALERT_SIGNALS = ['drift', 'skew', 'performance', 'freshness'] as const;
/** An alert signal. */
export type AlertSignal = (typeof ALERT_SIGNALS)[number];

/** An alert after decoding, whatever its source. */
export interface AlertInput {
  /** Identity of the alert across its open/closed notifications (incident id, anomaly insert id). */
  alertKey: string;
  source: 'cloud-monitoring' | 'vertex-anomaly' | 'monitor' | 'operator';
  modelId: string;
  state: 'open' | 'closed';
  signal: AlertSignal;
  summary: string;
  /** Version the alert is about, when known. */
  version?: string;
  evidence?: Record<string, unknown>;
  /** Statistical confirmation, when the alert came from outside (filled before the transaction). */
  confirmation?: { confirmed: boolean; evidence: Record<string, unknown> };
}

const retrainReason: Record<AlertSignal, 'drift' | 'performance' | 'freshness'> = { drift: 'drift', skew: 'drift', performance: 'performance', freshness: 'freshness' };

/** Handle an alert exactly once. */
export async function handleAlert(deps: ServiceDeps, identity: MessageIdentity, alert: AlertInput): Promise<Processed> {
  return processOnce(deps, identity, (tx, now) => decide(deps, identity, tx, now, alert));
}

async function decide(deps: ServiceDeps, identity: MessageIdentity, tx: Transaction, now: Date, alert: AlertInput): Promise<Decision> {
  const alertId = derivedId('alert', `${alert.source}:${alert.alertKey}`);
  const existing = await getDoc(tx, SCHEMAS.AlertDoc, COLLECTIONS.alerts, alertId);
  const model = await getDoc(tx, SCHEMAS.ModelDoc, COLLECTIONS.models, alert.modelId);
  // Only alerts that requested a retrain inside the debounce window matter: a single-field range query
  // (no composite index) keeps this read flat however many alerts a model has had.
  const window = model ? parsePolicy(model.policy).alertDebounceMinutes : 0;
  const since = new Date(now.getTime() - window * 60_000).toISOString();
  const recent = (await queryDocs(tx, SCHEMAS.AlertDoc, COLLECTIONS.alerts, { where: [{ field: 'retrainRequestedAt', op: '>=', value: since }] }))
    .filter((r) => r.data.modelId === alert.modelId);
  // The live canary is whatever serves traffic beside the champion: one document read, not a scan of versions.
  const deployment = model ? await getDoc(tx, SCHEMAS.DeploymentDoc, COLLECTIONS.deployments, model.endpointId) : undefined;
  const at = now.toISOString();
  const log = new DecisionLog(identity, now, deps.settings.commandSigningKey);
  const subject = { kind: 'alert' as const, id: alertId };
  const doc: AlertDoc = {
    ...(existing ?? { alertId, modelId: alert.modelId, source: alert.source, signal: alert.signal, openedAt: at }),
    state: alert.state, summary: alert.summary, updatedAt: at,
    evidence: { ...(existing?.evidence ?? {}), ...(alert.evidence ?? {}), ...(alert.confirmation ? { confirmation: alert.confirmation.evidence } : {}) },
  };
  if (!model) {
    tx.set(COLLECTIONS.alerts, alertId, { ...doc, action: 'ignored: unknown model' });
    log.event(tx, { event: 'alert.ignored', modelId: alert.modelId, subject, actor: 'on-drift-alert', reason: `model ${alert.modelId} is not managed here` });
    return { outcome: { kind: 'ignored', alertId }, messages: log.messages };
  }
  const policy = parsePolicy(model.policy);
  if (alert.state === 'open' && alert.confirmation && !alert.confirmation.confirmed) {
    tx.set(COLLECTIONS.alerts, alertId, { ...doc, action: 'not confirmed by statistics' });
    log.event(tx, { event: 'alert.ignored', modelId: model.modelId, subject, actor: 'on-drift-alert', reason: `${alert.summary}: not confirmed by the drift statistics`, evidence: alert.confirmation.evidence });
    return { outcome: { kind: 'not-confirmed', alertId }, messages: log.messages };
  }
  const liveCanary = Object.keys(deployment?.split ?? {}).find((v) => v !== model.championVersion && (deployment?.split[v] ?? 0) > 0);
  const decision = decideAlert({
    alert: { key: alertId, state: alert.state, signal: alert.signal === 'freshness' ? 'drift' : alert.signal, modelId: model.modelId, at, ...(alert.version ? { version: alert.version } : {}) },
    recentAlerts: recent.filter((r) => r.id !== alertId).flatMap((r) => retrainRequested(r.data)),
    liveCanary: liveCanary ? { version: liveCanary } : undefined,
    policy, now,
  });
  doc.decision = decision.kind;
  doc.decidedAt = at;
  switch (decision.kind) {
    case 'resolve':
      tx.set(COLLECTIONS.alerts, alertId, { ...doc, closedAt: at, action: existing?.action ?? 'resolved' });
      log.event(tx, { event: 'alert.resolved', modelId: model.modelId, subject, from: 'open', to: 'closed', actor: alert.source, reason: alert.summary });
      break;
    case 'rollback-canary':
      tx.set(COLLECTIONS.alerts, alertId, { ...doc, action: `rollback canary ${decision.version}` });
      log.event(tx, { event: 'alert.opened', modelId: model.modelId, subject, to: 'open', actor: alert.source, reason: alert.summary, evidence: doc.evidence });
      log.command('promotions', { type: 'promotion.command', action: 'rollback', modelId: model.modelId, version: decision.version, actor: 'automation', reason: `alert ${alertId}: ${alert.summary}` }, 'rollback');
      break;
    case 'request-retrain':
      tx.set(COLLECTIONS.alerts, alertId, { ...doc, action: 'retrain requested', retrainRequestedAt: at });
      tx.set(COLLECTIONS.models, model.modelId, { ...model, lastRetrainRequestAt: at, updatedAt: at });
      log.event(tx, { event: 'alert.opened', modelId: model.modelId, subject, to: 'open', actor: alert.source, reason: alert.summary, evidence: doc.evidence });
      log.command('retrain-requests', { type: 'retrain.requested', modelId: model.modelId, reason: retrainReason[alert.signal], requestedBy: 'on-drift-alert', details: { alertId, summary: alert.summary } }, 'retrain');
      break;
    case 'debounced':
      tx.set(COLLECTIONS.alerts, alertId, { ...doc, action: existing?.action ?? `debounced: ${decision.reason}` });
      log.event(tx, { event: 'alert.ignored', modelId: model.modelId, subject, actor: 'on-drift-alert', reason: decision.reason });
      break;
  }
  return { outcome: { kind: decision.kind, alertId }, messages: log.messages };
}

/**
 * When an alert requested a retrain, for the debounce. Kept in its own field: the alert's later
 * decisions (resolve on close, debounced) overwrite `decision`, and must not erase the request.
 */
function retrainRequested(alert: AlertDoc): RecentAlert[] {
  const at = alert.retrainRequestedAt ?? (alert.decision === 'request-retrain' ? alert.decidedAt : undefined);
  return at === undefined ? [] : [{ modelId: alert.modelId, action: 'request-retrain', at }];
}
