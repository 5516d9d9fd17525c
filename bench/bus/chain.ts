/**
 * The measured path, identical on every backend: publish -> hop 1 handler -> processOnce (ledger,
 * a state write, an outbox message) -> outbox publish -> hop 2 handler -> processOnce (ledger, a
 * state write). Each message carries the time it was sent (`sentAt`, ms on the bench process's clock):
 * the publish call for hop 1, hop 1's decision for hop 2; a hop's latency runs from there to its handler finished.
 */
import type { Topic } from '../../shared/domain/topics.js';
import type { EventBus, OutgoingMessage } from '../../shared/ports/event-bus.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import { processOnce, type ProcessingDeps } from '../../shared/services/processing.js';
import { silentLogger } from '../support/report.js';
import { nowMs } from '../support/stamping.js';

/** The two topics of the chain (real topic names: both buses refuse unknown topics). */
export const HOP_TOPICS: readonly [Topic, Topic] = ['data-landed', 'retrain-requests'];
/** Collection of the per-message state document each hop increments. */
export const STATE_COLLECTION = 'bench-state';

/** The part of a Pub/Sub CloudEvent the chain reads (the embedded bus and functions-framework both give it). */
export interface ChainEvent {
  data?: { message?: { data?: string; attributes?: Record<string, string>; messageId?: string } };
}

/** One handled delivery. */
export interface HopSample {
  hop: 1 | 2;
  /** Publish call -> handler finished (commit + outbox published), ms. */
  latencyMs: number;
  /** Handler start -> finished, ms. */
  handlerMs: number;
  duplicate: boolean;
}

/** The first publish of the chain for message `i`. */
export function firstMessage(i: number, runTag: string): OutgoingMessage {
  return { topic: HOP_TOPICS[0], data: { i, runTag }, attributes: { idempotencyKey: `${runTag}:${i}` } };
}

/** Build the handler of hop 1 or 2 over `store` and `bus`; each sample goes to `record`. */
export function hopHandler(
  hop: 1 | 2,
  store: StateStore,
  bus: EventBus,
  record: (s: HopSample) => void,
): (event: ChainEvent) => Promise<void> {
  const deps: ProcessingDeps = { store, bus, effects: {}, logger: silentLogger, clock: () => new Date() };
  return async (event) => {
    const started = nowMs();
    const message = event.data?.message ?? {};
    const attributes = message.attributes ?? {};
    const body = JSON.parse(Buffer.from(message.data ?? '', 'base64').toString('utf8')) as {
      i: number;
      runTag: string;
    };
    const key = `${body.runTag}:${body.i}`;
    const result = await processOnce(
      deps,
      {
        handler: `bench-hop${hop}`,
        dedupeKey: `hop${hop}:${key}`,
        messageId: message.messageId ?? key,
        topic: HOP_TOPICS[hop - 1],
        correlationId: key,
      },
      async (tx) => {
        const doc = await tx.get<{ hops: number }>(STATE_COLLECTION, key.replace(/[/:]/g, '_'));
        tx.set(STATE_COLLECTION, key.replace(/[/:]/g, '_'), {
          key,
          hops: (doc?.hops ?? 0) + 1,
          [`hop${hop}At`]: new Date().toISOString(),
        });
        // Stamped when decided: hop 2's latency runs from hop 1's decision, whether the message then goes out
        // in the decision's own commit (shared database) or through the outbox after it (separate files).
        return {
          outcome: { hop },
          messages: hop === 1 ? [{ topic: HOP_TOPICS[1], data: body, attributes: { sentAt: String(nowMs()) } }] : [],
        };
      },
    );
    const done = nowMs();
    const sentAt = Number(attributes.sentAt ?? started);
    record({ hop, latencyMs: done - sentAt, handlerMs: done - started, duplicate: result.duplicate });
  };
}
