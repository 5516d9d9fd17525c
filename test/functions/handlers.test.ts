/**
 * The four functions through functions-framework's test server: the same message in binary mode,
 * structured mode and as a raw Pub/Sub push body gives 204 and identical state; a Storage finalize
 * starts a run; the drift webhook authenticates with `?token=` and validates its body.
 */
import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_WEBHOOK_ENTRY_POINT, entryPointOf, type Topic } from '../../shared/domain/topics.js';
import { COLLECTIONS, type AlertDoc } from '../../shared/domain/state.js';
import { fixture, type BinaryRequest } from '../fixtures/envelopes/load.js';
import {
  MODEL_ID,
  command,
  createHarness,
  evaluation,
  inFlightRun,
  landAndTrain,
  landed,
  ledgerEntries,
  snapshot,
  stateCollections,
  testClock,
  type Harness,
} from '../support/service-harness.js';
import { MODES, WEBHOOK_TOKEN, registerFunctions, send, serverOf, wireMessage } from './wire.js';

let h: Harness | undefined;
const harness = (): Harness => {
  if (h === undefined) throw new Error('no harness');
  return h;
};
beforeAll(() => registerFunctions(() => harness().deps));
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** First model in production, then a second run on new data in flight (run id is deterministic). */
async function seeded(): Promise<{ h: Harness; runId: string }> {
  h = createHarness();
  await landAndTrain(h, 'gs://landing/q1.csv');
  h.clock.advanceMinutes(120);
  h.datasets.rows.set('gs://landing/q2.csv', 2000);
  await h.deliver('data-landed', landed('gs://landing/q2.csv'));
  const runId = await inFlightRun(h.store);
  h.inspector.byRun.set(runId, evaluation({ fingerprint: 'fp-q2', rows: 2000 }));
  return { h, runId };
}

interface Case {
  name: string;
  topic: Topic;
  payload: (runId: string) => Record<string, unknown>;
  expectKind: string;
}

const CASES: Case[] = [
  {
    name: 'on-new-data (manual retrain)',
    topic: 'retrain-requests',
    payload: () => ({ type: 'retrain.requested', modelId: MODEL_ID, reason: 'manual', requestedBy: 'operator@local' }),
    expectKind: 'coalesced',
  },
  {
    name: 'on-eval-complete (run succeeded)',
    topic: 'pipeline-events',
    payload: (runId) => ({
      type: 'pipeline.completed',
      runId,
      modelId: MODEL_ID,
      pipelineJobId: runId,
      state: 'succeeded',
      finishedAt: '2024-06-01T03:00:00Z',
    }),
    expectKind: 'blessed',
  },
  {
    name: 'on-promotion (set-traffic)',
    topic: 'promotions',
    payload: () => command('set-traffic', { traffic: { '1.0.0': 100 } }),
    expectKind: 'set-traffic',
  },
  {
    name: 'on-drift-alert (performance finding)',
    topic: 'drift-alerts',
    payload: () => ({
      type: 'drift.detected',
      modelId: MODEL_ID,
      signal: 'performance',
      source: 'monitor',
      summary: 'R² fell to 0.4',
      evidence: { r2: 0.4 },
    }),
    expectKind: 'request-retrain',
  },
];

describe('one message, three envelope modes', () => {
  describe.each(CASES)('$name', ({ topic, payload, expectKind }) => {
    it('is acknowledged with 204 and leaves identical state in binary, structured and push mode', async () => {
      const results: { state: unknown; published: unknown }[] = [];
      for (const mode of MODES) {
        const { h: hm, runId } = await seeded();
        const before = hm.bus.published.length;
        const res = await send(
          mode,
          topic,
          wireMessage(payload(runId), { messageId: 'same-message-1', attributes: { origin: 'test' } }),
        );
        expect(res.status, `${mode}: ${res.text}`).toBe(204);
        const ledger = (await ledgerEntries(hm.store)).filter((e) => e.messageId === 'same-message-1');
        expect(ledger, mode).toEqual([
          expect.objectContaining({ status: 'applied', outcome: expect.objectContaining({ kind: expectKind }) }),
        ]);
        results.push({
          state: await snapshot(hm.store),
          published: hm.bus.published.slice(before).map(({ id: _id, ...m }) => m),
        });
        await hm.close();
        h = undefined;
      }
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    });

    it('applies once when the three modes deliver the same message to one function', async () => {
      const { h: hm, runId } = await seeded();
      const message = wireMessage(payload(runId), { messageId: 'same-message-2' });
      await send('binary', topic, message).expect(204);
      const afterFirst = {
        state: await snapshot(hm.store),
        published: hm.bus.published.length,
        launches: hm.launcher.launches.length,
        applies: hm.serving.applied.length,
      };
      await send('structured', topic, message).expect(204);
      await send('push', topic, message).expect(204);
      expect({
        state: await snapshot(hm.store),
        published: hm.bus.published.length,
        launches: hm.launcher.launches.length,
        applies: hm.serving.applied.length,
      }).toEqual(afterFirst);
    });
  });
});

