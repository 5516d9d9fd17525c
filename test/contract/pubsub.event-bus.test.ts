/**
 * The event-bus contract on the Pub/Sub emulator. Messages travel the production path: the adapter
 * publishes, the emulator pushes the raw push body to a local functions-framework server, and the
 * framework's middleware turns it into the CloudEvent a registered cloudEvent function receives.
 */
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PubSubEventBus } from '../../shared/adapters/gcp/pubsub.event-bus.js';
import { TOPICS, isTopic } from '../../shared/domain/topics.js';
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
  const loaded = await sdkModulesLoaded('pubsub.event-bus.ts', 'PubSubEventBus', 'pubsub', `adapter.publish({ topic: 'data-landed', data: 1 })`);
  expect(loaded.afterClose).toBe(0);
  expect(loaded.afterUse).toBeGreaterThan(0);
});

it('rejects data that is not JSON-serialisable as a permanent BUS.INVALID_MESSAGE', async () => {
  const bus = new PubSubEventBus({ projectId: PROJECT });
  await expect(bus.publish({ topic: 'data-landed', data: { n: 1n } })).rejects.toMatchObject({ code: 'BUS.INVALID_MESSAGE', retryable: false });
  await bus.close();
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
      async cleanup() {
        await bus.close();
        await admin.close();
        await sink.close();
      },
    };
  });
});
