/**
 * The lifecycle of an alert document: one open alert per model, source, signal and version, which
 * later observations of the same thing update (counting occurrences) instead of opening another;
 * closing ends it, acknowledging records who owns it. Also the bounds that keep an alert within a
 * Firestore document (summaries truncated, evidence summarised, never dropped).
 */
import type { DriftSignal } from '../contracts/drift-alerts.js';
import type { AlertCommandAction } from '../contracts/drift-alerts.js';
import { minutesBetween, type Instant } from './time.js';
import type { AlertState } from './alert-debounce.js';

/** Where alerts come from. */
export const ALERT_SOURCES = ['cloud-monitoring', 'vertex-anomaly', 'monitor', 'operator'] as const;
/** An alert source. */
export type AlertSource = (typeof ALERT_SOURCES)[number];

/** The slot on the model an open alert occupies: its source, signal and the version it names. Incidents use their own id. */
export function alertSlot(
  source: AlertSource,
  signal: DriftSignal,
  version: string | undefined,
  incidentId?: string,
): string {
  return incidentId !== undefined ? `${source}:${incidentId}` : `${source}:${signal}:${version ?? 'any'}`;
}

/** What is known about the alert already in the slot. */
export interface ExistingAlert {
  state: AlertState;
  lastSeenAt: Instant;
}

/** What an observation does to the alert in its slot. */
export type AlertObservation =
  /** No open alert (or a quiet one, which `supersedes`): a new alert opens and is decided on. */
  | { kind: 'open'; supersedes?: 'quiet' }
  /** The open alert seen again: count it, decide nothing new. */
  | { kind: 'repeat' }
  /** The open alert's source says it ended. */
  | { kind: 'close' }
  /** An "open" for an alert that already closed (notifications out of order): it stays closed. */
  | { kind: 'late-open' }
  /** A "closed" for an alert that is closed, or was never seen open. */
  | { kind: 'already-closed' };

/**
 * Classify an observation. An open alert that has not been seen for `quietMinutes` is over: the next
 * occurrence opens a new one (sources like Vertex anomalies never send a "closed").
 */
export function observeAlert(
  existing: ExistingAlert | undefined,
  observed: AlertState,
  now: Instant,
  quietMinutes: number,
): AlertObservation {
  if (existing === undefined) return observed === 'open' ? { kind: 'open' } : { kind: 'already-closed' };
  if (existing.state === 'closed') return observed === 'open' ? { kind: 'late-open' } : { kind: 'already-closed' };
  if (observed === 'closed') return { kind: 'close' };
  const quiet = Math.abs(minutesBetween(existing.lastSeenAt, now)) >= quietMinutes;
  return quiet ? { kind: 'open', supersedes: 'quiet' } : { kind: 'repeat' };
}

/** Why an operator's alert command is refused (undefined: it applies). */
export function refuseAlertCommand(
  action: AlertCommandAction,
  alert: { state: AlertState; acknowledged?: { actor: string } },
): string | undefined {
  if (alert.state === 'closed') return `it is already closed`;
  if (action === 'ack' && alert.acknowledged !== undefined)
    return `it was already acknowledged by ${alert.acknowledged.actor}`;
  return undefined;
}

/** Longest alert summary kept (longer ones are truncated with a note, never dropped). */
export const MAX_SUMMARY_CHARS = 1000;
/** Largest evidence kept as it is, as JSON; larger evidence is summarised. Far below Firestore's 1 MiB per document. */
export const MAX_EVIDENCE_BYTES = 64 * 1024;

/** A summary that fits an alert document. */
export function boundedSummary(summary: string): string {
  if (summary.length <= MAX_SUMMARY_CHARS) return summary;
  return `${summary.slice(0, MAX_SUMMARY_CHARS)}… (truncated from ${summary.length} characters)`;
}

/** Evidence that fits an alert or audit document: as it is when small, else its small top-level values and the names of the rest. */
export function boundedEvidence(evidence: Record<string, unknown>): Record<string, unknown> {
  const bytes = new TextEncoder().encode(JSON.stringify(evidence)).length;
  if (bytes <= MAX_EVIDENCE_BYTES) return evidence;
  const kept: Record<string, unknown> = {};
  const omitted: string[] = [];
  for (const [key, value] of Object.entries(evidence)) {
    const small =
      value === null ||
      typeof value === 'number' ||
      typeof value === 'boolean' ||
      (typeof value === 'string' && value.length <= 200);
    if (small && key.length <= 100 && Object.keys(kept).length < 100) kept[key] = value;
    else omitted.push(key.slice(0, 100));
  }
  return {
    ...kept,
    truncated: { originalBytes: bytes, omittedFields: omitted.slice(0, 100), omittedCount: omitted.length },
  };
}
