/**
 * Alert lifecycle scenarios through the real on-drift-alert handler, on any state store (SQLite in
 * alerts.test.ts, the Firestore emulator in alerts.firestore.test.ts): out-of-order incidents,
 * anomaly storms, repeated findings, operator ack/close, and documents that must fit Firestore.
 */
import { describe, expect, it } from 'vitest';
import { COLLECTIONS, type AlertDoc, type ModelDoc } from '../../shared/domain/state.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import { fixture } from '../fixtures/envelopes/load.js';
import {
  MODEL_ID,
  createHarness,
  landed,
  ledgerEntries,
  redeliverUntilAcked,
  testClock,
  type Harness,
} from '../support/service-harness.js';

/** A fresh store per test, and how to dispose of it. */
export type StoreFactory = () => Promise<{ store: StateStore; cleanup: () => Promise<void> }>;

/** A Vertex model-monitoring anomaly log entry with its own insertId. */
export function anomaly(insertId: string, at: string): Record<string, unknown> {
  const entry = fixture<Record<string, unknown> & { jsonPayload: Record<string, unknown> }>(
    'vertex-anomaly-log-entry.json',
  );
  return { ...entry, insertId, timestamp: at, jsonPayload: { ...entry.jsonPayload, startTime: at, endTime: at } };
}

const finding = (extra: Record<string, unknown> = {}) => ({
  type: 'drift.detected',
  modelId: MODEL_ID,
  signal: 'drift',
  source: 'monitor',
  summary: 'PSI 0.31 on offer_price',
  evidence: { psi: 0.31 },
  ...extra,
});

/** Deliver in waves of `width` concurrent deliveries. */
async function inWaves<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

