/**
 * The lifecycle invariants (issue 11) on both backends, the embedded SQLite store and the Firestore
 * emulator, through the real handlers: the two reported corrupting sequences as fixed regression tests,
 * then random command sequences (fast-check) with the invariants checked after every command and the
 * endpoint checked to have converged to the stored split.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite.state-store.js';
import { FirestoreStateStore } from '../../shared/adapters/gcp/firestore.state-store.js';
import { experimentId } from '../../shared/domain/lifecycle/index.js';
import { COLLECTIONS, type DeploymentDoc, type ModelDoc, type VersionDoc } from '../../shared/domain/state.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import {
  announceSkippedEmulatorTests,
  hasGcloud,
  startFirestoreEmulator,
  type Emulator,
} from '../support/emulators.js';
import { expectInvariants, storedSnapshot } from '../support/lifecycle-state.js';
import {
  ENDPOINT_ID,
  MODEL_ID,
  command,
  createHarness,
  inFlightRun,
  landAndTrain,
  landed,
  ledgerEntries,
  evaluation,
  type Harness,
} from '../support/service-harness.js';

announceSkippedEmulatorTests('Firestore emulator lifecycle-invariant');

interface Backend {
  name: string;
  enabled: boolean;
  /** Random sequences to try (the emulator is slower). */
  runs: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  newStore(): StateStore;
}

const sqliteDir = mkdtempSync(join(tmpdir(), 'ipo-invariants-'));
let emulator: Emulator | undefined;

const BACKENDS: Backend[] = [
  {
    name: 'embedded SQLite',
    enabled: true,
    runs: 60,
    start: async () => undefined,
    stop: async () => rmSync(sqliteDir, { recursive: true, force: true }),
    newStore: () => new SqliteStateStore({ path: join(sqliteDir, `${randomUUID()}.db`) }),
  },
  {
    name: 'Firestore emulator',
    enabled: hasGcloud(),
    runs: 12,
    async start() {
      emulator = await startFirestoreEmulator();
    },
    stop: async () => emulator?.stop(),
    newStore: () => new FirestoreStateStore({ projectId: `demo-${randomUUID().slice(0, 8)}`, maxAttempts: 10 }),
  },
];

const VERSIONS = ['1.0.0', '1.1.0', '1.2.0', '1.3.0'] as const;

const doc = async <T>(h: Harness, collection: string, id: string): Promise<T> =>
  (await h.store.get(collection, id)) as T;
const state = async (h: Harness, v: string): Promise<string> =>
  (await doc<VersionDoc>(h, COLLECTIONS.versions(MODEL_ID), v)).state;
const split = async (h: Harness): Promise<Record<string, number>> =>
  (await doc<DeploymentDoc>(h, COLLECTIONS.deployments, ENDPOINT_ID)).split;
/** The codes of the refusals `act` leaves in the ledger (the ledger has no order to read a "last" from). */
const refusalsOf = async (h: Harness, act: () => Promise<unknown>): Promise<string[]> => {
  const before = new Set((await ledgerEntries(h.store, 'rejected')).map((e) => e.key));
  await act();
  return (await ledgerEntries(h.store, 'rejected'))
    .filter((e) => !before.has(e.key))
    .map((e) => e.outcome.code as string);
};

/** 1.0.0 in production, 1.1.0 in canary (auto-approved), 1.2.0 and 1.3.0 blessed and waiting for an approver. */
async function seed(h: Harness): Promise<void> {
  await landAndTrain(h, 'gs://landing/q1.csv');
  h.clock.advanceMinutes(120);
  await landAndTrain(h, 'gs://landing/q2.csv', { fingerprint: 'fp-q2' }, 2000);
  await h.deliver('promotions', {
    type: 'policy.update',
    modelId: MODEL_ID,
    actor: 'operator@local',
    policy: { autoApprove: false },
  });
  for (const [i, q] of ['q3', 'q4'].entries()) {
    h.clock.advanceMinutes(120);
    await landAndTrain(h, `gs://landing/${q}.csv`, { fingerprint: `fp-${q}` }, 3000 + 1000 * i);
  }
}

