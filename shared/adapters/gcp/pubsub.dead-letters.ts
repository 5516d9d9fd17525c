/**
 * Pub/Sub adapter of the dead-letters port. Each consumed topic T has a dead-letter topic and a pull
 * subscription, both `T-dead-letter` (terraform/pubsub.tf); Pub/Sub forwards a message there, with
 * `CloudPubSubDeadLetter*` attributes, once a push subscription gave up on it.
 *
 * `list` pulls without acknowledging and hands the messages back (ack deadline 0). `replay` pulls,
 * republishes each selected message to T with its original bytes, attributes (the Pub/Sub-added
 * ones removed) and ordering key, and acknowledges it only after the republish succeeded, so a
 * failed republish leaves it a dead letter. The SDK is imported on first use.
 */
import type { PubSub, protos, v1 } from '@google-cloud/pubsub';
import { errorMessage } from '../../domain/errors.js';
import { FUNCTION_TOPICS, type Topic } from '../../domain/topics.js';
import {
  selects,
  type DeadLetter,
  type DeadLetters,
  type DeadLetterSelector,
  type ReplayResult,
} from '../../ports/dead-letters.js';
import { GRPC, grpcCode, lazy, type Lazy } from './lazy.js';

/** Options of {@link PubSubDeadLetters}. */
export interface PubSubDeadLettersOptions {
  projectId: string;
  /** How long one pull waits for messages before the subscription counts as drained (ms, default 3000). */
  pullWaitMs?: number;
}

/** Attributes Pub/Sub adds when it dead-letters a message (not the publisher's). */
const ADDED_PREFIX = 'CloudPubSubDeadLetter';
/** Topics that have a dead-letter subscription: those a function consumes. */
const CONSUMED: readonly Topic[] = [...new Set(Object.values(FUNCTION_TOPICS).flat())];

interface Pulled {
  ackId: string;
  subscription: string;
  letter: DeadLetter;
  raw: Buffer;
}

interface Clients {
  pubsub: PubSub;
  subscriber: v1.SubscriberClient;
}

/** Dead letters on Pub/Sub. */
export class PubSubDeadLetters implements DeadLetters {
  private readonly clients: Lazy<Clients>;

  constructor(private readonly options: PubSubDeadLettersOptions) {
    this.clients = lazy(async () => {
      const { PubSub, v1 } = await import('@google-cloud/pubsub');
      const pubsub = new PubSub({ projectId: options.projectId });
      const config = await pubsub.getClientConfig(); // the emulator's address when PUBSUB_EMULATOR_HOST is set
      return {
        pubsub,
        subscriber: new v1.SubscriberClient({
          ...config,
          port: config.port === undefined ? undefined : Number(config.port),
        }),
      };
    });
  }

  async list(options: { topic?: Topic; limit?: number } = {}): Promise<DeadLetter[]> {
    const pulled = await this.pullAll(options.topic === undefined ? CONSUMED : [options.topic]);
    await this.handBack(pulled);
    const letters = pulled.map((p) => p.letter).sort((a, b) => a.deadAt.localeCompare(b.deadAt));
    return options.limit === undefined ? letters : letters.slice(0, options.limit);
  }

  async replay(selector: DeadLetterSelector): Promise<ReplayResult> {
    const pulled = await this.pullAll(selector.topic === undefined ? CONSUMED : [selector.topic]);
    const chosen = pulled.filter((p) => selects(selector, p.letter));
    await this.handBack(pulled.filter((p) => !chosen.includes(p)));
    const { pubsub, subscriber } = await this.clients.get();
    const result: ReplayResult = { replayed: 0, skipped: [] };
    for (const id of selector.ids ?? []) {
      if (!chosen.some((p) => p.letter.id === id))
        result.skipped.push({ id, reason: 'no such dead letter (already replayed?)' });
    }
    for (const p of chosen) {
      const { topic, attributes, orderingKey } = p.letter;
      try {
        await pubsub
          .topic(topic, orderingKey === undefined ? {} : { messageOrdering: true })
          .publishMessage({ data: p.raw, attributes, ...(orderingKey === undefined ? {} : { orderingKey }) });
      } catch (err) {
        result.skipped.push({
          id: p.letter.id,
          reason: `republishing to ${topic} failed, it stays a dead letter: ${errorMessage(err)}`,
        });
        await this.handBack([p]);
        continue;
      }
      result.replayed += 1;
      try {
        await subscriber.acknowledge({ subscription: p.subscription, ackIds: [p.ackId] });
      } catch (err) {
        result.skipped.push({
          id: p.letter.id,
          reason: `republished, but not acknowledged (${errorMessage(err)}): it will be listed again; replaying it again is deduplicated by its idempotencyKey`,
        });
      }
    }
    return result;
  }

