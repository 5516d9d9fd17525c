/**
 * How old a delivered event is, for the event TTL: the delivery's send time (Pub/Sub publish time,
 * Storage object time) when known, else the payload's own time (an incident's end or start, an
 * anomaly window's end, a scheduler tick).
 */
import type { Topic } from '../topics.js';
import type { DecodedTopicMessage } from './decoded.js';

/**
 * Topics whose events stay true however late they come: a pipeline's completion is a fact about our
 * own run (dropping it would strand the run until the reconciler polls it).
 */
export const TTL_EXEMPT_TOPICS: readonly Topic[] = ['pipeline-events'];

/** The time an event happened or was sent (ISO-8601), when the delivery or the payload says. */
export function eventTimeOf(message: DecodedTopicMessage, sentAt: string | undefined): string | undefined {
  if (sentAt !== undefined && Number.isFinite(Date.parse(sentAt))) return sentAt;
  const p = message.payload;
  switch (p.type) {
    case 'monitoring.incident':
      return p.endedAt ?? p.startedAt;
    case 'vertex.anomaly':
      return p.endTime;
    case 'retrain.requested':
    case 'monitor.scheduled-check':
    case 'system.reconcile':
      return p.scheduledTime;
    default:
      return undefined;
  }
}

/** The verdict on an event's age. */
export type EventAge = { kind: 'fresh' } | { kind: 'expired'; eventTime: string; ageHours: number };

/** Whether a message is older than `ttlHours` at `now` (exempt topics and undated events are always fresh). */
export function judgeEventAge(
  message: DecodedTopicMessage,
  sentAt: string | undefined,
  ttlHours: number,
  now: Date,
): EventAge {
  if (TTL_EXEMPT_TOPICS.includes(message.topic)) return { kind: 'fresh' };
  const eventTime = eventTimeOf(message, sentAt);
  if (eventTime === undefined) return { kind: 'fresh' };
  const ageHours = (now.getTime() - Date.parse(eventTime)) / 3_600_000;
  return ageHours > ttlHours ? { kind: 'expired', eventTime, ageHours } : { kind: 'fresh' };
}
