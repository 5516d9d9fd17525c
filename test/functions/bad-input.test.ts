/**
 * Bad input for every function, through functions-framework's test server: poison envelopes and
 * payloads, unknown versions and models, unauthorized actors, illegal transitions, stale and
 * duplicate events. Each is acknowledged (204, so never redelivered), recorded with a reason that
 * names the field, and changes nothing but the ledger and the audit log.
 */
import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  FUNCTION_NAMES,
  FUNCTION_TOPICS,
  entryPointOf,
  type FunctionName,
  type Topic,
} from '../../shared/domain/topics.js';
import { COLLECTIONS } from '../../shared/domain/state.js';
import type { LedgerEntry } from '../../shared/services/processing.js';
import {
  MODEL_ID,
  command,
  createHarness,
  inFlightRun,
  landAndTrain,
  ledgerEntries,
  snapshot,
  type Harness,
} from '../support/service-harness.js';
import { MODES, registerFunctions, send, serverOf, wireMessage, type Mode, type WireMessage } from './wire.js';

let h: Harness | undefined;
const current = (): Harness => {
  if (h === undefined) throw new Error('no harness');
  return h;
};
beforeAll(() => registerFunctions(() => current().deps));
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A model with 1.0.0 in production (and an evaluated run). */
async function withChampion(): Promise<{ h: Harness; runId: string }> {
  h = createHarness();
  const runId = await landAndTrain(h, 'gs://landing/q1.csv');
  return { h, runId };
}

interface Observed {
  state: Awaited<ReturnType<typeof snapshot>>;
  published: number;
  launches: number;
  applies: number;
}

const observe = async (hm: Harness): Promise<Observed> => ({
  state: await snapshot(hm.store),
  published: hm.bus.published.length,
  launches: hm.launcher.launches.length,
  applies: hm.serving.applied.length,
});

/** Send, expect 204 and no change, and return the ledger entry recorded for the message. */
async function expectRejectedWithoutChange(
  hm: Harness,
  mode: Mode,
  topic: Topic,
  message: WireMessage,
): Promise<LedgerEntry> {
  const before = await observe(hm);
  const res = await send(mode, topic, message);
  expect(res.status, res.text).toBe(204);
  expect(await observe(hm)).toEqual(before);
  const entries = (await ledgerEntries(hm.store, 'rejected')).filter((e) => e.messageId === message.messageId);
  expect(entries).toHaveLength(1);
  const audit = await hm.store.query(COLLECTIONS.audit, {
    where: [{ field: 'action', op: '==', value: 'message.rejected' }],
  });
  expect(audit.map((a) => a.data.subject)).toContainEqual({ kind: 'message', id: message.messageId });
  return entries[0];
}

/** A schema-invalid payload per topic and the field the error must name. */
const SCHEMA_INVALID: Record<FunctionName, { payload: Record<string, unknown>; field: RegExp }> = {
  'on-new-data': { payload: { type: 'data.landed', dataUri: 'ftp://nowhere/q1.csv' }, field: /dataUri/ },
  'on-eval-complete': {
    payload: { type: 'pipeline.completed', runId: 'r1', pipelineJobId: 'r1', state: 'exploded', finishedAt: 'later' },
    field: /state.*finishedAt|finishedAt.*state/,
  },
  'on-promotion': {
    payload: { type: 'promotion.command', action: 'promote', actor: 'operator@local', version: 'v2' },
    field: /version/,
  },
  'on-drift-alert': {
    payload: { type: 'drift.detected', signal: 'vibes', source: 'monitor', summary: 'x', evidence: {} },
    field: /signal/,
  },
};

const POISON = [
  {
    kind: 'bad base64',
    message: () => wireMessage(undefined, { raw: 'this is not base64!' }),
    reason: /message\.data.*base64/,
  },
  {
    kind: 'not JSON',
    message: () => wireMessage(undefined, { raw: Buffer.from('{"type": "data.landed",').toString('base64') }),
    reason: /not valid JSON/,
  },
  {
    kind: 'unknown type',
    message: () => wireMessage({ type: 'model.exploded', modelId: MODEL_ID }),
    reason: /type.*unknown message type "model\.exploded"/,
  },
  { kind: 'a JSON array', message: () => wireMessage([1, 2, 3]), reason: /must be a JSON object/ },
] as const;

