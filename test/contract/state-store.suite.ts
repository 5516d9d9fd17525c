/**
 * The state-store contract: every adapter (SQLite, Firestore emulator) must pass the same cases.
 * Each case works in collections under a unique prefix, so the suite can share one emulator.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/domain/errors.js';
import type { Doc, StateStore } from '../../shared/ports/state-store.js';

/** What a backend provides to the suite. */
export interface StateStoreFixture {
  store: StateStore;
  cleanup(): Promise<void>;
}

interface Ctx {
  store: StateStore;
  /** A collection path unique to this case (`name` may contain `/`, e.g. `models/m1/versions`). */
  col: (name: string) => string;
}

type Case = [name: string, run: (ctx: Ctx) => Promise<void>];

/** Assert that a promise rejects with an AppError of the given code. */
async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a rejection with ${code}`).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
}

/** Seed documents with one transaction. */
async function seed(store: StateStore, col: string, docs: Record<string, Doc>): Promise<void> {
  await store.transaction(async (tx) => {
    for (const [id, data] of Object.entries(docs)) tx.set(col, id, data);
  });
}

const ids = (found: { id: string }[]): string[] => found.map((f) => f.id);

const QUERY_DOCS: Record<string, Doc> = {
  a: { n: 1, s: 'x', tag: 'red', meta: { score: 0.5, stage: 'canary' } },
  b: { n: 2, s: 'y', tag: 'blue', meta: { score: 0.9, stage: 'production' } },
  c: { n: 3, s: 'z', tag: 'red', meta: { score: 0.1, stage: 'retired' } },
  d: { n: 4, s: 'w', meta: { score: 0.7, stage: 'canary' } },
};

const CASES: Case[] = [
  [
    'get of a missing document is undefined',
    async ({ store, col }) => {
      expect(await store.get(col('things'), 'nope')).toBeUndefined();
    },
  ],
  [
    'set then get round-trips nested JSON, in nested collection paths',
    async ({ store, col }) => {
      const doc = {
        state: 'registered',
        metrics: { r2: 0.81, mae: 12.5 },
        tags: ['a', 'b'],
        flag: true,
        none: null,
        text: 'Ünïcødé',
      };
      const versions = col('models/m1/versions');
      await seed(store, versions, { '1.0.0': doc });
      expect(await store.get(versions, '1.0.0')).toEqual(doc);
      expect(await store.get(col('models/m2/versions'), '1.0.0')).toBeUndefined();
    },
  ],
  [
    'query by each operator on top-level and dotted fields',
    async ({ store, col }) => {
      const c = col('q');
      await seed(store, c, QUERY_DOCS);
      const q = async (
        field: string,
        op: '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in',
        value: unknown,
      ): Promise<string[]> => ids(await store.query(c, { where: [{ field, op, value }], orderBy: { field } })).sort();
      expect(await q('n', '==', 2)).toEqual(['b']);
      expect(await q('tag', '!=', 'red')).toEqual(['b']); // d has no tag: excluded, as in Firestore
      expect(await q('n', '<', 3)).toEqual(['a', 'b']);
      expect(await q('n', '<=', 3)).toEqual(['a', 'b', 'c']);
      expect(await q('n', '>', 3)).toEqual(['d']);
      expect(await q('n', '>=', 3)).toEqual(['c', 'd']);
      expect(await q('s', 'in', ['x', 'z', 'nope'])).toEqual(['a', 'c']);
      expect(await q('meta.stage', '==', 'canary')).toEqual(['a', 'd']);
      expect(await q('meta.score', '>', 0.6)).toEqual(['b', 'd']);
      expect(await q('meta.stage', 'in', ['production', 'retired'])).toEqual(['b', 'c']);
    },
  ],
  [
    'query combines filters, orders and limits',
    async ({ store, col }) => {
      const c = col('q');
      await seed(store, c, QUERY_DOCS);
      expect(ids(await store.query(c, { orderBy: { field: 'meta.score', direction: 'desc' } }))).toEqual([
        'b',
        'd',
        'a',
        'c',
      ]);
      expect(ids(await store.query(c, { orderBy: { field: 'n' }, limit: 2 }))).toEqual(['a', 'b']);
      expect(ids(await store.query(c, { orderBy: { field: 'n', direction: 'desc' }, limit: 1 }))).toEqual(['d']);
      const red = await store.query(c, {
        where: [
          { field: 'tag', op: '==', value: 'red' },
          { field: 'n', op: '>', value: 1 },
        ],
      });
      expect(ids(red)).toEqual(['c']);
      expect(red[0].data).toEqual(QUERY_DOCS.c);
      expect(await store.query(col('empty'))).toEqual([]);
    },
  ],
  [
    'createIfAbsent creates once, then returns false and keeps the first data',
    async ({ store, col }) => {
      const c = col('processed');
      expect(await store.createIfAbsent(c, 'k1', { v: 1 })).toBe(true);
      expect(await store.createIfAbsent(c, 'k1', { v: 2 })).toBe(false);
      expect(await store.get(c, 'k1')).toEqual({ v: 1 });
    },
  ],
  [
    'a transaction commits all its writes, including delete, and returns its result',
    async ({ store, col }) => {
      const c = col('tx');
      await seed(store, c, { old: { v: 0 } });
      const result = await store.transaction(async (tx) => {
        const old = await tx.get<{ v: number }>(c, 'old');
        tx.set(c, 'x', { v: (old?.v ?? 0) + 1 });
        tx.create(c, 'y', { v: 2 });
        tx.delete(c, 'old');
        return 'done';
      });
      expect(result).toBe('done');
      expect(await store.get(c, 'x')).toEqual({ v: 1 });
      expect(await store.get(c, 'y')).toEqual({ v: 2 });
      expect(await store.get(c, 'old')).toBeUndefined();
    },
  ],
  [
    'a throwing callback applies nothing and its error reaches the caller',
    async ({ store, col }) => {
      const c = col('tx');
      await seed(store, c, { keep: { v: 1 } });
      const boom = new Error('boom');
      await expect(
        store.transaction(async (tx) => {
          tx.set(c, 'keep', { v: 99 });
          tx.set(c, 'new', { v: 1 });
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await store.get(c, 'keep')).toEqual({ v: 1 });
      expect(await store.get(c, 'new')).toBeUndefined();
    },
  ],
  [
    'non-transactional reads never see uncommitted writes',
    async ({ store, col }) => {
      const c = col('tx');
      let seenInside: Doc | undefined = { marker: true };
      await store.transaction(async (tx) => {
        tx.set(c, 'pending', { v: 1 });
        seenInside = await store.get(c, 'pending');
      });
      expect(seenInside).toBeUndefined();
      expect(await store.get(c, 'pending')).toEqual({ v: 1 });
    },
  ],
  [
    'create of an existing document fails with STATE.ALREADY_EXISTS and applies nothing',
    async ({ store, col }) => {
      const c = col('tx');
      await seed(store, c, { taken: { v: 1 } });
      await expectCode(
        store.transaction(async (tx) => {
          tx.set(c, 'other', { v: 1 });
          tx.create(c, 'taken', { v: 2 });
        }),
        'STATE.ALREADY_EXISTS',
      );
      expect(await store.get(c, 'taken')).toEqual({ v: 1 });
      expect(await store.get(c, 'other')).toBeUndefined();
    },
  ],
  [
    'a read after a write fails with STATE.READ_AFTER_WRITE and applies nothing',
    async ({ store, col }) => {
      const c = col('tx');
      await expectCode(
        store.transaction(async (tx) => {
          tx.set(c, 'w', { v: 1 });
          await tx.get(c, 'w');
        }),
        'STATE.READ_AFTER_WRITE',
      );
      await expectCode(
        store.transaction(async (tx) => {
          tx.set(c, 'w', { v: 1 });
          await tx.query(c);
        }),
        'STATE.READ_AFTER_WRITE',
      );
      expect(await store.get(c, 'w')).toBeUndefined();
    },
  ],
  [
    '20 concurrent transactions incrementing one counter lose no update',
    async ({ store, col }) => {
      const c = col('counters');
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.transaction(async (tx) => {
            const doc = await tx.get<{ count: number }>(c, 'hits');
            tx.set(c, 'hits', { count: (doc?.count ?? 0) + 1 });
          }),
        ),
      );
      expect(await store.get(c, 'hits')).toEqual({ count: 20 });
    },
  ],
  [
    'a transaction sees a consistent query and writes based on it',
    async ({ store, col }) => {
      const c = col('runs');
      await seed(store, c, { r1: { state: 'running' }, r2: { state: 'running' }, r3: { state: 'succeeded' } });
      await Promise.all(
        [0, 1].map(() =>
          store.transaction(async (tx) => {
            const running = await tx.query<{ state: string }>(c, {
              where: [{ field: 'state', op: '==', value: 'running' }],
              limit: 1,
            });
            for (const r of running) tx.set(c, r.id, { state: 'failed' });
          }),
        ),
      );
      expect(ids(await store.query(c, { where: [{ field: 'state', op: '==', value: 'failed' }] })).sort()).toEqual([
        'r1',
        'r2',
      ]);
    },
  ],
];

/** The names of the contract's cases (lets a skipping backend say how many it skipped). */
export const STATE_STORE_CONTRACT_CASES: readonly string[] = CASES.map(([name]) => name);

/**
 * Register the state-store contract for one backend. `factory` runs once (beforeAll); every case
 * uses collections under its own unique prefix, so the store may be shared with other runs.
 */
export function describeStateStoreContract(
  backend: string,
  factory: () => Promise<{ store: StateStore; cleanup(): Promise<void> }>,
): void {
  describe(`StateStore contract on ${backend}`, () => {
    let fixture: StateStoreFixture | undefined;
    const runId = randomUUID().slice(0, 8);
    let ran = 0;
    let passed = 0;

    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      console.log(`[contract] StateStore on ${backend}: ${ran} tests ran, ${passed} passed`);
      await fixture?.cleanup();
    });

    CASES.forEach(([name, run], index) => {
      it(name, async () => {
        ran += 1;
        if (fixture === undefined) throw new Error('state-store factory failed');
        const prefix = `ct-${runId}-${index}`;
        await run({ store: fixture.store, col: (n) => `${prefix}-${n}` });
        passed += 1;
      });
    });
  });
}
