/**
 * The real push path on the Pub/Sub emulator: what the emulator sends (raw push body), what a
 * functions-framework cloudEvent function receives from it, and the operator path (`gcloud pubsub
 * topics publish`). One emulator for the file; every test uses its own topic.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PubSubEventBus } from '../../shared/adapters/gcp/pubsub.event-bus.js';
import { isTopic, type Topic } from '../../shared/domain/topics.js';
import { createEnvelopeCollector, type ReceivedEnvelope } from '../contract/event-bus.suite.js';
import {
  announceSkippedEmulatorTests,
  hasGcloud,
  startPubSubEmulator,
  startPushSink,
  type Emulator,
  type PushSink,
} from '../support/emulators.js';

const PROJECT = 'demo';
const MESSAGE_TYPE = 'type.googleapis.com/google.pubsub.v1.PubsubMessage';
const TIMEOUT_MS = 15_000;
const decode = (base64: string): unknown => JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));

announceSkippedEmulatorTests('Pub/Sub push');

it('functions-framework turns a raw push body into a messagePublished CloudEvent (no emulator needed)', async () => {
  const got = createEnvelopeCollector();
  const sink = await startPushSink('pubsubPushOffline', (event) =>
    got.push('data-landed', JSON.parse(JSON.stringify(event)) as ReceivedEnvelope),
  );
  try {
    const body = {
      subscription: `projects/${PROJECT}/subscriptions/s`,
      message: {
        data: Buffer.from('{"a":1}').toString('base64'),
        messageId: 'm-1',
        attributes: { k: 'v' },
        orderingKey: 'o',
        publishTime: '2024-01-01T00:00:00.000Z',
      },
      deliveryAttempt: 2,
    };
    const res = await fetch(sink.endpoint(PROJECT, 'data-landed'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(204);
    const [event] = await got.receive('data-landed', 1, TIMEOUT_MS);
    expect(event).toMatchObject({
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: `//pubsub.googleapis.com/projects/${PROJECT}/topics/data-landed`,
      id: 'm-1',
      time: body.message.publishTime,
    });
    expect(event.data).toEqual({
      message: {
        '@type': MESSAGE_TYPE,
        data: body.message.data,
        attributes: { k: 'v' },
        messageId: 'm-1',
        publishTime: body.message.publishTime,
      },
    });
  } finally {
    await sink.close();
  }
});

describe.skipIf(!hasGcloud())('Pub/Sub emulator push into functions-framework', () => {
  let emulator: Emulator | undefined;
  let sink: PushSink | undefined;
  let raw: RawCapture | undefined;
  let admin: PubSub | undefined;
  let bus: PubSubEventBus | undefined;
  const events = createEnvelopeCollector();
  /** Message ids whose first delivery the function failed on purpose (data `{ failFirst: true }`). */
  const failedOnce = new Set<string>();

  /** Create a topic with push subscriptions to the function and to the raw capture server, and a pull subscription. */
  async function wire(topic: Topic): Promise<void> {
    if (!admin || !sink || !raw) throw new Error('fixture not started');
    const [t] = await admin.createTopic(topic);
    await t.createSubscription(`${topic}-fn`, {
      pushConfig: { pushEndpoint: sink.endpoint(PROJECT, topic) },
      ackDeadlineSeconds: 10,
      enableMessageOrdering: true,
    });
    await t.createSubscription(`${topic}-raw`, {
      pushConfig: { pushEndpoint: `${raw.url}/${topic}` },
      ackDeadlineSeconds: 10,
      enableMessageOrdering: true,
    });
    await t.createSubscription(`${topic}-pull`, { enableMessageOrdering: true });
  }

  beforeAll(async () => {
    emulator = await startPubSubEmulator();
    console.info(`Pub/Sub emulator ready on ${emulator.host} in ${emulator.startMs} ms`);
    sink = await startPushSink('pubsubPushProbe', (event) => {
      const envelope = JSON.parse(JSON.stringify(event)) as ReceivedEnvelope;
      const data = decode(envelope.data.message.data) as { failFirst?: boolean };
      if (data.failFirst === true && !failedOnce.has(envelope.id)) {
        failedOnce.add(envelope.id);
        throw new Error('injected failure: expect a redelivery');
      }
      const topic = envelope.source.split('/').pop() ?? '';
      if (isTopic(topic)) events.push(topic, envelope);
    });
    raw = await startRawCapture();
    admin = new PubSub({ projectId: PROJECT });
    bus = new PubSubEventBus({ projectId: PROJECT });
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    await admin?.close();
    await sink?.close();
    await raw?.close();
    await emulator?.stop();
  }, 60_000);

  it('a published message reaches the function as a messagePublished CloudEvent built from the raw push body', async () => {
    await wire('data-landed');
    const attributes = { idempotencyKey: 'k-1', correlationId: 'c-1' };
    const id = await bus!.publish({ topic: 'data-landed', data: { file: 'ipo.csv' }, attributes, orderingKey: 'ipo' });

    const [event] = await events.receive('data-landed', 1, TIMEOUT_MS);
    expect(event).toMatchObject({
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: `//pubsub.googleapis.com/projects/${PROJECT}/topics/data-landed`,
      id,
    });
    expect(Date.parse(event.time ?? '')).not.toBeNaN();
    const message = event.data.message as ReceivedEnvelope['data']['message'] & { '@type'?: string };
    expect(message['@type']).toBe(MESSAGE_TYPE);
    expect(message.messageId).toBe(id);
    expect(message.attributes).toEqual(attributes);
    expect(decode(message.data)).toEqual({ file: 'ipo.csv' });
    // The framework's raw-push conversion keeps only data, attributes, messageId, publishTime.
    expect(Object.keys(message).sort()).toEqual(['@type', 'attributes', 'data', 'messageId', 'publishTime']);
    expect(event.data.subscription).toBeUndefined();

    // The emulator's raw push body carries the subscription but, unlike the service, no orderingKey...
    const body = (await raw!.next('data-landed', TIMEOUT_MS)) as {
      subscription: string;
      message: Record<string, unknown>;
    };
    expect(body.subscription).toBe(`projects/${PROJECT}/subscriptions/data-landed-raw`);
    expect(body.message).toMatchObject({ messageId: id, attributes });
    expect(body.message.orderingKey).toBeUndefined();
    // ...while a pull subscription shows that the adapter did publish it.
    const pulled = await pullOne(admin!.subscription('data-landed-pull'), TIMEOUT_MS);
    expect(pulled).toMatchObject({ id, orderingKey: 'ipo', attributes });
  });

  it('a failing function (HTTP 500) gets the same message id again', async () => {
    await wire('pipeline-events');
    const id = await bus!.publish({ topic: 'pipeline-events', data: { failFirst: true } });
    const [event] = await events.receive('pipeline-events', 1, 30_000);
    expect(event.id).toBe(id);
    expect(failedOnce.has(id)).toBe(true);
  });

  it('`gcloud pubsub topics publish` against the emulator reaches the function (the operator path)', async () => {
    await wire('retrain-requests');
    const config = mkdtempSync(join(tmpdir(), 'ipo-gcloud-'));
    try {
      await promisify(execFile)(
        'gcloud',
        [
          'pubsub',
          'topics',
          'publish',
          'retrain-requests',
          '--message={"reason":"manual"}',
          '--attribute=idempotencyKey=op-1',
        ],
        {
          env: {
            ...process.env,
            CLOUDSDK_CONFIG: config,
            CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB: `http://${emulator!.host}/`,
            CLOUDSDK_CORE_PROJECT: PROJECT,
            CLOUDSDK_AUTH_DISABLE_CREDENTIALS: 'true',
          },
          timeout: 60_000,
        },
      );
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
    const [event] = await events.receive('retrain-requests', 1, TIMEOUT_MS);
    expect(event.type).toBe('google.cloud.pubsub.topic.v1.messagePublished');
    expect(event.source).toBe(`//pubsub.googleapis.com/projects/${PROJECT}/topics/retrain-requests`);
    expect(event.data.message.attributes).toEqual({ idempotencyKey: 'op-1' });
    expect(decode(event.data.message.data)).toEqual({ reason: 'manual' });
  }, 90_000);
});

/** The first message of a pull subscription, acknowledged. */
async function pullOne(
  subscription: Subscription,
  timeoutMs: number,
): Promise<{ id: string; orderingKey?: string; attributes: Record<string, string> }> {
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing pulled within ${timeoutMs} ms`)), timeoutMs);
      subscription.once('error', reject);
      subscription.once('message', (m: Message) => {
        clearTimeout(timer);
        m.ack();
        resolve({ id: m.id, orderingKey: m.orderingKey, attributes: m.attributes });
      });
    });
  } finally {
    await subscription.close();
  }
}

/** A plain HTTP server that records raw push bodies per path segment (the topic). */
interface RawCapture {
  url: string;
  next(topic: string, timeoutMs: number): Promise<unknown>;
  close(): Promise<void>;
}

async function startRawCapture(): Promise<RawCapture> {
  const bodies = new Map<string, unknown[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const topic = (req.url ?? '').split('/').pop() ?? '';
      bodies.set(topic, [...(bodies.get(topic) ?? []), JSON.parse(Buffer.concat(chunks).toString('utf8'))]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async next(topic, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const body = bodies.get(topic)?.shift();
        if (body !== undefined) return body;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no raw push body on ${topic} within ${timeoutMs} ms`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
