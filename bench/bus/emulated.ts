/**
 * The same chain on the emulators: Firestore emulator state, Pub/Sub emulator topics with push
 * subscriptions into a local functions-framework server (the production push path), the Pub/Sub
 * adapter publishing with the SDK's default batching.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { FirestoreStateStore } from '../../shared/adapters/gcp/firestore.state-store.js';
import { PubSubEventBus } from '../../shared/adapters/gcp/pubsub.event-bus.js';
import { sleep, startEmulator, startPushSink, type BenchEmulator } from '../support/emulators.js';
import { firstMessage, hopHandler, HOP_TOPICS, type ChainEvent, type HopSample } from './chain.js';
import { stamping } from '../support/stamping.js';

const PROJECT = 'demo';

/** Figures of the emulator run. */
export interface EmulatedFigures {
  startMs: { pubsub: number; firestore: number };
  paced: { perSecond: number; samples: HopSample[]; seconds: number };
  flood: { samples: HopSample[]; seconds: number };
}

/** Start both emulators, run a paced and a flood pass of `n` messages each, stop everything. */
export async function runOnEmulators(n: number, perSecond: number): Promise<EmulatedFigures> {
  const started: BenchEmulator[] = [];
  try {
    const results = await Promise.allSettled([startEmulator('pubsub'), startEmulator('firestore')]);
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    const [pubsub, firestore] = started;
    Object.assign(process.env, {
      PUBSUB_EMULATOR_HOST: pubsub.host,
      FIRESTORE_EMULATOR_HOST: firestore.host,
      METADATA_SERVER_DETECTION: 'none',
    });
    const store = new FirestoreStateStore({ projectId: PROJECT });
    const bus = new PubSubEventBus({ projectId: PROJECT });
    const samples: HopSample[] = [];
    const hops = HOP_TOPICS.map((_, k) => hopHandler(k === 0 ? 1 : 2, store, bus, (s) => samples.push(s)));
    const sink = await startPushSink('benchChain', async (event: CloudEvent<unknown>) => {
      const topic = event.source.split('/').pop();
      await hops[topic === HOP_TOPICS[0] ? 0 : 1](event as ChainEvent);
    });
    const { PubSub } = await import('@google-cloud/pubsub');
    const admin = new PubSub({ projectId: PROJECT });
    for (const name of HOP_TOPICS) {
      const [topic] = await admin.createTopic(name);
      await topic.createSubscription(`${name}-bench`, {
        pushConfig: { pushEndpoint: sink.endpoint(PROJECT, name) },
        ackDeadlineSeconds: 60,
      });
    }
    const publisher = stamping(bus);
    const until = async (count: number): Promise<void> => {
      for (const deadline = Date.now() + 120_000; samples.length < count && Date.now() < deadline;) await sleep(20);
    };
    // Warm-up: the first publish loads the SDKs and opens the channels.
    await publisher.publish(firstMessage(0, 'warm'));
    await until(2);

    samples.length = 0;
    let t = performance.now();
    const publishing: Promise<string>[] = [];
    for (let i = 0; i < n; i++) {
      const due = t + (i * 1000) / perSecond;
      if (performance.now() < due) await sleep(due - performance.now());
      publishing.push(publisher.publish(firstMessage(i, 'paced')));
    }
    await Promise.all(publishing);
    await until(2 * n);
    const paced = { perSecond, samples: [...samples], seconds: (performance.now() - t) / 1000 };

    samples.length = 0;
    t = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => publisher.publish(firstMessage(i, 'flood'))));
    await until(2 * n);
    const flood = { samples: [...samples], seconds: (performance.now() - t) / 1000 };

    await bus.close();
    await store.close();
    await admin.close();
    await sink.close();
    return { startMs: { pubsub: pubsub.startMs, firestore: firestore.startMs }, paced, flood };
  } finally {
    await Promise.all(started.map((e) => e.stop()));
  }
}
