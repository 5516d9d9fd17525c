/**
 * Publish-time stamps for latency across a bus: every message published through `stamping` carries
 * `sentAt` (ms on this process's clock), so a handler can tell how long ago its event was published.
 */
import type { EventBus, OutgoingMessage } from '../../shared/ports/event-bus.js';

/** Milliseconds on a clock shared by this process's publishers and handlers. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A bus wrapper that stamps `sentAt` on every message it publishes. */
export function stamping(bus: EventBus): EventBus {
  return {
    publish: (m: OutgoingMessage) => bus.publish({ ...m, attributes: { ...m.attributes, sentAt: String(nowMs()) } }),
    close: () => bus.close(),
  };
}

/** The `sentAt` stamp of a delivered Pub/Sub CloudEvent, if it has one. */
export function sentAtOf(event: unknown): number | undefined {
  const attributes = (event as { data?: { message?: { attributes?: Record<string, string> } } }).data?.message
    ?.attributes;
  return attributes?.sentAt === undefined ? undefined : Number(attributes.sentAt);
}