describe('Storage finalize (Eventarc binary mode)', () => {
  it('starts one training run on the new object, also when the event is redelivered', async () => {
    h = createHarness({ clock: testClock('2020-04-23T08:00:00.000Z') }); // the fixture object's time (events past the TTL are discarded)
    const event = fixture<BinaryRequest>('storage-finalized.json');
    const post = () =>
      request(serverOf(entryPointOf('on-new-data')))
        .post('/')
        .set(event.headers)
        .send(event.body as object);
    await post().expect(204);
    await post().expect(204);
    const runId = await inFlightRun(h.store);
    expect(h.launcher.launches).toEqual([
      expect.objectContaining({ runId, dataUri: 'gs://sample-bucket/folder/Test.cs' }),
    ]);
    expect(await h.store.get(COLLECTIONS.runs, runId)).toMatchObject({ state: 'submitted', reasons: ['new-data'] });
    expect(await ledgerEntries(h.store)).toEqual([
      expect.objectContaining({ key: 'data-landed:sample-bucket/folder/Test.cs#1587627537231057', status: 'applied' }),
    ]);
  });
});

describe('drift webhook (Cloud Monitoring webhook_tokenauth)', () => {
  const webhook = () => request(serverOf(DRIFT_WEBHOOK_ENTRY_POINT));
  const everything = [...stateCollections(), COLLECTIONS.processed, COLLECTIONS.audit];
  const withModel = async (): Promise<Harness> => {
    h = createHarness({ clock: testClock('2020-01-01T12:00:00.000Z') }); // the fixture incident's day: older ones are past the event TTL
    await h.deliver('data-landed', landed('gs://landing/q1.csv'));
    return h;
  };

  it.each([
    ['no token', ''],
    ['a wrong token', '?token=not-the-token-0123456789'],
    ['a token that is a prefix of the right one', `?token=${WEBHOOK_TOKEN.slice(0, -1)}`],
  ])('answers 401 to %s and changes nothing', async (_name, query) => {
    const hm = await withModel();
    const before = await snapshot(hm.store, everything);
    const res = await webhook().post(`/${query}`).send(fixture('monitoring-incident-open.json'));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: 'AUTH.TOKEN' } });
    expect(await snapshot(hm.store, everything)).toEqual(before);
    expect(hm.bus.published.length).toBe(1); // the data landing's own lifecycle event
  });

  it('with the token: an open incident is recorded and acted on, its closing resolves it', async () => {
    const hm = await withModel();
    const opened = await webhook().post(`/?token=${WEBHOOK_TOKEN}`).send(fixture('monitoring-incident-open.json'));
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ ok: true, duplicate: false, outcome: { kind: 'request-retrain' } });
    let alerts = (await hm.store.query<AlertDoc>(COLLECTIONS.alerts)).map((a) => a.data);
    expect(alerts).toEqual([
      expect.objectContaining({
        state: 'open',
        source: 'cloud-monitoring',
        modelId: MODEL_ID,
        action: 'retrain requested',
      }),
    ]);
    expect(hm.bus.on('retrain-requests')).toHaveLength(1);

    const again = await webhook().post(`/?token=${WEBHOOK_TOKEN}`).send(fixture('monitoring-incident-open.json'));
    expect(again.body).toMatchObject({ ok: true, duplicate: true });

    const closed = await webhook().post(`/?token=${WEBHOOK_TOKEN}`).send(fixture('monitoring-incident-closed.json'));
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ ok: true, outcome: { kind: 'resolve' } });
    alerts = (await hm.store.query<AlertDoc>(COLLECTIONS.alerts)).map((a) => a.data);
    expect(alerts).toEqual([
      expect.objectContaining({ state: 'closed', decision: 'resolve', closedAt: expect.any(String) }),
    ]);
    expect(hm.bus.on('retrain-requests')).toHaveLength(1);
  });

  it('answers 400 listing every problem of a bad body, and changes nothing', async () => {
    const hm = await withModel();
    const before = await snapshot(hm.store, everything);
    const res = await webhook()
      .post(`/?token=${WEBHOOK_TOKEN}`)
      .send({ incident: { incident_id: '', state: 'sideways', started_at: 'yesterday' }, version: '1.2' });
    expect(res.status).toBe(400);
    const issues = (res.body as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path);
    expect(issues).toEqual(expect.arrayContaining(['incident.state', 'incident.started_at']));
    expect(issues.length).toBeGreaterThanOrEqual(3);
    expect(await snapshot(hm.store, everything)).toEqual(before);
  });

  it('answers 405 to a GET', async () => {
    h = createHarness();
    await webhook().get(`/?token=${WEBHOOK_TOKEN}`).expect(405);
  });
});
