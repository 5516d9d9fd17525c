/**
 * The event-bus contract on the Pub/Sub emulator. Messages travel the production path: the adapter
 * publishes, the emulator pushes the raw push body to a local functions-framework server, and the
 * framework's middleware turns it into the CloudEvent a registered cloudEvent function receives.
 */
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PubSubEventBus } from '../../shared/adapters/gcp/pubsub.event-bus.js';
import { TOPICS, isTopic, type Topic } from '../../shared/domain/topics.js';
import {
  announceSkippedEmulatorTests,
  hasGcloud,
  sdkModulesLoaded,
  startPubSubEmulator,
  startPushSink,
  type Emulator,
} from '../support/emulators.js';
import { createEnvelopeCollector, describeEventBusContract, type ReceivedEnvelope } from './event-bus.suite.js';

const PROJECT = 'demo';
const enabled = hasGcloud();
announceSkippedEmulatorTests('Pub/Sub emulator');

it('imports the Pub/Sub SDK only on first publish, and close() of an unused bus does not load it', async () => {
  const loaded = await sdkModulesLoaded(
    'pubsub.event-bus.ts',
    'PubSubEventBus',
    'pubsub',
    `adapter.publish({ topic: 'data-landed', data: 1 })`,
  );
  expect(loaded.afterClose).toBe(0);
  expect(loaded.afterUse).toBeGreaterThan(0);
});

it("rejects bad messages and use after close with the embedded bus's permanent codes, before any network call", async () => {
  const bus = new PubSubEventBus({ projectId: PROJECT });
  const permanent = (code: string) => ({ code, retryable: false });
  await expect(bus.publish({ topic: 'data-landed', data: { n: 1n } })).rejects.toMatchObject(
    permanent('BUS.INVALID_MESSAGE'),
  );
  await expect(
    bus.publish({ topic: 'data-landed', data: 1, attributes: { n: 1 as unknown as string } }),
  ).rejects.toMatchObject(permanent('BUS.INVALID_MESSAGE'));
  await expect(bus.publish({ topic: 'no-such-topic' as Topic, data: 1 })).rejects.toMatchObject(
    permanent('BUS.UNKNOWN_TOPIC'),
  );
  await bus.close();
  await expect(bus.publish({ topic: 'data-landed', data: 1 })).rejects.toMatchObject(permanent('BUS.CLOSED'));
});

describe.skipIf(!enabled)('Pub/Sub emulator', () => {
  let emulator: Emulator | undefined;

  beforeAll(async () => {
    emulator = await startPubSubEmulator();
    console.info(`Pub/Sub emulator ready on ${emulator.host} in ${emulator.startMs} ms`);
  }, 120_000);

  afterAll(async () => {
    await emulator?.stop();
  }, 60_000);

  describeEventBusContract('pubsub emulator (push to functions-framework)', async () => {
    const collector = createEnvelopeCollector();
    const sink = await startPushSink('pubsubContractSink', (event) => {
      const envelope = JSON.parse(JSON.stringify(event)) as ReceivedEnvelope;
      const topic = envelope.source.split('/').pop() ?? '';
      if (isTopic(topic)) collector.push(topic, envelope);
    });
    const admin = new PubSub({ projectId: PROJECT });
    for (const name of TOPICS) {
      const [topic] = await admin.createTopic(name);
      await topic.createSubscription(`${name}-push`, {
        pushConfig: { pushEndpoint: sink.endpoint(PROJECT, name) },
        enableMessageOrdering: true,
        ackDeadlineSeconds: 60,
      });
    }
    const bus = new PubSubEventBus({ projectId: PROJECT });
    return {
      bus,
      receive: collector.receive,
      deliversOrderingKey: false,
      async cleanup() {
        await bus.close();
        await admin.close();
        await sink.close();
      },
    };
  });
});
