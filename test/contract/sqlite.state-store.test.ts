/** The state-store contract on the embedded SQLite adapter (a WAL file and `:memory:`), plus SQLite specifics. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite.state-store.js';
import type { Doc } from '../../shared/ports/state-store.js';
import { describeStateStoreContract } from './state-store.suite.js';

describeStateStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipo-state-'));
  const store = new SqliteStateStore({ path: join(dir, 'state.db') });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeStateStoreContract('sqlite :memory:', async () => {
  const store = new SqliteStateStore({ path: ':memory:', synchronous: 'FULL' });
  return { store, cleanup: () => store.close() };
});

/**
 * Beyond the contract: two stores on one file that do not share the in-process queue behave like two
 * processes, so these cases exercise the optimistic commit check (rev of every read, query results).
 */
describe('SqliteStateStore across processes (optimistic commit check)', () => {
  let dir: string;
  let a: SqliteStateStore;
  let b: SqliteStateStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ipo-state-x-'));
    const path = join(dir, 'state.db');
    a = new SqliteStateStore({ path, shareProcessQueue: false, maxAttempts: 4 });
    b = new SqliteStateStore({ path, shareProcessQueue: false });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const setIn = (store: SqliteStateStore, id: string, data: Doc): Promise<void> =>
    store.transaction(async (tx) => tx.set('c', id, data));

  it('re-runs the callback when a document it read changed before commit', async () => {
    await setIn(a, 'n', { v: 0 });
    let runs = 0;
    await a.transaction(async (tx) => {
      runs += 1;
      const doc = await tx.get<{ v: number }>('c', 'n');
      if (runs === 1) await setIn(b, 'n', { v: 100 });
      tx.set('c', 'n', { v: (doc?.v ?? 0) + 1 });
    });
    expect(runs).toBe(2);
    expect(await b.get('c', 'n')).toEqual({ v: 101 });
  });

  it('detects a document that was absent when read and created before commit', async () => {
    let runs = 0;
    const outcome = await a.transaction(async (tx) => {
      runs += 1;
      const existing = await tx.get('c', 'x');
      if (runs === 1) await setIn(b, 'x', { by: 'b' });
      if (existing !== undefined) return 'exists';
      tx.create('c', 'x', { by: 'a' });
      return 'created';
    });
    expect([outcome, runs]).toEqual(['exists', 2]);
    expect(await a.get('c', 'x')).toEqual({ by: 'b' });
  });

  it('detects a phantom: a document entering a query result before commit', async () => {
    let runs = 0;
    await a.transaction(async (tx) => {
      runs += 1;
      const running = await tx.query('c', { where: [{ field: 'state', op: '==', value: 'running' }] });
      if (runs === 1) await setIn(b, 'r1', { state: 'running' });
      tx.set('c', 'summary', { running: running.length });
    });
    expect(runs).toBe(2);
    expect(await a.get('c', 'summary')).toEqual({ running: 1 });
  });

  it('gives up with a transient STATE.CONTENTION after maxAttempts', async () => {
    let runs = 0;
    const failure = a.transaction(async (tx) => {
      runs += 1;
      await tx.get('c', 'hot');
      await setIn(b, 'hot', { runs });
      tx.set('c', 'hot', { by: 'a' });
    });
    await expect(failure).rejects.toMatchObject({ code: 'STATE.CONTENTION', retryable: true });
    expect(runs).toBe(4);
    expect(await a.get('c', 'hot')).toEqual({ runs: 4 });
  });

  it('does not re-run a callback that threw', async () => {
    let runs = 0;
    await expect(
      a.transaction(async () => {
        runs += 1;
        throw new Error('decided no');
      }),
    ).rejects.toThrow('decided no');
    expect(runs).toBe(1);
  });

  it('20 concurrent increments split over both "processes" lose no update', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).transaction(async (tx) => {
          const doc = await tx.get<{ count: number }>('c', 'counter');
          await new Promise((r) => setTimeout(r, 1)); // widen the race window
          tx.set('c', 'counter', { count: (doc?.count ?? 0) + 1 });
        }),
      ),
    );
    expect(await a.get('c', 'counter')).toEqual({ count: 20 });
  });

  it('a deleted and re-created document still counts as changed', async () => {
    await setIn(a, 'd', { v: 1 });
    let runs = 0;
    await a.transaction(async (tx) => {
      runs += 1;
      const doc = await tx.get<{ v: number }>('c', 'd');
      if (runs === 1) {
        await b.transaction(async (t) => t.delete('c', 'd'));
        await setIn(b, 'd', { v: 1 });
      }
      tx.set('c', 'd', { v: (doc?.v ?? 0) + 10 });
    });
    expect(runs).toBe(2);
  });
});

describe('SqliteStateStore query semantics (Firestore-like)', () => {
  let store: SqliteStateStore;
  beforeEach(async () => {
    store = new SqliteStateStore({ path: ':memory:' });
    await store.transaction(async (tx) => {
      tx.set('m', 'num', { v: 5, ok: true });
      tx.set('m', 'str', { v: '5', ok: false });
      tx.set('m', 'nul', { v: null });
      tx.set('m', 'missing', { other: 1 });
      tx.set('m', 'obj', { v: { a: 1 } });
    });
  });
  afterEach(() => store.close());
  const q = async (op: '==' | '!=' | '<' | '>=', value: unknown): Promise<string[]> =>
    (await store.query('m', { where: [{ field: 'v', op, value }] })).map((f) => f.id).sort();

  it('compares only values of the same type', async () => {
    expect(await q('==', 5)).toEqual(['num']);
    expect(await q('==', '5')).toEqual(['str']);
    expect(await q('>=', 0)).toEqual(['num']);
    expect(await q('<', 'z')).toEqual(['str']);
    expect(await q('==', { a: 1 })).toEqual(['obj']);
  });

  it('matches null only with == null, and != skips null and missing fields', async () => {
    expect(await q('==', null)).toEqual(['nul']);
    expect(await q('!=', 5)).toEqual(['obj', 'str']);
  });

  it('stores booleans as booleans and filters on them', async () => {
    expect((await store.query('m', { where: [{ field: 'ok', op: '==', value: true }] })).map((f) => f.id)).toEqual([
      'num',
    ]);
    expect(await store.get('m', 'str')).toEqual({ v: '5', ok: false });
  });

  it('rejects bad field paths, operators, limits and keys with permanent errors naming the problem', async () => {
    await expect(store.query('m', { where: [{ field: 'a..b', op: '==', value: 1 }] })).rejects.toMatchObject({
      code: 'STATE.INVALID_QUERY',
    });
    await expect(store.query('m', { where: [{ field: 'v', op: 'like' as '==', value: 1 }] })).rejects.toMatchObject({
      code: 'STATE.INVALID_QUERY',
    });
    await expect(store.query('m', { where: [{ field: 'v', op: 'in', value: [] }] })).rejects.toMatchObject({
      code: 'STATE.INVALID_QUERY',
    });
    await expect(store.query('m', { limit: -1 })).rejects.toMatchObject({ code: 'STATE.INVALID_QUERY' });
    await expect(store.createIfAbsent('m', 'a/b', {})).rejects.toMatchObject({ code: 'STATE.INVALID_KEY' });
    await expect(store.createIfAbsent('', 'a', {})).rejects.toMatchObject({ code: 'STATE.INVALID_KEY' });
  });

  it('fails transactions after close with STATE.CLOSED', async () => {
    await store.close();
    await expect(store.transaction(async () => 1)).rejects.toMatchObject({ code: 'STATE.CLOSED' });
  });
});