describe.each(FUNCTION_NAMES)('%s: poison messages', (fn) => {
  const topic = FUNCTION_TOPICS[fn][0];

  it.each(POISON)(
    '$kind: acknowledged, recorded as rejected with the reason, nothing else changed',
    async ({ message, reason }) => {
      const { h: hm } = await withChampion();
      const entry = await expectRejectedWithoutChange(hm, 'binary', topic, message());
      expect(entry).toMatchObject({
        status: 'rejected',
        handler: fn,
        pending: false,
        outcome: { kind: 'rejected', code: 'CONTRACT.INVALID' },
      });
      expect(String(entry.outcome.message)).toMatch(reason);
      expect(hm.logger.entries.some((e) => e.severity === 'WARNING' && e.message.includes(entry.messageId))).toBe(true);
    },
  );

  it('schema-invalid JSON: rejected naming the field, in every envelope mode', async () => {
    const { h: hm } = await withChampion();
    for (const mode of MODES) {
      const entry = await expectRejectedWithoutChange(hm, mode, topic, wireMessage(SCHEMA_INVALID[fn].payload));
      expect(entry.outcome).toMatchObject({ code: 'CONTRACT.INVALID' });
      expect(String(entry.outcome.message), mode).toMatch(SCHEMA_INVALID[fn].field);
    }
  });

  it('a redelivered poison message is acknowledged again and recorded once', async () => {
    const { h: hm } = await withChampion();
    const message = wireMessage(undefined, { raw: '%%%' });
    await send('push', topic, message).expect(204);
    await send('push', topic, message).expect(204);
    expect((await ledgerEntries(hm.store, 'rejected')).filter((e) => e.messageId === message.messageId)).toHaveLength(
      1,
    );
  });
});

describe('envelopes a function does not consume', () => {
  it('a message of another topic is rejected as CONTRACT.WRONG_TOPIC', async () => {
    const { h: hm } = await withChampion();
    const before = await observe(hm);
    const req = request(serverOf(entryPointOf('on-new-data')))
      .post('/projects/test-project/topics/promotions')
      .set('content-type', 'application/json');
    const message = wireMessage(command('promote', { version: '1.0.0' }));
    await req.send({ subscription: 'projects/test-project/subscriptions/wrong', message }).expect(204);
    expect(await observe(hm)).toEqual(before);
    const [entry] = (await ledgerEntries(hm.store, 'rejected')).filter((e) => e.messageId === message.messageId);
    expect(entry.outcome).toMatchObject({ code: 'CONTRACT.WRONG_TOPIC' });
  });

  it('an unsupported CloudEvent type is rejected naming the type', async () => {
    const { h: hm } = await withChampion();
    const before = await observe(hm);
    await request(serverOf(entryPointOf('on-eval-complete')))
      .post('/')
      .set({
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-type': 'google.cloud.firestore.document.v1.written',
        'ce-source': '//firestore.googleapis.com/projects/p/databases/(default)',
        'ce-id': 'fs-1',
      })
      .send({ value: {} })
      .expect(204);
    expect(await observe(hm)).toEqual(before);
    const [entry] = (await ledgerEntries(hm.store, 'rejected')).filter((e) => e.messageId === 'fs-1');
    expect(String(entry.outcome.message)).toMatch(
      /type: unsupported CloudEvent type "google\.cloud\.firestore\.document\.v1\.wri/,
    );
  });
});

describe('on-promotion: refused commands change nothing', () => {
  it.each([
    [
      'an unknown version',
      command('promote', { version: '9.9.9' }),
      'PROMOTION.UNKNOWN_VERSION',
      /9\.9\.9.*known: 1\.0\.0/,
    ],
    [
      'an actor not on the approver list',
      command('rollback', { actor: 'mallory@example.com', reason: 'because' }),
      'PROMOTION.UNAUTHORIZED',
      /mallory@example\.com may not rollback/,
    ],
    [
      'an unknown model',
      command('promote', { modelId: 'other-model', version: '1.0.0' }),
      'PROMOTION.UNKNOWN_MODEL',
      /other-model/,
    ],
    [
      'an illegal transition (reject the version in production)',
      command('reject', { version: '1.0.0', reason: 'no' }),
      'LIFECYCLE.ILLEGAL_TRANSITION',
      /production/,
    ],
    [
      'a retire of the champion',
      command('retire', { version: '1.0.0' }),
      'PROMOTION.IS_CHAMPION',
      /1\.0\.0 is the champion/,
    ],
    [
      'a split over unknown versions',
      command('set-traffic', { traffic: { '1.0.0': 50, '3.0.0': 50 } }),
      'TRAFFIC.INVALID',
      /traffic\.3\.0\.0/,
    ],
  ])('%s', async (_name, payload, code, message) => {
    const { h: hm } = await withChampion();
    const entry = await expectRejectedWithoutChange(hm, 'binary', 'promotions', wireMessage(payload));
    expect(entry.outcome).toMatchObject({ kind: 'rejected', code });
    expect(String(entry.outcome.message)).toMatch(message);
  });
});