/** Register the scenarios against stores from `factory`; `concurrency` bounds simultaneous deliveries (the emulator's lock waits are slow). */
export function describeAlertScenarios(name: string, factory: StoreFactory, concurrency = 25): void {
  describe(`alert lifecycle (${name})`, () => {
    const withModel = async (): Promise<{ h: Harness; done: () => Promise<void> }> => {
      const { store, cleanup } = await factory();
      const h = createHarness({ store, clock: testClock('2024-06-01T00:00:00.000Z') });
      await h.deliver('data-landed', landed('gs://landing/q1.csv')); // a model with a run in flight, no champion
      return {
        h,
        done: async () => {
          await h.close();
          await cleanup();
        },
      };
    };
    const alerts = async (h: Harness): Promise<AlertDoc[]> =>
      (await h.store.query<AlertDoc>(COLLECTIONS.alerts)).map((a) => a.data);
    const model = async (h: Harness): Promise<ModelDoc> =>
      (await h.store.get<ModelDoc>(COLLECTIONS.models, MODEL_ID)) as ModelDoc;

    it('an incident whose "closed" arrives before its "open" ends closed and requests nothing', async () => {
      const { h, done } = await withModel();
      await h.deliver('drift-alerts', fixture('monitoring-incident-closed.json'));
      h.clock.advanceMinutes(1);
      await h.deliver('drift-alerts', fixture('monitoring-incident-open.json'));
      const [alert] = await alerts(h);
      expect(alert).toMatchObject({ state: 'closed', closedBy: 'cloud-monitoring', lateOpenAt: expect.any(String) });
      expect(h.bus.on('retrain-requests')).toEqual([]);
      expect((await ledgerEntries(h.store)).map((e) => e.outcome.kind).sort()).toEqual([
        'late-open',
        'resolve',
        'started',
      ]);
      await done();
    });

    it('50 anomaly alerts in an hour, delivered concurrently, request exactly one retrain and count as one alert', async () => {
      const { h, done } = await withModel();
      const entries = Array.from({ length: 50 }, (_, i) =>
        anomaly(`insert-${i}`, new Date(Date.parse('2024-06-01T00:00:00Z') + i * 70_000).toISOString()),
      );
      // Contention may abort a transaction (Firestore): the platform redelivers, as Pub/Sub would.
      const deliver = (e: Record<string, unknown>) => redeliverUntilAcked(() => h.deliver('drift-alerts', e));
      await inWaves(entries.slice(0, 25), concurrency, deliver);
      h.clock.advanceMinutes(29);
      await inWaves(entries.slice(25), concurrency, deliver);
      h.clock.advanceMinutes(29); // 58 minutes after the first
      await h.deliver('drift-alerts', anomaly('insert-50', '2024-06-01T00:58:00Z'));
      expect(h.bus.on('retrain-requests')).toHaveLength(1);
      const all = await alerts(h);
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({
        state: 'open',
        source: 'vertex-anomaly',
        occurrences: 51,
        action: 'retrain requested',
      });
      expect((await model(h)).openAlerts).toEqual({ 'vertex-anomaly:skew:any': all[0].alertId });
      await done();
    }, 180_000);

    it('a repeated monitor finding updates the open alert; after a quiet period a new one opens', async () => {
      const { h, done } = await withModel();
      for (let i = 0; i < 6; i++) {
        await h.deliver('drift-alerts', finding({ summary: `PSI 0.3${i}` }));
        h.clock.advanceMinutes(5);
      }
      let all = await alerts(h);
      expect(all).toEqual([expect.objectContaining({ occurrences: 6, summary: 'PSI 0.35', state: 'open' })]);
      h.clock.advanceMinutes(60);
      await h.deliver('drift-alerts', finding());
      all = await alerts(h);
      expect(all.map((a) => [a.state, a.occurrences]).sort()).toEqual([
        ['closed', 6],
        ['open', 1],
      ]);
      expect(all.find((a) => a.state === 'closed')?.closeReason).toMatch(/not seen for 30 min/);
      expect(h.bus.on('retrain-requests')).toHaveLength(2); // the second episode is outside the debounce window
      await done();
    });

    it('ack and close record who and why; refusals are clear and change nothing; a closed slot opens anew', async () => {
      const { h, done } = await withModel();
      await h.deliver('drift-alerts', finding());
      const [opened] = await alerts(h);
      const cmd = (action: string, extra: Record<string, unknown> = {}) => ({
        type: 'alert.command',
        action,
        alertId: opened.alertId,
        actor: 'alice@example.com',
        ...extra,
      });
      await h.deliver('drift-alerts', cmd('ack', { reason: 'looking into it' }));
      await h.deliver('drift-alerts', cmd('ack', { actor: 'bob@example.com' }));
      await h.deliver('drift-alerts', cmd('close', { reason: 'fixed upstream' }));
      await h.deliver('drift-alerts', cmd('close'));
      await h.deliver('drift-alerts', cmd('ack', { alertId: 'alert-nope' }));
      const [closed] = await alerts(h);
      expect(closed).toMatchObject({
        state: 'closed',
        closedBy: 'alice@example.com',
        closeReason: 'fixed upstream',
        acknowledged: { actor: 'alice@example.com', reason: 'looking into it', at: expect.any(String) },
      });
      expect((await model(h)).openAlerts).toEqual({});
      const refused = (await ledgerEntries(h.store, 'rejected')).map((e) => [e.outcome.code, e.outcome.message]);
      expect(refused).toEqual(
        expect.arrayContaining([
          ['ALERT.ALREADY_ACKNOWLEDGED', expect.stringContaining('already acknowledged by alice@example.com')],
          ['ALERT.NOT_OPEN', expect.stringContaining('already closed')],
          ['ALERT.NOT_FOUND', 'alertId: no alert alert-nope'],
        ]),
      );
      const events = h.bus.on('lifecycle-events').map((m) => m.data as { event: string; actor: string });
      expect(
        events
          .filter((e) => e.event === 'alert.acknowledged' || e.event === 'alert.resolved')
          .map((e) => [e.event, e.actor]),
      ).toEqual([
        ['alert.acknowledged', 'alice@example.com'],
        ['alert.resolved', 'alice@example.com'],
      ]);
      await h.deliver('drift-alerts', finding());
      expect((await alerts(h)).filter((a) => a.state === 'open')).toHaveLength(1);
      await done();
    });

    it('a 3.4 MB summary and huge evidence are stored truncated, never dropped', async () => {
      const { h, done } = await withModel();
      const summary = `drift ${'x'.repeat(3_400_000)}`;
      const evidence = { psi: 0.4, rows: Array.from({ length: 40_000 }, (_, i) => ({ i, value: 'y'.repeat(10) })) };
      await h.deliver('drift-alerts', finding({ summary, evidence }));
      const [alert] = await alerts(h);
      expect(alert.summary).toMatch(/^drift x+… \(truncated from 3400006 characters\)$/);
      expect(alert.summary.length).toBeLessThan(1100);
      expect(alert.evidence).toMatchObject({ psi: 0.4, truncated: { omittedFields: ['rows'], omittedCount: 1 } });
      expect(h.bus.on('retrain-requests')).toHaveLength(1);
      await done();
    });
  });
}
