/**
 * The event-bus contract: publish through the port, receive what a handler really gets (the
 * Pub/Sub `messagePublished` CloudEvent), on the embedded bus and on the Pub/Sub emulator.
 * Every case uses its own topic, so one fixture (one emulator, one push server) serves them all.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topic } from '../../shared/domain/topics.js';
import type { EventBus } from '../../shared/ports/event-bus.js';

/**
 * The CloudEvent a handler receives for a Pub/Sub message. `data.subscription` is optional because
 * functions-framework drops it when converting a raw push body.
 */
export interface ReceivedEnvelope {
  specversion?: string;
  type: string;
  source: string;
  id: string;
  time?: string;
  data: {
    subscription?: string;
    message: {
      data: string;
      attributes?: Record<string, string>;
      messageId: string;
      publishTime?: string;
      orderingKey?: string;
    };
  };
}

/** What a backend provides to the suite. */
export interface EventBusFixture {
  bus: EventBus;
  /** The next `count` envelopes delivered on `topic` (buffered since the fixture was made), consumed; rejects on timeout. */
  receive(topic: Topic, count: number, timeoutMs: number): Promise<ReceivedEnvelope[]>;
  cleanup(): Promise<void>;
  /**
   * Whether delivered envelopes carry `orderingKey`. Eventarc's binary mode and the embedded bus do;
   * a direct emulator push does not (the emulator omits it and functions-framework 5.0.5 drops it).
   */
  deliversOrderingKey?: boolean;
}

/** A per-topic buffer of delivered envelopes: `push` from the handler, `receive` from the fixture. */
export function createEnvelopeCollector(): Pick<EventBusFixture, 'receive'> & {
  push(topic: Topic, envelope: ReceivedEnvelope): void;
} {
  const buffers = new Map<Topic, ReceivedEnvelope[]>();
  const waiters = new Set<() => void>();
  const buffer = (topic: Topic): ReceivedEnvelope[] => {
    let b = buffers.get(topic);
    if (b === undefined) buffers.set(topic, (b = []));
    return b;
  };
  return {
    push(topic, envelope) {
      buffer(topic).push(envelope);
      for (const wake of [...waiters]) wake();
    },
    receive(topic, count, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const b = buffer(topic);
          if (b.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(b.splice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`received ${buffer(topic).length} of ${count} messages on ${topic} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

const TIMEOUT_MS = 15_000;

const decode = (env: ReceivedEnvelope): unknown =>
  JSON.parse(Buffer.from(env.data.message.data, 'base64').toString('utf8'));

type Case = [name: string, run: (fx: EventBusFixture) => Promise<void>];

const CASES: Case[] = [
  [
    'publish returns a message id and the handler gets a messagePublished CloudEvent for it',
    async (fx) => {
      const id = await fx.bus.publish({ topic: 'data-landed', data: { file: 'ipo.csv' } });
      expect(typeof id).toBe('string');
      expect(id).not.toBe('');
      const [env] = await fx.receive('data-landed', 1, TIMEOUT_MS);
      expect(env.type).toBe('google.cloud.pubsub.topic.v1.messagePublished');
      expect(env.source).toMatch(/^\/\/pubsub\.googleapis\.com\/projects\/[^/]+\/topics\/data-landed$/);
      expect(env.id).toBe(id);
      expect(env.data.message.messageId).toBe(id);
      expect(decode(env)).toEqual({ file: 'ipo.csv' });
    },
  ],
  [
    'data round-trips as JSON',
    async (fx) => {
      const data = {
        n: 42.5,
        s: 'Ünïcødé ✓',
        list: [1, 'two', null, { three: true }],
        nested: { deep: { x: -1 } },
        none: null,
      };
      await fx.bus.publish({ topic: 'retrain-requests', data });
      const [env] = await fx.receive('retrain-requests', 1, TIMEOUT_MS);
      expect(decode(env)).toEqual(data);
    },
  ],
  [
    'attributes are preserved',
    async (fx) => {
      const attributes = { idempotencyKey: randomUUID(), correlationId: 'corr-1', 'x-kind': 'contract test' };
      await fx.bus.publish({ topic: 'pipeline-events', data: { ok: true }, attributes });
      const [env] = await fx.receive('pipeline-events', 1, TIMEOUT_MS);
      expect(env.data.message.attributes ?? {}).toEqual(attributes);
    },
  ],
  [
    'messages with one ordering key arrive in publish order, carrying the key',
    async (fx) => {
      const key = `model-${randomUUID().slice(0, 8)}`;
      for (let i = 0; i < 5; i += 1) await fx.bus.publish({ topic: 'promotions', data: { i }, orderingKey: key });
      const got = await fx.receive('promotions', 5, TIMEOUT_MS);
      expect(got.map(decode)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
      if (fx.deliversOrderingKey ?? true)
        expect(got.map((e) => e.data.message.orderingKey)).toEqual(Array(5).fill(key));
    },
  ],
  [
    'message ids are distinct',
    async (fx) => {
      const published = await Promise.all(
        Array.from({ length: 10 }, (_, i) => fx.bus.publish({ topic: 'drift-alerts', data: { i } })),
      );
      expect(new Set(published).size).toBe(10);
      const got = await fx.receive('drift-alerts', 10, TIMEOUT_MS);
      expect(new Set(got.map((e) => e.data.message.messageId))).toEqual(new Set(published));
    },
  ],
];

/** The names of the contract's cases (lets a skipping backend say how many it skipped). */
export const EVENT_BUS_CONTRACT_CASES: readonly string[] = CASES.map(([name]) => name);

/**
 * Register the event-bus contract for one backend. `factory` runs once (beforeAll) and must deliver
 * every topic used here (data-landed, retrain-requests, pipeline-events, promotions, drift-alerts)
 * to `receive`; each case publishes to its own topic and consumes exactly what it published.
 */
export function describeEventBusContract(
  backend: string,
  factory: () => Promise<{
    bus: EventBus;
    receive(topic: Topic, count: number, timeoutMs: number): Promise<ReceivedEnvelope[]>;
    cleanup(): Promise<void>;
  }>,
): void {
  describe(`EventBus contract on ${backend}`, () => {
    let fixture: EventBusFixture | undefined;
    let ran = 0;
    let passed = 0;

    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      console.log(`[contract] EventBus on ${backend}: ${ran} tests ran, ${passed} passed`);
      await fixture?.cleanup();
    });

    for (const [name, run] of CASES) {
      it(name, async () => {
        ran += 1;
        if (fixture === undefined) throw new Error('event-bus factory failed');
        await run(fixture);
        passed += 1;
      });
    }
  });
}