describe.each(BACKENDS)('$name', (backend) => {
  describe.skipIf(!backend.enabled)('lifecycle invariants', () => {
    const stores: StateStore[] = [];
    const open = (): Harness => {
      const store = backend.newStore();
      stores.push(store);
      return createHarness({ store });
    };
    beforeAll(() => backend.start(), 120_000);
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });
    afterAll(() => backend.stop(), 60_000);

    it('seeds the state the random sequences start from', async () => {
      const h = open();
      await seed(h);
      expect(await Promise.all(VERSIONS.map((v) => state(h, v)))).toEqual([
        'production',
        'canary',
        'blessed',
        'blessed',
      ]);
      expect(await split(h)).toEqual({ '1.0.0': 90, '1.1.0': 10 });
      expect(await doc(h, COLLECTIONS.experiments, experimentId(MODEL_ID, '1.1.0'))).toMatchObject({
        status: 'running',
        control: '1.0.0',
      });
      await expectInvariants(h.store, 'seed');
    });

    it('regression: set-traffic {1.1.0: 100} -> retire 1.0.0 -> rollback no longer leaves a retired version serving as champion', async () => {
      const h = open();
      await seed(h);
      expect(
        await refusalsOf(h, () => h.deliver('promotions', command('set-traffic', { traffic: { '1.1.0': 100 } }))),
      ).toEqual(['TRAFFIC.INVALID']);
      await expectInvariants(h.store, 'set-traffic');
      expect(await refusalsOf(h, () => h.deliver('promotions', command('retire', { version: '1.0.0' })))).toEqual([
        'PROMOTION.IS_CHAMPION',
      ]);
      await h.deliver('promotions', command('rollback', { reason: 'canary looks wrong' }));
      await h.pump();
      await expectInvariants(h.store, 'rollback');
      expect([await state(h, '1.0.0'), await state(h, '1.1.0'), await split(h)]).toEqual([
        'production',
        'rolled_back',
        { '1.0.0': 100 },
      ]);
      expect(await doc(h, COLLECTIONS.experiments, experimentId(MODEL_ID, '1.1.0'))).toMatchObject({
        status: 'aborted',
        abortCause: 'rolled-back',
      });
    });

    it('regression: promoting 1.2.0 over a live 1.1.0 canary supersedes the canary, and later rollbacks still work', async () => {
      const h = open();
      await landAndTrain(h, 'gs://landing/q1.csv');
      h.clock.advanceMinutes(120);
      await landAndTrain(h, 'gs://landing/q2.csv', { fingerprint: 'fp-q2' }, 2000);
      h.clock.advanceMinutes(120);
      // 1.2.0 is approved and its canary command waits on the bus when an operator promotes it directly.
      h.datasets.rows.set('gs://landing/q3.csv', 3000);
      await h.deliver('data-landed', landed('gs://landing/q3.csv'));
      const runId = await inFlightRun(h.store);
      h.inspector.byRun.set(runId, evaluation({ fingerprint: 'fp-q3', rows: 3000 }));
      await h.complete(runId, 'succeeded');
      expect(await state(h, '1.2.0')).toBe('approved');
      await h.deliver('promotions', command('promote', { version: '1.2.0' }));
      await expectInvariants(h.store, 'promote 1.2.0');
      expect([await state(h, '1.1.0'), await state(h, '1.2.0'), await split(h)]).toEqual([
        'rolled_back',
        'production',
        { '1.2.0': 100 },
      ]);
      expect(await doc(h, COLLECTIONS.experiments, experimentId(MODEL_ID, '1.1.0'))).toMatchObject({
        status: 'aborted',
        abortCause: 'superseded',
      });
      // The superseded canary's event says so (notifications treat it as a planned change, not a rollback).
      const rolledBack = await h.store.query(COLLECTIONS.audit, {
        where: [
          { field: 'action', op: '==', value: 'version.rolled-back' },
          { field: 'subject.id', op: '==', value: '1.1.0' },
        ],
      });
      expect(rolledBack.map((r) => r.data.evidence)).toEqual([{ cause: 'superseded' }]);
      // The stale canary command for 1.2.0 is refused: it is already in production.
      expect(await refusalsOf(h, () => h.pump())).toEqual(['LIFECYCLE.ILLEGAL_TRANSITION']);
      await h.deliver('promotions', command('rollback', { reason: 'bad valuations' }));
      await expectInvariants(h.store, 'rollback');
      expect([await state(h, '1.0.0'), await state(h, '1.2.0'), await split(h)]).toEqual([
        'production',
        'rolled_back',
        { '1.0.0': 100 },
      ]);
      expect((await doc<ModelDoc>(h, COLLECTIONS.models, MODEL_ID)).championHistory.map((e) => e.version)).toEqual([
        '1.0.0',
        '1.2.0',
        '1.0.0',
      ]);
    });

    it('random command sequences keep every invariant after every command, and the endpoint serves the stored split', async () => {
      const version = fc.constantFrom(...VERSIONS);
      const traffic = fc
        .tuple(
          fc.subarray([...VERSIONS], { minLength: 1 }),
          fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 4, maxLength: 4 }),
        )
        .map(([vs, ws]) => {
          let left = 100;
          return Object.fromEntries(
            vs.map((v, i) => {
              const share = i === vs.length - 1 ? left : Math.min(left, ws[i]);
              left -= share;
              return [v, share];
            }),
          );
        });
      const cmd = fc.oneof(
        fc.record({ action: fc.constant('approve'), version }),
        fc.record({ action: fc.constant('reject'), version, reason: fc.constant('not good enough') }),
        fc.record({ action: fc.constant('canary'), version, percent: fc.integer({ min: 1, max: 99 }) }),
        fc.record({ action: fc.constant('promote'), version }),
        fc.record({ action: fc.constant('rollback'), reason: fc.constant('looks wrong') }),
        fc.record({ action: fc.constant('rollback'), version, reason: fc.constant('looks wrong') }),
        fc.record({ action: fc.constant('set-traffic'), traffic }),
        fc.record({ action: fc.constant('retire'), version }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 10 }), async (cmds) => {
          const h = open();
          await seed(h);
          for (const [i, c] of cmds.entries()) {
            h.clock.advanceMinutes(1);
            await h.deliver('promotions', command(c.action, { ...c, idempotencyKey: `cmd-${i}` }));
            await h.pump();
            const step = `${i}: ${JSON.stringify(c)}`;
            await expectInvariants(h.store, step);
            const snapshot = await storedSnapshot(h.store);
            expect(await h.serving.currentSplit(ENDPOINT_ID), step).toEqual(snapshot.split);
          }
        }),
        { numRuns: backend.runs, endOnFailure: true },
      );
    }, 600_000);
  });
});
