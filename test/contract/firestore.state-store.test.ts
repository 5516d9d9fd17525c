/**
 * The state store contract on the Firestore emulator, plus what only the Firestore adapter does
 * (lazy SDK, nested arrays, error mapping). One emulator per file; each store gets its own project
 * id, which the emulator keeps apart, so tests never see each other's documents.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreStateStore } from '../../shared/adapters/gcp/firestore.state-store.js';
import { describeStateStoreContract } from './state-store.suite.js';
import {
  announceSkippedEmulatorTests,
  hasGcloud,
  sdkModulesLoaded,
  startFirestoreEmulator,
  type Emulator,
} from '../support/emulators.js';

const enabled = hasGcloud();
announceSkippedEmulatorTests('Firestore emulator');

it('imports the Firestore SDK only on first use', async () => {
  const loaded = await sdkModulesLoaded(
    'firestore.state-store.ts',
    'FirestoreStateStore',
    'firestore',
    `adapter.get('models', 'v1')`,
  );
  expect(loaded.afterClose).toBe(0);
  expect(loaded.afterUse).toBeGreaterThan(0);
});

it('rejects an id containing "/" and use after close with permanent codes, before any network call', async () => {
  const store = new FirestoreStateStore({ projectId: 'demo-offline' });
  await expect(store.get('models', 'a/b')).rejects.toMatchObject({ code: 'STATE.INVALID_KEY', retryable: false });
  await store.close();
  await expect(store.get('models', 'a')).rejects.toMatchObject({ code: 'STATE.CLOSED', retryable: false });
});

describe.skipIf(!enabled)('Firestore emulator', () => {
  let emulator: Emulator | undefined;
  const stores: FirestoreStateStore[] = [];
  const newStore = (): FirestoreStateStore => {
    // 20 contenders on one document: on a loaded machine the emulator's lock timeouts can use up the SDK's
    // default 5 attempts (production redelivers a STATE.CONTENTION); the contract is "no lost update".
    const store = new FirestoreStateStore({ projectId: `demo-${randomUUID().slice(0, 8)}`, maxAttempts: 20 });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    emulator = await startFirestoreEmulator();
    console.info(`Firestore emulator ready on ${emulator.host} in ${emulator.startMs} ms`);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await emulator?.stop();
  }, 60_000);

  describeStateStoreContract('firestore emulator', async () => ({ store: newStore(), cleanup: async () => undefined }));

  describe('Firestore adapter specifics', () => {
    it('round-trips arrays nested in arrays and drops undefined properties', async () => {
      const store = newStore();
      const doc = { grid: [[1, 2], [[3]], []], meta: { note: undefined, tags: ['a'] } };
      await store.transaction(async (tx) => tx.set('matrices', 'm1', doc));
      expect(await store.get('matrices', 'm1')).toEqual({ grid: [[1, 2], [[3]], []], meta: { tags: ['a'] } });
    });

    it('stores NaN and Infinity as null, as JSON (and the SQLite store) would', async () => {
      const store = newStore();
      await store.transaction(async (tx) =>
        tx.set('metrics', 'm1', { overfitting: Number.NaN, ratio: [Infinity, 1], nested: { low: -Infinity } }),
      );
      expect(await store.get('metrics', 'm1')).toEqual({ overfitting: null, ratio: [null, 1], nested: { low: null } });
    });

    it('does not re-run a callback that failed with a permanent error (the SDK retries only gRPC codes)', async () => {
      const store = newStore();
      let runs = 0;
      const attempt = store.transaction(async (tx) => {
        runs += 1;
        tx.set('runs', 'a', { n: 1 });
        return tx.get('runs', 'a');
      });
      await expect(attempt).rejects.toMatchObject({ code: 'STATE.READ_AFTER_WRITE', retryable: false });
      expect(runs).toBe(1);
    });

    it('rejects an invalid query as a permanent STATE.INVALID_QUERY before calling Firestore', async () => {
      const store = newStore();
      await expect(store.query('runs', { where: [{ field: 'a..b', op: '==', value: 1 }] })).rejects.toMatchObject({
        code: 'STATE.INVALID_QUERY',
        retryable: false,
      });
      await expect(store.query('runs', { limit: -1 })).rejects.toMatchObject({ code: 'STATE.INVALID_QUERY' });
    });
  });
});