  /** Close the clients if they were ever created. */
  async close(): Promise<void> {
    const pending = this.clients.peek();
    if (!pending) return;
    const { pubsub, subscriber } = await pending;
    await subscriber.close();
    await pubsub.close();
  }

  /** Pull every message waiting on the topics' dead-letter subscriptions, holding them (not acknowledged). */
  private async pullAll(topics: readonly Topic[]): Promise<Pulled[]> {
    const { subscriber } = await this.clients.get();
    const perTopic = await Promise.all(
      topics.map(async (topic) => {
        const subscription = subscriber.subscriptionPath(this.options.projectId, `${topic}-dead-letter`);
        const seen = new Map<string, Pulled>();
        // Stop when a pull brings nothing new (empty, or only messages whose deadline lapsed and came back).
        for (let round = 0; round < 100; round += 1) {
          const received = await this.pull(subscriber, subscription);
          const fresh = received.filter((r) => !seen.has(r.message?.messageId ?? ''));
          for (const r of fresh) {
            const p = toPulled(r, topic, subscription);
            if (p) seen.set(p.letter.id, p);
          }
          if (fresh.length === 0) break;
        }
        return [...seen.values()];
      }),
    );
    return perTopic.flat();
  }

  private async pull(subscriber: v1.SubscriberClient, subscription: string): Promise<ReceivedMessage[]> {
    try {
      const [response] = await subscriber.pull(
        { subscription, maxMessages: 500 },
        { timeout: this.options.pullWaitMs ?? 3000, maxRetries: 0 },
      );
      return response.receivedMessages ?? [];
    } catch (err) {
      // A pull that waited its whole deadline found nothing; a missing subscription has nothing either.
      if (grpcCode(err) === GRPC.DEADLINE_EXCEEDED || grpcCode(err) === GRPC.NOT_FOUND) return [];
      throw err;
    }
  }

  /** Make held messages available again at once (ack deadline 0). */
  private async handBack(pulled: readonly Pulled[]): Promise<void> {
    if (pulled.length === 0) return;
    const { subscriber } = await this.clients.get();
    const bySubscription = new Map<string, string[]>();
    for (const p of pulled)
      bySubscription.set(p.subscription, [...(bySubscription.get(p.subscription) ?? []), p.ackId]);
    for (const [subscription, ackIds] of bySubscription) {
      for (let i = 0; i < ackIds.length; i += 1000) {
        await subscriber.modifyAckDeadline({ subscription, ackIds: ackIds.slice(i, i + 1000), ackDeadlineSeconds: 0 });
      }
    }
  }
}

type ReceivedMessage = protos.google.pubsub.v1.IReceivedMessage;

function toPulled(r: ReceivedMessage, topic: Topic, subscription: string): Pulled | undefined {
  const m = r.message;
  if (!r.ackId || !m?.messageId) return undefined;
  const raw = Buffer.from(m.data ?? new Uint8Array());
  const all = (m.attributes ?? {}) as Record<string, string>;
  const attributes = Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith(ADDED_PREFIX)));
  const deadAt = timestamp(m.publishTime);
  const letter: DeadLetter = {
    id: m.messageId,
    topic,
    subscription: all.CloudPubSubDeadLetterSourceSubscription ?? '',
    messageId: m.messageId,
    data: parseData(raw),
    attributes,
    publishTime: all.CloudPubSubDeadLetterSourceTopicPublishTime ?? deadAt,
    attempts: Number(all.CloudPubSubDeadLetterSourceDeliveryCount ?? 0),
    deadAt,
  };
  if (m.orderingKey) letter.orderingKey = m.orderingKey;
  return { ackId: r.ackId, subscription, letter, raw };
}

function timestamp(
  t: { seconds?: number | string | { toString(): string } | null; nanos?: number | null } | null | undefined,
): string {
  if (!t) return new Date(0).toISOString();
  return new Date(Number(String(t.seconds ?? 0)) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

function parseData(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
