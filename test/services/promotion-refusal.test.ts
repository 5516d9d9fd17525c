/**
 * The invariant check before commit is a safety net: if an action ever decides a state that breaks a
 * lifecycle invariant, the command is refused with `LIFECYCLE.INVARIANT_VIOLATED` and nothing it wrote
 * is kept. Here `promote` is replaced by the pre-fix version (it forgets the live canary, leaving an
 * orphan 0 % canary), and a corrupted stored state is still repairable by a rollback.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COLLECTIONS, type VersionDoc } from '../../shared/domain/state.js';
import { promoteSplit } from '../../shared/domain/lifecycle/index.js';
import type { PromotionCtx } from '../../shared/services/promotion-state.js';
import { storedViolations } from '../support/lifecycle-state.js';
import {
  ENDPOINT_ID,
  MODEL_ID,
  command,
  createHarness,
  landAndTrain,
  ledgerEntries,
  snapshot,
  type Harness,
} from '../support/service-harness.js';

const buggy = vi.hoisted(() => ({ on: false }));

vi.mock('../../shared/services/promotion-actions.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../shared/services/promotion-actions.js')>();
  const state = await import('../../shared/services/promotion-state.js');
  return {
    ...original,
    promote: (ctx: PromotionCtx) => {
      if (!buggy.on) return original.promote(ctx);
      // The old promote: production for the candidate, the champion retired, any other canary forgotten.
      const v = state.namedVersion(ctx);
      const old = ctx.versions.get(ctx.model.championVersion as string) as VersionDoc;
      state.writeVersion(ctx, v, 'production', 'promote');
      state.writeVersion(ctx, old, 'retired', 'superseded');
      state.setChampion(ctx, v, 'promote');
      return state.applyTraffic(ctx, promoteSplit(v.version), v.version);
    },
  };
});

let h: Harness;
afterEach(async () => {
  buggy.on = false;
  await h.close();
});

describe('lifecycle invariants are checked before commit', () => {
  it('refuses a decision that would leave an orphan canary, and writes nothing of it', async () => {
    h = createHarness();
    await landAndTrain(h, 'gs://landing/q1.csv');
    h.clock.advanceMinutes(120);
    await landAndTrain(h, 'gs://landing/q2.csv', { fingerprint: 'fp-q2' }, 2000); // 1.1.0 canary beside 1.0.0
    const canary = (await h.store.get(COLLECTIONS.versions(MODEL_ID), '1.1.0')) as VersionDoc;
    await h.store.transaction(async (tx) =>
      tx.set(COLLECTIONS.versions(MODEL_ID), '1.2.0', {
        ...canary,
        version: '1.2.0',
        state: 'approved',
        stateHistory: [],
      }),
    );
    const before = await snapshot(h.store);
    const applied = h.serving.applied.length;

    buggy.on = true;
    await h.deliver('promotions', command('promote', { version: '1.2.0' }));
    const [refused] = await ledgerEntries(h.store, 'rejected');
    expect(refused.outcome).toMatchObject({ code: 'LIFECYCLE.INVARIANT_VIOLATED' });
    expect(String(refused.outcome.message)).toMatch(
      /1\.1\.0 is canary but receives no traffic \(live-versions-serve\)/,
    );
    expect(await snapshot(h.store)).toEqual(before);
    expect(h.serving.applied).toHaveLength(applied);

    buggy.on = false;
    await h.deliver('promotions', command('promote', { version: '1.2.0' }));
    expect(await storedViolations(h.store)).toEqual([]);
    expect(((await h.store.get(COLLECTIONS.versions(MODEL_ID), '1.1.0')) as VersionDoc).state).toBe('rolled_back');
  });

  it('lets a command repair a state an older release corrupted (no new violation), e.g. roll back an orphan 0% canary', async () => {
    h = createHarness();
    await landAndTrain(h, 'gs://landing/q1.csv');
    h.clock.advanceMinutes(120);
    await landAndTrain(h, 'gs://landing/q2.csv', { fingerprint: 'fp-q2' }, 2000);
    // What the old promote left behind: 1.1.0 still canary, but the split gives it nothing.
    const dep = (await h.store.get(COLLECTIONS.deployments, ENDPOINT_ID)) as Record<string, unknown>;
    await h.store.transaction(async (tx) =>
      tx.set(COLLECTIONS.deployments, ENDPOINT_ID, { ...dep, split: { '1.0.0': 100 }, artifacts: {} }),
    );
    expect((await storedViolations(h.store)).map((v) => v.invariant)).toEqual(['live-versions-serve']);
    await h.deliver('promotions', command('rollback', { reason: 'orphan canary' }));
    expect(await storedViolations(h.store)).toEqual([]);
    expect(((await h.store.get(COLLECTIONS.versions(MODEL_ID), '1.1.0')) as VersionDoc).state).toBe('rolled_back');
  });
});
