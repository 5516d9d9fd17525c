/**
 * State store and bus on one SQLite database: a transaction's `publish` is committed with its writes
 * or not at all; the outbox then has nothing left to send. Plus the one-time import of a bus that
 * lived in its own file, and the bus's Pub/Sub-like default retry policy.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventBus, type PubSubCloudEvent } from '../../shared/adapters/local/sqlite.event-bus.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite.state-store.js';
import { DELIVERY_DEFAULTS, outcomeOf } from '../../shared/adapters/local/sqlite/delivery-policy.js';
import { BACKSTOP_PAGES } from '../../shared/adapters/local/sqlite/checkpointer.js';
import { TransientError } from '../../shared/domain/errors.js';
import type { Topic } from '../../shared/domain/topics.js';
import { memoryLogger } from '../../shared/logging.js';
import { processOnce, ledgerId, LEDGER, type LedgerEntry } from '../../shared/services/processing.js';

const decode = (e: PubSubCloudEvent): unknown =>
  JSON.parse(Buffer.from(e.data.message.data, 'base64').toString('utf8'));

describe('state store and bus sharing one database', () => {
  let dir: string;
  let bus: SqliteEventBus;
  let store: SqliteStateStore;
  let received: PubSubCloudEvent[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ipo-colocated-'));
    bus = new SqliteEventBus({ path: join(dir, 'state.db'), closeTimeoutMs: 200 });
    store = new SqliteStateStore({ path: join(dir, 'state.db'), bus });
    received = [];
    bus.subscribe('lifecycle-events', 'observer', async (event) => void received.push(event));
  });
  afterEach(async () => {
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("publishes a transaction's messages with its commit, and nothing when the callback throws", async () => {
    await store.transaction(async (tx) => {
      tx.set('things', 'a', { n: 1 });
      tx.publish?.({ topic: 'lifecycle-events', data: { n: 1 }, attributes: { idempotencyKey: 'k1' } });
    });
    await expect(
      store.transaction(async (tx) => {
        tx.set('things', 'b', { n: 2 });
        tx.publish?.({ topic: 'lifecycle-events', data: { n: 2 } });
        throw new Error('decided against it');
      }),
    ).rejects.toThrow('decided against it');
    await bus.whenIdle();
    expect(received.map(decode)).toEqual([{ n: 1 }]);
    expect(received[0].data.message.attributes).toEqual({ idempotencyKey: 'k1' });
    expect(await store.get('things', 'b')).toBeUndefined();
  });

  it('a callback re-run after a conflicting commit publishes once, from the attempt that committed', async () => {
    const other = new SqliteStateStore({ path: join(dir, 'state.db'), shareProcessQueue: false });
    let runs = 0;
    await store.transaction(async (tx) => {
      runs += 1;
      const doc = await tx.get<{ n: number }>('things', 'hot');
      if (runs === 1) await other.transaction(async (t) => t.set('things', 'hot', { n: 100 }));
      tx.set('things', 'hot', { n: (doc?.n ?? 0) + 1 });
      tx.publish?.({ topic: 'lifecycle-events', data: { run: runs } });
    });
    await other.close();
    await bus.whenIdle();
    expect(runs).toBe(2);
    expect(received.map(decode)).toEqual([{ run: 2 }]);
  });

  it('refuses a bad message when it is published, before anything commits', async () => {
    await expect(
      store.transaction(async (tx) => {
        tx.set('things', 'c', { n: 3 });
        tx.publish?.({ topic: 'no-such-topic' as Topic, data: 1 });
      }),
    ).rejects.toMatchObject({ code: 'BUS.UNKNOWN_TOPIC', retryable: false });
    expect(await store.get('things', 'c')).toBeUndefined();
  });

  it("processOnce sends a decision's messages in its own commit: the ledger entry is never pending", async () => {
    const deps = { store, bus, effects: {}, logger: memoryLogger(), clock: () => new Date() };
    const identity = { handler: 'test', dedupeKey: 'cmd-1', messageId: 'm1', topic: 'promotions', correlationId: 'c' };
    const decide = async (): Promise<{ outcome: { ok: boolean }; messages: { topic: Topic; data: unknown }[] }> => ({
      outcome: { ok: true },
      messages: [
        { topic: 'lifecycle-events', data: { step: 1 } },
        { topic: 'lifecycle-events', data: { step: 2 } },
      ],
    });
    expect(await processOnce(deps, identity, decide)).toMatchObject({ duplicate: false, status: 'applied' });
    expect(await processOnce(deps, identity, decide)).toMatchObject({ duplicate: true });
    await bus.whenIdle();
    const entry = await store.get<LedgerEntry>(LEDGER, ledgerId('cmd-1'));
    expect(entry).toMatchObject({ pending: false });
    expect(entry?.outbox.every((o) => o.doneAt !== undefined)).toBe(true);
    expect(entry?.leaseOwner).toBeUndefined();
    expect(received.map(decode)).toEqual([{ step: 1 }, { step: 2 }]);
    expect(received.map((e) => e.data.message.attributes.idempotencyKey)).toEqual([
      `${ledgerId('cmd-1')}:0`,
      `${ledgerId('cmd-1')}:1`,
    ]);
  });

  it('the connection outlives the bus until the store is closed too', async () => {
    await bus.close();
    await store.transaction(async (tx) => {
      tx.publish?.({ topic: 'lifecycle-events', data: { late: true } });
    });
    await store.close();
    const reopened = new SqliteEventBus({ path: join(dir, 'state.db') });
    const late: unknown[] = [];
    reopened.subscribe('lifecycle-events', 'observer', async (event) => void late.push(decode(event)));
    await reopened.whenIdle();
    await reopened.close();
    expect(late).toEqual([{ late: true }]);
    bus = new SqliteEventBus({ path: join(dir, 'state.db') });
    store = new SqliteStateStore({ path: join(dir, 'state.db'), bus });
  });
});

describe('importing a bus that lived in its own file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ipo-legacy-bus-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('carries over owed messages with their ids and attempts, and dead letters; once', async () => {
    const legacyPath = join(dir, 'bus.db');
    const legacy = new SqliteEventBus({ path: legacyPath, closeTimeoutMs: 100 });
    legacy.ensureSubscription('data-landed', 'on-new-data--data-landed');
    let fail = true;
    legacy.subscribe(
      'promotions',
      'on-promotion--promotions',
      async () => {
        if (fail) throw new TransientError('TEST.DOWN', 'down');
      },
      { maxDeliveryAttempts: 1 },
    );
    const owed = await legacy.publish({
      topic: 'data-landed',
      data: { dataUri: 'file:///x.csv' },
      attributes: { idempotencyKey: 'k' },
    });
    await legacy.publish({ topic: 'promotions', data: { poison: true } });
    await legacy.whenIdle();
    expect(legacy.deadLetters()).toHaveLength(1);
    await legacy.close();
    fail = false;

    const bus = new SqliteEventBus({ path: join(dir, 'state.db'), importFrom: legacyPath });
    const got: PubSubCloudEvent[] = [];
    bus.subscribe('data-landed', 'on-new-data--data-landed', async (e) => void got.push(e));
    await bus.whenIdle();
    expect(got.map((e) => [e.data.message.messageId, decode(e), e.data.message.attributes])).toEqual([
      [owed, { dataUri: 'file:///x.csv' }, { idempotencyKey: 'k' }],
    ]);
    expect(bus.deadLetters()).toEqual([
      expect.objectContaining({ topic: 'promotions', data: { poison: true }, reason: 'TEST.DOWN: down' }),
    ]);
    await bus.close();
    expect(existsSync(legacyPath)).toBe(false);
    expect(existsSync(`${legacyPath}.imported`)).toBe(true);

    // A crash after the import committed but before the file was set aside must not import it twice.
    const { renameSync } = await import('node:fs');
    renameSync(`${legacyPath}.imported`, legacyPath);
    const again = new SqliteEventBus({ path: join(dir, 'state.db'), importFrom: legacyPath });
    expect(again.deadLetters()).toHaveLength(1);
    expect(again.stats()).toMatchObject({ pending: 0 });
    await again.close();
    const db = new Database(join(dir, 'state.db'), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM bus_imports').get()).toEqual({ n: 1 });
    db.close();
  });
});

describe("the bus's default retry policy is Pub/Sub's", () => {
  const row = (attempt: number) => ({
    seq: 1,
    attempt,
    messageId: '1',
    topic: 'data-landed',
    data: '{}',
    attributes: {},
    orderingKey: null,
    publishTime: '',
  });
  const failure = { reason: 'X: down', deadLetterTopic: 'data-landed-dead-letter' };

  it('backs off 10 s, 20 s, 40 s, 80 s, then dead-letters on the 5th attempt: a 300 ms outage loses nothing', () => {
    const delays = [1, 2, 3, 4].map((a) => outcomeOf(row(a), 's', DELIVERY_DEFAULTS, failure, 0));
    expect(delays).toEqual(
      [10_000, 20_000, 40_000, 80_000].map((nextAt) => expect.objectContaining({ kind: 'nack', nextAt })),
    );
    expect(outcomeOf(row(5), 's', DELIVERY_DEFAULTS, failure, 0)).toMatchObject({ kind: 'dead' });
  });

  it('caps the delay at 600 s', () => {
    expect(outcomeOf(row(9), 's', { ...DELIVERY_DEFAULTS, maxDeliveryAttempts: 20 }, failure, 0)).toMatchObject({
      kind: 'nack',
      nextAt: 600_000,
    });
  });
});

describe('WAL checkpoints in a worker thread', () => {
  it('keeps only a backstop on the main connection, loses nothing across checkpoints, and stops with the bus', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipo-checkpoint-'));
    const bus = new SqliteEventBus({ path: join(dir, 'state.db'), backgroundCheckpoint: true });
    const store = new SqliteStateStore({ path: join(dir, 'state.db'), bus });
    const seen = new Set<number>();
    bus.subscribe('lifecycle-events', 'observer', async (event) => void seen.add((decode(event) as { i: number }).i));
    for (let i = 0; i < 3000; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          store.transaction(async (tx) => {
            tx.set('things', `t${i + k}`, { blob: 'x'.repeat(500) });
            tx.publish?.({ topic: 'lifecycle-events', data: { i: i + k } });
          }),
        ),
      );
    }
    await bus.whenIdle();
    const shared = bus.shareConnection();
    expect(shared.db.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_PAGES); // not SQLite's 1000: the worker checkpoints
    shared.release();
    expect(seen.size).toBe(3000);
    expect((await store.query('things')).length).toBe(3000);
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
