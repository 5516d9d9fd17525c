/**
 * The outbox lease (issue 11): an effect longer than the lease is not taken over while its driver is
 * alive (heartbeat); a driver whose lease was taken over can neither mark nor go on (fencing); a
 * failure at mark-done repeats at most that one item, and a repeated message keeps its idempotency
 * key, so the consumer's ledger still gives one effect. On SQLite, SQLite sharing its database with
 * the bus, and the Firestore emulator.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteEventBus } from '../../shared/adapters/local/sqlite.event-bus.js';
import { memoryLogger } from '../../shared/logging.js';
import type { Topic } from '../../shared/domain/topics.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import {
  LEDGER,
  ledgerId,
  processOnce,
  reconcileOutboxes,
  type Decision,
  type LedgerEntry,
  type ProcessingDeps,
} from '../../shared/services/processing.js';
import { announceSkippedEmulatorTests } from '../support/emulators.js';
import { testClock, type TestClock } from '../support/service-harness.js';
import { BACKENDS, FaultyStore, gate, until, type Opened } from './support/backends.js';

announceSkippedEmulatorTests('Firestore emulator outbox lease');

const LEASE = { leaseMs: 60_000, renewEveryMs: 10 };
const identity = (key: string) => ({
  handler: 'test',
  dedupeKey: key,
  messageId: key,
  topic: 'promotions',
  correlationId: key,
});
/** Whether the store publishes inside its transactions (the bus shares its database). */
const inline = (o: Opened): boolean => o.bus instanceof SqliteEventBus;
const lifecycle = (step: string): { topic: Topic; data: unknown } => ({ topic: 'lifecycle-events', data: { step } });

