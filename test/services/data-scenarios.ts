/**
 * Landed-data and run-control scenarios through the real handlers, on any state store (SQLite in
 * data.test.ts, the Firestore emulator in data.firestore.test.ts): keyless landings deduplicated on
 * content, contracts that travel with a landing and stay with the model, new rows counted against the
 * champion's data, junk landings refused, `run.cancel`, and the event TTL.
 */
import { describe, expect, it } from 'vitest';
import { buildPubSubCloudEvent } from '../../shared/domain/envelopes/pubsub-cloud-event.js';
import { COLLECTIONS, type ModelDoc, type RunDoc } from '../../shared/domain/state.js';
import { PermanentError } from '../../shared/domain/errors.js';
import {
  MODEL_ID,
  PROJECT,
  createHarness,
  inFlightRun,
  landAndTrain,
  landed,
  ledgerEntries,
  nextMessageId,
  testClock,
  type Harness,
} from '../support/service-harness.js';
import type { StoreFactory } from './alert-scenarios.js';

/** Register the scenarios against stores from `factory`. */
export function describeDataScenarios(name: string, factory: StoreFactory): void {
  describe(`landed data and run control (${name})`, () => {
    const harness = async (): Promise<{ h: Harness; done: () => Promise<void> }> => {
      const { store, cleanup } = await factory();
      const h = createHarness({ store, clock: testClock('2024-06-01T00:00:00.000Z') });
      return {
        h,
        done: async () => {
          await h.close();
          await cleanup();
        },
      };
    };
    const model = async (h: Harness): Promise<ModelDoc> =>
      (await h.store.get<ModelDoc>(COLLECTIONS.models, MODEL_ID)) as ModelDoc;
    const run = async (h: Harness, runId: string): Promise<RunDoc> =>
      (await h.store.get<RunDoc>(COLLECTIONS.runs, runId)) as RunDoc;
    const rejections = async (h: Harness): Promise<(string | undefined)[]> =>
      (await ledgerEntries(h.store, 'rejected')).map((e) => e.outcome.code as string | undefined);

    it('a keyless landing is deduplicated on content: the same file twice is one run, an overwritten file is new data', async () => {
      const { h, done } = await harness();
      const uri = 'gs://landing/ipo.csv';
      await landAndTrain(h, uri);
      h.clock.advanceMinutes(24 * 60); // past the retrain cooldown
      await h.deliver('data-landed', landed(uri)); // the same content announced again
      expect(h.launcher.launches).toHaveLength(1);
      h.datasets.sha256.set(uri, 'sha-after-overwrite');
      h.datasets.newRows.set(uri, 800);
      await h.deliver('data-landed', landed(uri));
      expect(h.launcher.launches).toHaveLength(2);
      expect((await model(h)).lastDataSha256).toBe('sha-after-overwrite');
      await done();
    });

    it('a sidecar contract travels with the landing, the model remembers it, and every later retrain uses it', async () => {
      const { h, done } = await harness();
      const uri = 'gs://landing/ipo.csv';
      h.datasets.sidecars.set(uri, 'gs://landing/ipo.contract.json');
      await landAndTrain(h, uri);
      expect(h.launcher.launches[0].contractUri).toBe('gs://landing/ipo.contract.json');
      expect((await model(h)).contractUri).toBe('gs://landing/ipo.contract.json');
      await h.deliver('data-landed', landed('gs://landing/ipo.contract.json', { source: 'gcs' })); // the bucket notifies the sidecar too
      expect(h.datasets.calls).toBe(1); // ...which is not data: never inspected, never the last dataset
      expect((await model(h)).lastDataUri).toBe(uri);
      h.clock.advanceMinutes(60 * 24 * 40); // the champion goes stale: a scheduled retrain starts
      await h.deliver('retrain-requests', {
        type: 'retrain.requested',
        modelId: MODEL_ID,
        reason: 'manual',
        requestedBy: 'ops@example.com',
      });
      expect(h.launcher.launches).toHaveLength(2);
      expect(h.launcher.launches[1]).toMatchObject({ dataUri: uri, contractUri: 'gs://landing/ipo.contract.json' });
      // A landing naming its own contract replaces the model's.
      await h.complete(h.launcher.launches[1].runId, 'failed', 'boom');
      await h.deliver(
        'data-landed',
        landed('gs://landing/ipo2.csv', { contractUri: 'gs://contracts/v2.json', idempotencyKey: 'k2' }),
      );
      expect((await model(h)).contractUri).toBe('gs://contracts/v2.json');
      await done();
    });

    it('new rows are the rows the champion has not seen, not a row-count difference', async () => {
      const { h, done } = await harness();
      await landAndTrain(h, 'gs://landing/q1.csv', {}, 1000);
      h.clock.advanceMinutes(24 * 60); // past the retrain cooldown
      h.datasets.rows.set('gs://landing/q2.csv', 1000); // same size...
      h.datasets.newRows.set('gs://landing/q2.csv', 1000); // ...all of it new
      await h.deliver('data-landed', landed('gs://landing/q2.csv'));
      expect(h.datasets.baselines.at(-1)).toBe('gs://landing/q1.csv'); // compared with the champion's training data
      expect(h.launcher.launches).toHaveLength(2);
      await done();
    });

    it("junk never becomes the model's last dataset", async () => {
      const { h, done } = await harness();
      await landAndTrain(h, 'gs://landing/good.csv');
      const before = await model(h);
      h.datasets.refuse.set(
        'gs://landing/photo.csv',
        new PermanentError('DATA.NOT_CSV', 'dataUri: gs://landing/photo.csv is not UTF-8 text'),
      );
      h.datasets.refuse.set(
        'gs://landing/empty.csv',
        new PermanentError('DATA.EMPTY', 'dataUri: gs://landing/empty.csv has no data rows'),
      );
      await h.deliver('data-landed', landed('gs://landing/photo.csv'));
      await h.deliver('data-landed', landed('gs://landing/empty.csv'));
      const after = await model(h);
      expect(after.lastDataUri).toBe('gs://landing/good.csv');
      expect(after.lastDataSha256).toBe(before.lastDataSha256);
      expect(await rejections(h)).toEqual(expect.arrayContaining(['DATA.NOT_CSV', 'DATA.EMPTY']));
      expect(h.launcher.launches).toHaveLength(1);
      await done();
    });

    it('a landing announced over the size guard is refused before it is read', async () => {
      const { h, done } = await harness();
      h.deps.settings.maxDatasetBytes = 1000;
      await h.deliver('data-landed', landed('gs://landing/huge.csv', { sizeBytes: 1001 }));
      expect(h.datasets.calls).toBe(0);
      const [refused] = await ledgerEntries(h.store, 'rejected');
      expect(refused.outcome).toMatchObject({
        code: 'DATA.TOO_LARGE',
        message: expect.stringContaining('1001 bytes, over the size guard of 1000 bytes'),
      });
      await h.deliver('data-landed', landed('gs://landing/ok.csv', { sizeBytes: 1000 }));
      expect(h.launcher.launches).toHaveLength(1);
      await done();
    });

    it('run.cancel stops the run in flight: a cancel-pipeline effect, and the run ends cancelled', async () => {
      const { h, done } = await harness();
      await h.deliver('data-landed', landed('gs://landing/q1.csv'));
      const runId = await inFlightRun(h.store);
      const cancel = { type: 'run.cancel', modelId: MODEL_ID, actor: 'alice@example.com', reason: 'wrong file' };
      await h.deliver('retrain-requests', cancel);
      expect(h.launcher.jobs.get(runId)?.state).toBe('cancelled');
      expect(await run(h, runId)).toMatchObject({
        cancelRequested: { actor: 'alice@example.com', reason: 'wrong file' },
      });
      await h.deliver('retrain-requests', { ...cancel, idempotencyKey: 'again' });
      await h.complete(runId, 'cancelled');
      expect(await run(h, runId)).toMatchObject({ state: 'cancelled' });
      expect((await model(h)).inFlightRunId).toBeNull();
      await h.deliver('retrain-requests', { ...cancel, idempotencyKey: 'late' });
      await h.deliver('retrain-requests', { ...cancel, runId: 'run-nope', idempotencyKey: 'unknown' });
      expect((await rejections(h)).sort()).toEqual([
        'RUN.ALREADY_CANCELLING',
        'RUN.NOTHING_TO_CANCEL',
        'RUN.NOT_FOUND',
      ]);
      const events = h.bus.on('lifecycle-events').map((m) => (m.data as { event: string }).event);
      expect(events).toEqual(expect.arrayContaining(['run.cancel-requested', 'run.cancelled']));
      expect(events).not.toContain('run.failed');
      await done();
    });

    it('a cancel that wins the race with the launch: the run never launches and still ends cancelled', async () => {
      const { h, done } = await harness();
      h.launcher.failNext(1); // the launch effect fails once, so the run is still unlaunched
      await h.deliver('data-landed', landed('gs://landing/q1.csv')).catch(() => undefined);
      const runId = await inFlightRun(h.store);
      expect(h.launcher.jobs.has(runId)).toBe(false);
      await h.deliver('retrain-requests', { type: 'run.cancel', modelId: MODEL_ID, actor: 'alice@example.com' });
      await h.deps.effects['launch-pipeline']({ type: 'launch-pipeline', payload: { runId } }); // the launch retried late
      expect(h.launcher.jobs.has(runId)).toBe(false);
      await h.pump(); // the cancel effect reported the unlaunched run cancelled on pipeline-events
      expect(await run(h, runId)).toMatchObject({ state: 'cancelled' });
      await done();
    });

    it('a retrain yielding a byte-identical model registers no version and deploys nothing again', async () => {
      const { h, done } = await harness();
      const train = async (bytes: string): Promise<string> => {
        const runId = await inFlightRun(h.store);
        await h.deps.artifacts.write(`mem:///runs/${runId}/model/model.json`, bytes);
        await h.deps.artifacts.write(`mem:///runs/${runId}/model/weights.bin`, 'w');
        await h.complete(runId, 'succeeded');
        await h.pump();
        return runId;
      };
      await h.deliver('data-landed', landed('gs://landing/q1.csv'));
      await train('{"layers":1}');
      const applied = h.serving.applied.length;
      h.clock.advanceMinutes(24 * 60);
      const retrain = (key: string) =>
        h.deliver('retrain-requests', {
          type: 'retrain.requested',
          modelId: MODEL_ID,
          reason: 'manual',
          requestedBy: 'ops@example.com',
          idempotencyKey: key,
        });
      await retrain('same');
      const same = await train('{"layers":1}');
      expect(await run(h, same)).toMatchObject({ state: 'evaluated', identicalTo: '1.0.0' });
      expect(await h.store.query(COLLECTIONS.versions(MODEL_ID))).toHaveLength(1);
      expect(h.serving.applied).toHaveLength(applied);
      expect((await model(h)).inFlightRunId).toBeNull();
      h.clock.advanceMinutes(24 * 60);
      await retrain('different'); // other bytes: a new version, deployed as a canary
      await train('{"layers":2}');
      expect(await h.store.query(COLLECTIONS.versions(MODEL_ID))).toHaveLength(2);
      expect(h.serving.applied.length).toBeGreaterThan(applied);
      await done();
    });

    it('events older than the TTL are discarded with an audit entry; younger ones are handled', async () => {
      const { h, done } = await harness();
      h.deps.settings.eventTtlHours = 24;
      const old = (hoursAgo: number, key: string) =>
        buildPubSubCloudEvent({
          project: PROJECT,
          topic: 'data-landed',
          messageId: nextMessageId(),
          publishTime: new Date(h.clock.now().getTime() - hoursAgo * 3_600_000).toISOString(),
          data: JSON.stringify(landed(`gs://landing/${key}.csv`, { idempotencyKey: key })),
          attributes: {},
        });
      await h.handlers['on-new-data'](old(25, 'stale'));
      expect(h.launcher.launches).toHaveLength(0);
      const [expired] = await ledgerEntries(h.store, 'rejected');
      expect(expired.outcome).toMatchObject({
        code: 'EVENT.EXPIRED',
        message: expect.stringContaining('older than the event TTL of 24 h'),
      });
      const audit = await h.store.query<{ reason?: string; event?: string }>('audit');
      expect(audit.some((a) => JSON.stringify(a.data).includes('EVENT.EXPIRED'))).toBe(true);
      await h.handlers['on-new-data'](old(23, 'fresh'));
      expect(h.launcher.launches).toHaveLength(1);
      expect(await rejections(h)).toEqual(['EVENT.EXPIRED']);
      await done();
    });
  });
}
