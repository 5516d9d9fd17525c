/**
 * The dead-letters port on the Pub/Sub emulator: the dead-letter topics and pull subscriptions are
 * named as terraform/pubsub.tf creates them (`T-dead-letter`), and the consumers' subscriptions carry
 * the same dead-letter policy (5 attempts), so the emulator itself forwards the failed messages.
 */
import { PubSub, type Subscription } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PubSubDeadLetters } from '../../shared/adapters/gcp/pubsub.dead-letters.js';
import {
  announceSkippedEmulatorTests,
  hasGcloud,
  sdkModulesLoaded,
  startPubSubEmulator,
  type Emulator,
} from '../support/emulators.js';

const PROJECT = 'demo-dead-letters';
const enabled = hasGcloud();
announceSkippedEmulatorTests('Pub/Sub emulator dead-letter');

it('imports the Pub/Sub SDK only on first use', async () => {
  const loaded = await sdkModulesLoaded('pubsub.dead-letters.ts', 'PubSubDeadLetters', 'pubsub', `adapter.list()`);
  expect(loaded.afterClose).toBe(0);
  expect(loaded.afterUse).toBeGreaterThan(0);
});

describe.skipIf(!enabled)('Pub/Sub emulator', () => {
  let emulator: Emulator | undefined;
  let admin: PubSub;
  let deadLetters: PubSubDeadLetters;
  /** Per topic, its consumer (a subscription with Terraform's dead-letter policy) and what it accepted. */
  const consumers = new Map<string, { sub: Subscription; failing: boolean; received: Received[] }>();

  interface Received {
    data: string;
    attributes: Record<string, string>;
    orderingKey?: string;
  }

  /** A consumer that nacks while `failing`, so Pub/Sub dead-letters after 5 attempts, and records what it accepts. */
  const consume = async (topic: string): Promise<void> => {
    const [sub] = await admin.topic(topic).createSubscription(`${topic}-consumer`, {
      deadLetterPolicy: { deadLetterTopic: admin.topic(`${topic}-dead-letter`).name, maxDeliveryAttempts: 5 },
    });
    const consumer = { sub, failing: true, received: [] as Received[] };
    sub.on(
      'message',
      (m: { data: Buffer; attributes: Record<string, string>; orderingKey?: string; ack(): void; nack(): void }) => {
        if (consumer.failing) return m.nack();
        m.ack();
        consumer.received.push({
          data: m.data.toString('utf8'),
          attributes: m.attributes,
          ...(m.orderingKey ? { orderingKey: m.orderingKey } : {}),
        });
      },
    );
    consumers.set(topic, consumer);
  };

  /** Publish to `topic` while its consumer fails, and wait until Pub/Sub has dead-lettered the message. */
  const failAndDeadLetter = async (
    topic: string,
    data: string,
    attributes: Record<string, string>,
    orderingKey?: string,
  ): Promise<void> => {
    const before = (await deadLetters.list({ topic: topic as never })).length;
    await admin
      .topic(topic, orderingKey ? { messageOrdering: true } : {})
      .publishMessage({ data: Buffer.from(data), attributes, ...(orderingKey ? { orderingKey } : {}) });
    await until(
      async () => (await deadLetters.list({ topic: topic as never })).length > before,
      `${topic} to dead-letter`,
    );
  };

  const receivedOn = async (topic: string, n: number): Promise<Received[]> => {
    const consumer = consumers.get(topic);
    if (!consumer) throw new Error(`no consumer on ${topic}`);
    await until(async () => consumer.received.length >= n, `${n} message(s) on ${topic}`);
    return consumer.received;
  };

  beforeAll(async () => {
    emulator = await startPubSubEmulator();
    console.info(`Pub/Sub emulator ready on ${emulator.host} in ${emulator.startMs} ms`);
    admin = new PubSub({ projectId: PROJECT });
    deadLetters = new PubSubDeadLetters({ projectId: PROJECT, pullWaitMs: 1000 });
    // As terraform/pubsub.tf: a dead-letter topic and a pull subscription of the same name per consumed topic.
    for (const topic of ['data-landed', 'promotions', 'retrain-requests', 'pipeline-events', 'drift-alerts']) {
      const [dl] = await admin.createTopic(`${topic}-dead-letter`);
      await dl.createSubscription(`${topic}-dead-letter`, { ackDeadlineSeconds: 60 });
      await admin.createTopic(topic);
    }
    for (const topic of ['data-landed', 'promotions', 'retrain-requests']) await consume(topic);
  }, 120_000);

  afterAll(async () => {
    await deadLetters?.close();
    await Promise.all([...consumers.values()].map((c) => c.sub.close()));
    await admin?.close();
    await emulator?.stop();
  }, 60_000);

  it('lists what Pub/Sub dead-lettered, with the original topic, attributes and attempts, without consuming it', async () => {
    await failAndDeadLetter('data-landed', JSON.stringify({ type: 'data.landed', dataUri: 'gs://landing/q1.csv' }), {
      idempotencyKey: 'land-q1',
      correlationId: 'c-1',
    });
    await failAndDeadLetter('promotions', 'not json at all', { correlationId: 'c-2' }, 'ipo-valuation');
    const first = await deadLetters.list();
    expect(first).toHaveLength(2);
    expect(first.find((l) => l.topic === 'data-landed')).toMatchObject({
      topic: 'data-landed',
      subscription: 'data-landed-consumer',
      attempts: 5,
      data: { type: 'data.landed', dataUri: 'gs://landing/q1.csv' },
      attributes: { idempotencyKey: 'land-q1', correlationId: 'c-1' },
    });
    expect(first.find((l) => l.topic === 'promotions')).toMatchObject({
      data: 'not json at all',
      attributes: { correlationId: 'c-2' },
    });
    // Listing handed them back: they are still there.
    expect((await deadLetters.list()).map((l) => l.id).sort()).toEqual(first.map((l) => l.id).sort());
    expect((await deadLetters.list({ topic: 'promotions' })).map((l) => l.topic)).toEqual(['promotions']);
  }, 60_000);

  it('replays by id to the original topic with the original bytes and attributes, then acknowledges', async () => {
    consumers.forEach((c) => (c.failing = false));
    const [landed] = await deadLetters.list({ topic: 'data-landed' });
    expect(await deadLetters.replay({ ids: [landed.id] })).toEqual({ replayed: 1, skipped: [] });
    expect(await receivedOn('data-landed', 1)).toEqual([
      {
        data: JSON.stringify({ type: 'data.landed', dataUri: 'gs://landing/q1.csv' }),
        attributes: { idempotencyKey: 'land-q1', correlationId: 'c-1' },
      },
    ]);
    expect(await deadLetters.list({ topic: 'data-landed' })).toEqual([]);
    expect(await deadLetters.replay({ ids: [landed.id] })).toEqual({
      replayed: 0,
      skipped: [{ id: landed.id, reason: 'no such dead letter (already replayed?)' }],
    });
    expect(await deadLetters.list({ topic: 'promotions' })).toHaveLength(1); // untouched
  }, 60_000);

  it('a republish that fails leaves the message a dead letter; once the topic is back it replays', async () => {
    const consumer = consumers.get('retrain-requests');
    if (consumer) consumer.failing = true;
    await failAndDeadLetter(
      'retrain-requests',
      JSON.stringify({ type: 'retrain.requested', modelId: 'ipo-valuation' }),
      { idempotencyKey: 'rt-1' },
    );
    await admin.topic('retrain-requests').delete();
    const result = await deadLetters.replay({ topic: 'retrain-requests' });
    expect(result.replayed).toBe(0);
    expect(result.skipped).toEqual([
      expect.objectContaining({
        reason: expect.stringMatching(/^republishing to retrain-requests failed, it stays a dead letter/),
      }),
    ]);
    expect(await deadLetters.list({ topic: 'retrain-requests' })).toHaveLength(1);
    await consumer?.sub.close();
    await admin.createTopic('retrain-requests');
    const [sub] = await admin.topic('retrain-requests').createSubscription('retrain-requests-consumer-2');
    const received: string[] = [];
    sub.on(
      'message',
      (m: { attributes: Record<string, string>; ack(): void }) => (m.ack(), received.push(m.attributes.idempotencyKey)),
    );
    expect(await deadLetters.replay({ all: true })).toEqual({ replayed: 2, skipped: [] }); // and the promotions one left from before
    await until(async () => received.length > 0, 'the replayed retrain request');
    expect(received).toEqual(['rt-1']);
    expect(await receivedOn('promotions', 1)).toEqual([
      { data: 'not json at all', attributes: { correlationId: 'c-2' }, orderingKey: 'ipo-valuation' },
    ]);
    expect(await deadLetters.list()).toEqual([]);
    await sub.close();
  }, 60_000);
});

/** Poll until `check` holds (bounded, so a test that never gets there fails instead of hanging). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