describe('on-new-data: unreadable data', () => {
  it('is rejected as DATA.UNREADABLE naming the URI, and nothing starts', async () => {
    const { h: hm } = await withChampion();
    hm.datasets.unreadable.add('gs://landing/missing.csv');
    const entry = await expectRejectedWithoutChange(
      hm,
      'binary',
      'data-landed',
      wireMessage({ type: 'data.landed', modelId: MODEL_ID, dataUri: 'gs://landing/missing.csv' }),
    );
    expect(entry.outcome).toMatchObject({ code: 'DATA.UNREADABLE' });
    expect(String(entry.outcome.message)).toContain('gs://landing/missing.csv');
  });
});

describe('stale and duplicate events', () => {
  it('a late failure report for a run already evaluated is ignored and changes nothing', async () => {
    const { h: hm, runId } = await withChampion();
    const before = await observe(hm);
    await send(
      'binary',
      'pipeline-events',
      wireMessage(
        {
          type: 'pipeline.completed',
          runId,
          modelId: MODEL_ID,
          pipelineJobId: runId,
          state: 'failed',
          error: 'late',
          finishedAt: '2024-06-01T00:00:00Z',
        },
        { attributes: { idempotencyKey: `${runId}#failed` } },
      ),
    ).expect(204);
    const { published: _published, ...rest } = await observe(hm);
    const { published: _before, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    const entry = (await ledgerEntries(hm.store)).find((e) => e.key === `pipeline-events:${runId}#failed`);
    expect(entry?.outcome).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('already evaluated') });
  });

  it('a completion for a run this control plane never started is ignored', async () => {
    const { h: hm } = await withChampion();
    const before = await observe(hm);
    await send(
      'push',
      'pipeline-events',
      wireMessage({
        type: 'pipeline.completed',
        runId: 'run-elsewhere',
        modelId: MODEL_ID,
        pipelineJobId: 'run-elsewhere',
        state: 'succeeded',
        finishedAt: '2024-06-01T00:00:00Z',
      }),
    ).expect(204);
    expect(await observe(hm)).toEqual(before);
    const entry = (await ledgerEntries(hm.store)).find((e) => e.key === 'pipeline-events:run-elsewhere#succeeded');
    expect(entry?.outcome).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('run-elsewhere') });
  });

  it.each([
    [
      'the same message id redelivered',
      (key: string) => [wireMessage(command('set-traffic', { traffic: { '1.0.0': 100 } }), { messageId: key })],
    ],
    [
      'two message ids with one idempotency key',
      (key: string) =>
        [1, 2].map(() => wireMessage(command('set-traffic', { traffic: { '1.0.0': 100 }, idempotencyKey: key }))),
    ],
  ])('%s applies one command', async (_name, messages) => {
    const { h: hm } = await withChampion();
    for (const m of messages('dup-key-1')) {
      await send('binary', 'promotions', m).expect(204);
      await send('structured', 'promotions', m).expect(204);
    }
    expect(await hm.store.get(COLLECTIONS.deployments, `${MODEL_ID}-endpoint`)).toMatchObject({ revision: 2 });
    expect(
      hm.bus.on('lifecycle-events').filter((e) => (e.data as { event: string }).event === 'traffic.changed'),
    ).toHaveLength(2);
  });

  it('a duplicate data landing launches one run', async () => {
    h = createHarness();
    const message = wireMessage({ type: 'data.landed', modelId: MODEL_ID, dataUri: 'gs://landing/q1.csv' });
    for (const mode of MODES)
      await send(mode, 'data-landed', { ...message, messageId: `${message.messageId}-${mode}` }).expect(204);
    expect(h.launcher.launches).toEqual([expect.objectContaining({ runId: await inFlightRun(h.store) })]);
    expect(await h.store.query(COLLECTIONS.runs)).toHaveLength(1);
  });
});
