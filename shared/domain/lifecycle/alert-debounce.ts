/**
 * What to do about a monitoring alert: roll back a live canary, request a retrain, or do nothing
 * because a retrain was requested recently (so an alert that opens, closes and reopens does not storm).
 */
import type { DriftSignal } from '../contracts/drift-alerts.js';
import type { RetrainReason } from '../contracts/retrain-requests.js';
import type { ModelPolicy } from './policy.js';
import { minutesBetween, type Instant } from './time.js';

/** Whether an incident is open or closed (Cloud Monitoring sends both with the same incident id). */
export const ALERT_STATES = ['open', 'closed'] as const;
/** An alert state. */
export type AlertState = (typeof ALERT_STATES)[number];

/** The actions an alert can lead to. */
export const ALERT_ACTIONS = ['rollback-canary', 'request-retrain', 'debounced', 'resolve'] as const;
/** An alert action. */
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/** An incoming alert. */
export interface AlertFacts {
  /** Incident id or anomaly log insertId. */
  key: string;
  state: AlertState;
  signal: DriftSignal;
  modelId: string;
  /**
   * The version the alert names, when it names one. An alert naming no version is about the canary only
   * for performance (the served errors); unversioned drift or skew is about the data, so it asks for a retrain.
   */
  version?: string;
  at: Instant;
}

/** A past alert of the model and the action recorded for it. */
export interface RecentAlert {
  modelId: string;
  action?: AlertAction;
  at: Instant;
}

/** Everything `decideAlert` needs. */
export interface AlertDecisionInput {
  alert: AlertFacts;
  recentAlerts: readonly RecentAlert[];
  liveCanary?: { version: string };
  policy: ModelPolicy;
  now: Instant;
}

/** The decision about an alert. */
export type AlertDecision =
  | { kind: 'rollback-canary'; version: string }
  | { kind: 'request-retrain'; reason: RetrainReason }
  | { kind: 'debounced'; reason: string }
  | { kind: 'resolve' };

/** The retrain reason an alert signal leads to (skew is a drift of serving data against training data). */
export const SIGNAL_RETRAIN_REASON: Readonly<Record<DriftSignal, RetrainReason>> = {
  drift: 'drift',
  skew: 'drift',
  performance: 'performance',
  freshness: 'freshness',
};

/** Signals that say something about the serving model, so they condemn a live canary; freshness is about the data. */
export const CANARY_SIGNALS: readonly DriftSignal[] = ['drift', 'skew', 'performance'];

/** Decide the action for an alert; only a recorded `request-retrain` within the debounce window suppresses a retrain. */
export function decideAlert(input: AlertDecisionInput): AlertDecision {
  const { alert, recentAlerts, liveCanary, policy, now } = input;
  if (alert.state === 'closed') return { kind: 'resolve' };
  const aboutCanary =
    liveCanary !== undefined &&
    (alert.version === liveCanary.version || (alert.version === undefined && alert.signal === 'performance'));
  if (aboutCanary && CANARY_SIGNALS.includes(alert.signal)) {
    return { kind: 'rollback-canary', version: liveCanary.version };
  }
  const window = policy.alertDebounceMinutes;
  const recent = recentAlerts
    .filter((a) => a.modelId === alert.modelId && a.action === 'request-retrain')
    // Absolute age: a request recorded just after `now` (out-of-order delivery) also counts.
    .map((a) => ({ a, age: Math.abs(minutesBetween(a.at, now)) }))
    .filter(({ age }) => age < window)
    .sort((x, y) => x.age - y.age)[0];
  if (recent !== undefined) {
    return {
      kind: 'debounced',
      reason: `a retrain was requested for ${alert.modelId} ${Math.floor(recent.age)} min ago (debounce window ${window} min)`,
    };
  }
  return { kind: 'request-retrain', reason: SIGNAL_RETRAIN_REASON[alert.signal] };
}
