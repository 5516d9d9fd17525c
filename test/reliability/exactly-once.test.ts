/**
 * "At-least-once in, exactly-once effects" (issue 2 item 7), with one test body per backend: the
 * embedded SQLite store and the Firestore emulator. The real handlers run on the backend's store; a
 * recording bus counts publishes per idempotencyKey and injects failures between commit and publish.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite.state-store.js';
import { FirestoreStateStore } from '../../shared/adapters/gcp/firestore.state-store.js';
import { COLLECTIONS, type DeploymentDoc, type RunDoc, type VersionDoc } from '../../shared/domain/state.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import { processOnce, type Processed } from '../../shared/services/processing.js';
import {
  announceSkippedEmulatorTests,
  hasGcloud,
  startFirestoreEmulator,
  type Emulator,
} from '../support/emulators.js';
import {
  ENDPOINT_ID,
  MODEL_ID,
  command,
  createHarness,
  inFlightRun,
  landAndTrain,
  landed,
  ledgerEntries,
  ledgerEntry,
  redeliverUntilAcked,
  snapshot,
  type Harness,
  type HarnessOptions,
} from '../support/service-harness.js';

announceSkippedEmulatorTests('Firestore emulator reliability');

interface Backend {
  name: string;
  enabled: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  newStore(): StateStore;
}

const sqliteDir = mkdtempSync(join(tmpdir(), 'ipo-reliability-'));
let emulator: Emulator | undefined;

const BACKENDS: Backend[] = [
  {
    name: 'embedded SQLite',
    enabled: true,
    start: async () => undefined,
    stop: async () => rmSync(sqliteDir, { recursive: true, force: true }),
    newStore: () => new SqliteStateStore({ path: join(sqliteDir, `${randomUUID()}.db`) }),
  },
  {
    name: 'Firestore emulator',
    enabled: hasGcloud(),
    async start() {
      emulator = await startFirestoreEmulator();
      console.info(`Firestore emulator ready on ${emulator.host} in ${emulator.startMs} ms`);
    },
    stop: async () => emulator?.stop(),
    // A project per store: the emulator keeps projects apart, so tests never see each other's documents.
    newStore: () => new FirestoreStateStore({ projectId: `demo-${randomUUID().slice(0, 8)}`, maxAttempts: 10 }),
  },
];

it('the embedded backend always runs (the Firestore one needs gcloud)', () => {
  expect(BACKENDS[0].enabled).toBe(true);
});

describe.each(BACKENDS)('$name', (backend) => {
  describe.skipIf(!backend.enabled)('exactly-once effects', () => {
    const stores: StateStore[] = [];
    let h: Harness;
    const open = (options: Omit<HarnessOptions, 'store'> = {}): Harness => {
      const store = backend.newStore();
      stores.push(store);
      h = createHarness({ ...options, store });
      return h;
    };
    const lifecycleKeys = (): string[] => h.bus.on('lifecycle-events').map((m) => String(m.attributes?.idempotencyKey));
    const duplicatesPublished = (): [string, number][] => [...h.bus.countsByKey()].filter(([, n]) => n > 1);

    beforeAll(() => backend.start(), 120_000);
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });
    afterAll(() => backend.stop(), 60_000);

    it('one event delivered 5 times: one run launched, one run document, one set of lifecycle messages', async () => {
      open();
      const event = h.cloudEvent('data-landed', landed('gs://landing/q1.csv'));
      for (let i = 0; i < 5; i += 1) await h.handlers['on-new-data'](event);
      expect(h.launcher.launches).toHaveLength(1);
      expect(h.launcher.calls).toBe(1);
      expect(await h.store.query(COLLECTIONS.runs)).toHaveLength(1);
      expect(h.bus.on('lifecycle-events')).toHaveLength(1);
      expect(duplicatesPublished()).toEqual([]);
    });

    it('two message ids with one idempotency key: one effect', async () => {
      open();
      await landAndTrain(h, 'gs://landing/q1.csv');
      const before = h.bus.published.length;
      for (const messageId of ['publisher-try-1', 'publisher-try-2']) {
        await h.deliver('promotions', command('set-traffic', { traffic: { '1.0.0': 100 } }), {
          messageId,
          attributes: { idempotencyKey: 'op-42' },
        });
      }
      expect(await h.store.get(COLLECTIONS.deployments, ENDPOINT_ID)).toMatchObject({ revision: 2 });
      expect(h.bus.published.slice(before)).toHaveLength(1);
      expect((await ledgerEntry(h.store, 'promotions:op-42'))?.messageId).toBe('publisher-try-1');
    });

    it('a crash after commit, before the follow-up command is published: redelivery publishes each message exactly once', async () => {
      open();
      h.datasets.rows.set('gs://landing/q1.csv', 1000);
      await h.deliver('data-landed', landed('gs://landing/q1.csv'));
      const runId = await inFlightRun(h.store);
      h.bus.failOnce((m) => m.topic === 'promotions');
      const completion = h.cloudEvent('pipeline-events', {
        type: 'pipeline.completed',
        runId,
        modelId: MODEL_ID,
        pipelineJobId: runId,
        state: 'succeeded',
        finishedAt: '2024-06-01T00:00:00Z',
      });
      await expect(h.handlers['on-eval-complete'](completion)).rejects.toMatchObject({
        code: 'BUS.UNAVAILABLE',
        retryable: true,
      });
      expect(h.bus.on('promotions')).toHaveLength(0);
      expect((await h.store.get<VersionDoc>(COLLECTIONS.versions(MODEL_ID), '1.0.0'))?.state).toBe('approved'); // committed
      expect((await ledgerEntry(h.store, `pipeline-events:${runId}#succeeded`))?.pending).toBe(true);

      await h.handlers['on-eval-complete'](completion); // the platform redelivers
      await h.handlers['on-eval-complete'](completion); // and once more, for good measure
      expect(h.bus.on('promotions')).toHaveLength(1);
      expect(duplicatesPublished()).toEqual([]);
      expect((await ledgerEntry(h.store, `pipeline-events:${runId}#succeeded`))?.pending).toBe(false);
      await h.pump();
      expect(await h.store.get(COLLECTIONS.deployments, ENDPOINT_ID)).toMatchObject({
        split: { '1.0.0': 100 },
        revision: 1,
      });
    });

    it('an effect executor that fails once after commit: redelivery launches the pipeline exactly once', async () => {
      open();
      h.launcher.failNext(1);
      const event = h.cloudEvent('data-landed', landed('gs://landing/q1.csv'));
      await expect(h.handlers['on-new-data'](event)).rejects.toMatchObject({ code: 'PIPELINE.UNAVAILABLE' });
      const runId = await inFlightRun(h.store);
      expect((await h.store.get<RunDoc>(COLLECTIONS.runs, runId))?.state).toBe('requested');
      expect(h.bus.published).toHaveLength(0);

      await h.handlers['on-new-data'](event);
      expect(h.launcher.launches.map((l) => l.runId)).toEqual([runId]);
      expect((await h.store.get<RunDoc>(COLLECTIONS.runs, runId))?.state).toBe('submitted');
      expect(lifecycleKeys()).toHaveLength(1);
    });

    it('with no redelivery, the reconciler re-drives the stale outbox', async () => {
      open();
      h.bus.failOnce();
      await expect(h.deliver('data-landed', landed('gs://landing/q1.csv'))).rejects.toMatchObject({
        code: 'BUS.UNAVAILABLE',
      });
      expect(h.bus.published).toHaveLength(0);
      await h.deliver('pipeline-events', { type: 'system.reconcile' }, { attributes: { idempotencyKey: 'tick-1' } });
      expect(h.bus.on('lifecycle-events')).toHaveLength(0); // not stale yet: a redelivery may still come
      h.clock.advanceMinutes(2);
      await h.deliver('pipeline-events', { type: 'system.reconcile' }, { attributes: { idempotencyKey: 'tick-2' } });
      expect(h.bus.on('lifecycle-events')).toHaveLength(1);
      expect(h.launcher.launches).toHaveLength(1);
      expect((await ledgerEntries(h.store, 'applied')).filter((e) => e.pending)).toEqual([]);
      expect(duplicatesPublished()).toEqual([]);
    });

    it('20 concurrent processOnce calls for distinct keys on one model document lose no update', async () => {
      open();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => redeliver(() => bump(h, `key-${i}`))));
      expect(results.every((r) => r.status === 'applied' && !r.duplicate)).toBe(true);
      const doc = await h.store.get<{ count: number; keys: string[] }>(COLLECTIONS.models, 'counter-model');
      expect(doc?.count).toBe(20);
      expect([...(doc?.keys ?? [])].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `key-${i}`).sort());
      expect(await ledgerEntries(h.store, 'applied')).toHaveLength(20);
      expect(h.bus.on('lifecycle-events')).toHaveLength(20);
    });

    it('20 concurrent deliveries of the same key give one effect', async () => {
      open();
      const results = await Promise.all(Array.from({ length: 20 }, () => redeliver(() => bump(h, 'same-key'))));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect((await h.store.get<{ count: number }>(COLLECTIONS.models, 'counter-model'))?.count).toBe(1);
      expect(await ledgerEntries(h.store)).toHaveLength(1);
      expect(new Set(h.bus.published.map((m) => m.attributes?.idempotencyKey)).size).toBe(1);
      // The outbox lease lets one delivery drive the outbox: the message goes out once, not once per duplicate.
      expect(h.bus.published).toHaveLength(1);
    });

    it('20 concurrent deliveries of one data landing launch one run', async () => {
      open();
      const event = h.cloudEvent('data-landed', landed('gs://landing/q1.csv'));
      await Promise.all(Array.from({ length: 20 }, () => redeliverUntilAcked(() => h.handlers['on-new-data'](event))));
      expect(h.launcher.launches).toHaveLength(1);
      expect(h.launcher.calls).toBe(1);
      expect(await h.store.query(COLLECTIONS.runs)).toHaveLength(1);
      expect(new Set(lifecycleKeys()).size).toBe(1);
      expect(lifecycleKeys()).toHaveLength(1);
    });

    it.each([
      ['bad base64', { rawData: undefined, base64: 'not base64 at all!' }],
      ['schema-invalid JSON', { rawData: JSON.stringify({ type: 'data.landed', dataUri: 42 }) }],
      ['an unknown type', { rawData: JSON.stringify({ type: 'data.vanished' }) }],
    ])(
      'poison (%s): acknowledged, recorded as rejected with its reason, never retried, nothing else changed',
      async (_name, poison) => {
        open();
        await h.deliver('data-landed', landed('gs://landing/q1.csv'));
        const before = {
          state: await snapshot(h.store),
          published: h.bus.published.length,
          launches: h.launcher.calls,
        };
        const event = h.cloudEvent('data-landed', undefined, { rawData: poison.rawData ?? '' });
        if ('base64' in poison) (event.data as { message: { data: string } }).message.data = poison.base64;
        await expect(h.handlers['on-new-data'](event)).resolves.toBeUndefined();
        expect({
          state: await snapshot(h.store),
          published: h.bus.published.length,
          launches: h.launcher.calls,
        }).toEqual(before);
        const rejected = await ledgerEntries(h.store, 'rejected');
        expect(rejected).toEqual([
          expect.objectContaining({
            messageId: event.id,
            outcome: expect.objectContaining({
              code: 'CONTRACT.INVALID',
              message: expect.stringMatching(/message\.data|dataUri|type/),
            }),
          }),
        ]);
      },
    );

    it('concurrent promotion commands on one deployment serialize: traffic sums to 100, one revision per applied command', async () => {
      open();
      await landAndTrain(h, 'gs://landing/q1.csv');
      h.clock.advanceMinutes(120);
      await landAndTrain(h, 'gs://landing/q2.csv', { fingerprint: 'fp-q2' }, 2000);
      const start = (await h.store.get<DeploymentDoc>(COLLECTIONS.deployments, ENDPOINT_ID)) as DeploymentDoc;
      expect(start.split).toEqual({ '1.0.0': 90, '1.1.0': 10 });

      const commands = [
        ...Array.from({ length: 8 }, (_, k) =>
          command('set-traffic', {
            traffic: { '1.0.0': 80 - k * 5, '1.1.0': 20 + k * 5 },
            idempotencyKey: `traffic-${k}`,
          }),
        ),
        command('promote', { version: '1.1.0', idempotencyKey: 'promote-1.1.0' }),
      ];
      await Promise.all(commands.map((c) => redeliverUntilAcked(() => h.deliver('promotions', c))));

      const applied = (await ledgerEntries(h.store, 'applied')).filter((e) =>
        commands.some((c) => e.key === `promotions:${String(c.idempotencyKey)}`),
      );
      const end = (await h.store.get<DeploymentDoc>(COLLECTIONS.deployments, ENDPOINT_ID)) as DeploymentDoc;
      expect(end.revision - start.revision).toBe(applied.length);
      expect(applied.map((e) => e.key)).toContain('promotions:promote-1.1.0');
      expect(end.history.map((x) => x.revision)).toEqual(Array.from({ length: end.revision }, (_, i) => i + 1));
      for (const entry of end.history) expect(Object.values(entry.split).reduce((a, b) => a + b, 0)).toBe(100);
      expect(await h.serving.currentSplit(ENDPOINT_ID)).toEqual(end.split);
    });

    it('overlapping deployment effects converge on the latest revision', async () => {
      open();
      await landAndTrain(h, 'gs://landing/q1.csv');
      h.clock.advanceMinutes(120);
      await landAndTrain(h, 'gs://landing/q2.csv', { fingerprint: 'fp-q2' }, 2000);
      const hold = h.serving.holdNext();
      const first = h.deliver('promotions', command('set-traffic', { traffic: { '1.0.0': 70, '1.1.0': 30 } }));
      await hold.reached; // the first command's effect read its desired split and waits on the endpoint
      await h.deliver('promotions', command('set-traffic', { traffic: { '1.0.0': 50, '1.1.0': 50 } }));
      hold.release();
      await first;
      const end = (await h.store.get<DeploymentDoc>(COLLECTIONS.deployments, ENDPOINT_ID)) as DeploymentDoc;
      expect(end.split).toEqual({ '1.0.0': 50, '1.1.0': 50 });
      expect(await h.serving.currentSplit(ENDPOINT_ID)).toEqual(end.split);
    });
  });
});

/** One processOnce on a shared counter document, publishing one lifecycle message. */
function bump(h: Harness, key: string): Promise<Processed> {
  return processOnce(
    h.deps,
    { handler: 'test', dedupeKey: key, messageId: key, topic: 'lifecycle-events', correlationId: key },
    async (tx) => {
      const doc = await tx.get<{ count: number; keys: string[] }>(COLLECTIONS.models, 'counter-model');
      tx.set(COLLECTIONS.models, 'counter-model', { count: (doc?.count ?? 0) + 1, keys: [...(doc?.keys ?? []), key] });
      return { outcome: { kind: 'counted', key }, messages: [{ topic: 'lifecycle-events', data: { key } }] };
    },
  );
}

/** Retry while the failure is retryable, as the platform redelivers; returns the last result. */
async function redeliver<T>(fn: () => Promise<T>): Promise<T> {
  let result: T | undefined;
  await redeliverUntilAcked(async () => {
    result = await fn();
  });
  return result as T;
}