describe.each(BACKENDS)('$name', (backend) => {
  describe.skipIf(!backend.enabled)('outbox lease, fencing and progress', () => {
    const opened: Opened[] = [];
    let clock: TestClock;
    /** Calls of the `deploy` effect, and the distinct deployments it applied (idempotent by key, like Vertex). */
    let calls: number;
    let applied: Set<string>;
    let slow: ReturnType<typeof gate> | undefined;

    const open = (): {
      o: Opened;
      store: FaultyStore;
      deps: (overrides?: Partial<ProcessingDeps>) => ProcessingDeps;
    } => {
      const o = backend.open();
      opened.push(o);
      const store = new FaultyStore(o.store);
      clock = testClock();
      calls = 0;
      applied = new Set();
      slow = undefined;
      const effects = {
        deploy: async (effect: { payload: Record<string, unknown> }) => {
          calls += 1;
          const waiting = slow;
          slow = undefined;
          if (waiting) await waiting.wait();
          applied.add(String(effect.payload.key));
        },
      };
      return {
        o,
        store,
        deps: (overrides = {}) => ({
          store,
          bus: o.bus,
          effects,
          logger: memoryLogger(),
          clock: clock.now,
          outboxLease: LEASE,
          ...overrides,
        }),
      };
    };
    const deployThenTell =
      (key: string): (() => Promise<Decision>) =>
      async () => ({
        outcome: { key },
        effects: [{ type: 'deploy', payload: { key } }],
        messages: [lifecycle(`${key}-a`), lifecycle(`${key}-b`)],
      });
    const entry = (store: StateStore, key: string): Promise<LedgerEntry | undefined> =>
      store.get<LedgerEntry>(LEDGER, ledgerId(key));

    beforeAll(() => backend.start(), 120_000);
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((o) => o.close()));
    });
    afterAll(() => backend.stop(), 60_000);

    it('an effect outliving the lease is not taken over while its driver renews it (even through a failed renewal)', async () => {
      const { o, store, deps } = open();
      const g = gate();
      slow = g;
      const running = processOnce(deps(), identity('deploy-1'), deployThenTell('deploy-1'));
      await g.reached;
      const first = (await entry(store, 'deploy-1'))?.leaseUntil ?? 0;
      store.failCommitsWhere((w) => w.docs.some((d) => d.collection === LEDGER), 1); // one renewal fails
      clock.advanceMinutes(0.9);
      await until(
        async () => ((await entry(store, 'deploy-1'))?.leaseUntil ?? 0) > first,
        'a renewal after the failed one',
      );
      expect(store.injected).toBe(1);
      clock.advanceMinutes(0.9); // 108 s after the claim: the original 60 s lease would have lapsed
      const competitor = await reconcileOutboxes(deps(), 0);
      expect(competitor).toEqual({ redriven: 0, failed: 0 });
      g.open();
      await running;
      expect(calls).toBe(1);
      expect(await o.sent()).toEqual([`${ledgerId('deploy-1')}:1`, `${ledgerId('deploy-1')}:2`]);
      expect(await entry(store, 'deploy-1')).toMatchObject({ pending: false });
      expect((await entry(store, 'deploy-1'))?.leaseOwner).toBeUndefined();
    });

    it('a driver whose lease was taken over cannot mark its item done or go on: every message goes out once', async () => {
      const { o, store, deps } = open();
      const g = gate();
      slow = g;
      // The stale driver: its heartbeat never renews (a frozen process, a store it cannot reach).
      const stale = processOnce(
        deps({ outboxLease: { leaseMs: 60_000, renewEveryMs: 3_600_000 } }),
        identity('deploy-2'),
        deployThenTell('deploy-2'),
      );
      await g.reached;
      clock.advanceMinutes(2);
      const takeover = deps();
      expect(await reconcileOutboxes(takeover, 0)).toEqual({ redriven: 1, failed: 0 });
      expect(await entry(store, 'deploy-2')).toMatchObject({ pending: false });
      g.open();
      await expect(stale).resolves.toMatchObject({ duplicate: false });
      expect(calls).toBe(2); // the takeover repeated the effect: it must be (and is) idempotent
      expect([...applied]).toEqual(['deploy-2']);
      expect(await o.sent()).toEqual([`${ledgerId('deploy-2')}:1`, `${ledgerId('deploy-2')}:2`]);
      const done = await entry(store, 'deploy-2');
      expect(done?.outbox.map((x) => x.doneAt !== undefined)).toEqual([true, true, true]);
    });

    it('a failure at mark-done repeats only that item, with the same idempotency key; the consumer applies it once', async () => {
      const { o, store, deps } = open();
      // Fail the commit that records the first message as done (on the shared database, also its publish).
      store.failCommitsWhere((w) =>
        w.docs.some(
          (d) => d.collection === LEDGER && (d.data as LedgerEntry | undefined)?.outbox?.[1]?.doneAt !== undefined,
        ),
      );
      await expect(processOnce(deps(), identity('deploy-3'), deployThenTell('deploy-3'))).rejects.toMatchObject({
        code: 'STATE.UNAVAILABLE',
        retryable: true,
      });
      expect(await entry(store, 'deploy-3')).toMatchObject({ pending: true });
      expect((await entry(store, 'deploy-3'))?.leaseOwner).toBeUndefined(); // released: the redelivery need not wait
      await processOnce(deps(), identity('deploy-3'), deployThenTell('deploy-3')); // the redelivery
      const sent = await o.sent();
      const key = (i: number): string => `${ledgerId('deploy-3')}:${i}`;
      expect(sent.filter((k) => k === key(2))).toEqual([key(2)]);
      if (inline(o)) {
        // The messages are published by the commit that records the effect done: that commit failed, so the
        // effect was repeated (idempotently: one deployment) and each message went out exactly once.
        expect([calls, applied.size]).toEqual([2, 1]);
        expect(sent.filter((k) => k === key(1))).toEqual([key(1)]);
      } else {
        // The effect was recorded done before the failure: not repeated. The first message was published
        // but not recorded: it goes out again, with the same key.
        expect(calls).toBe(1);
        expect(sent.filter((k) => k === key(1))).toEqual([key(1), key(1)]);
      }
      // The consumer deduplicates on the key: however many copies arrived, one effect.
      let effects = 0;
      const consumer = deps();
      for (const k of sent) {
        await processOnce(consumer, { ...identity(`lifecycle-events:${k}`), handler: 'consumer' }, async () => {
          effects += 1;
          return { outcome: { k } };
        });
      }
      expect(effects).toBe(2);
      expect(await entry(store, 'deploy-3')).toMatchObject({ pending: false });
    });
  });
});
