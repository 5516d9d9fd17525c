/**
 * Retries and dead letters on the embedded durable bus with the real handlers subscribed as the
 * local platform subscribes them: a transient failure is redelivered with backoff and dead-lettered
 * with its reason after the maximum attempts; a poison message is acknowledged on its first delivery.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventBus } from '../../shared/adapters/local/sqlite.event-bus.js';
import { FUNCTION_NAMES, FUNCTION_TOPICS } from '../../shared/domain/topics.js';
import { COLLECTIONS, type VersionDoc } from '../../shared/domain/state.js';
import {
  createHarness,
  evaluation,
  inFlightRun,
  landed,
  ledgerEntries,
  MODEL_ID,
  type Harness,
} from '../support/service-harness.js';

const MAX_ATTEMPTS = 3;

describe('transient failures on the embedded bus', () => {
  let dir: string;
  let bus: SqliteEventBus;
  let h: Harness;
  let deliveries: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ipo-bus-retry-'));
    bus = new SqliteEventBus({
      path: join(dir, 'bus.db'),
      defaults: { maxDeliveryAttempts: MAX_ATTEMPTS, minBackoffMs: 1, maxBackoffMs: 4 },
    });
    h = createHarness({ forwardTo: bus });
    deliveries = 0;
    for (const fn of FUNCTION_NAMES) {
      for (const topic of FUNCTION_TOPICS[fn]) {
        bus.subscribe(topic, `${fn}--${topic}`, async (event) => {
          deliveries += 1;
          await h.handlers[fn](event);
        });
      }
    }
  });

  afterEach(async () => {
    await bus.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is retried up to the maximum attempts, then dead-lettered with its reason; nothing is half-applied', async () => {
    h.datasets.transientFailures = Number.POSITIVE_INFINITY;
    await bus.publish({ topic: 'data-landed', data: landed('gs://landing/q1.csv') });
    await bus.whenIdle();
    expect(deliveries).toBe(MAX_ATTEMPTS);
    expect(h.datasets.calls).toBe(MAX_ATTEMPTS);
    const dead = bus.deadLetters('data-landed');
    expect(dead).toEqual([
      expect.objectContaining({
        deadLetterTopic: 'data-landed-dead-letter',
        attempts: MAX_ATTEMPTS,
        data: landed('gs://landing/q1.csv'),
      }),
    ]);
    expect(dead[0].reason).toMatch(/DATA\.UNAVAILABLE: injected outage reading gs:\/\/landing\/q1\.csv/);
    expect(await h.store.query(COLLECTIONS.runs)).toEqual([]);
    expect(await ledgerEntries(h.store)).toEqual([]);
    expect(
      h.logger.entries.filter((e) => e.severity === 'ERROR' && e.message.includes('will be redelivered')),
    ).toHaveLength(MAX_ATTEMPTS);
  });

  it('recovers when the dependency comes back before the last attempt: one run, no dead letter', async () => {
    h.datasets.transientFailures = MAX_ATTEMPTS - 1;
    await bus.publish({ topic: 'data-landed', data: landed('gs://landing/q1.csv') });
    await bus.whenIdle();
    expect(deliveries).toBe(MAX_ATTEMPTS);
    expect(bus.deadLetters()).toEqual([]);
    expect(h.launcher.launches).toHaveLength(1);
    expect(await h.store.query(COLLECTIONS.runs)).toHaveLength(1);
  });

  it('a poison message is acknowledged on its first delivery, recorded, and never retried', async () => {
    await bus.publish({
      topic: 'promotions',
      data: { type: 'promotion.command', action: 'launch-rocket', actor: 'operator@local' },
    });
    await bus.whenIdle();
    expect(deliveries).toBe(1);
    expect(bus.deadLetters()).toEqual([]);
    expect(bus.stats('on-promotion--promotions')).toMatchObject({ acked: 1, pending: 0, inflight: 0, dead: 0 });
    expect(await ledgerEntries(h.store, 'rejected')).toEqual([
      expect.objectContaining({
        outcome: expect.objectContaining({ code: 'CONTRACT.INVALID', message: expect.stringContaining('action') }),
      }),
    ]);
  });

  it('a failed endpoint apply after commit is redelivered and converges: first model serving at 100%', async () => {
    h.serving.failNext(1);
    await bus.publish({ topic: 'data-landed', data: landed('gs://landing/q1.csv') });
    await bus.whenIdle();
    const runId = await inFlightRun(h.store);
    h.inspector.byRun.set(runId, evaluation());
    await bus.publish({
      topic: 'pipeline-events',
      attributes: { idempotencyKey: `${runId}#succeeded` },
      data: {
        type: 'pipeline.completed',
        runId,
        modelId: MODEL_ID,
        pipelineJobId: runId,
        state: 'succeeded',
        finishedAt: '2024-06-01T00:00:00Z',
      },
    });
    await bus.whenIdle();
    expect((await h.store.get<VersionDoc>(COLLECTIONS.versions(MODEL_ID), '1.0.0'))?.state).toBe('production');
    expect(await h.serving.currentSplit(`${MODEL_ID}-endpoint`)).toEqual({ '1.0.0': 100 });
    expect(h.serving.applied).toHaveLength(1);
    expect(bus.deadLetters()).toEqual([]);
    expect([...h.bus.countsByKey().values()].every((n) => n === 1)).toBe(true);
  });

  it('a dead letter replayed once the dependency is back gives one run; replaying it again changes nothing', async () => {
    h.datasets.transientFailures = MAX_ATTEMPTS;
    await bus.publish({ topic: 'data-landed', data: landed('gs://landing/q1.csv') });
    await bus.whenIdle();
    const queue = bus.deadLetterQueue();
    const [letter] = await queue.list();
    expect(letter).toMatchObject({ topic: 'data-landed', attempts: MAX_ATTEMPTS });
    expect(await queue.replay({ ids: [letter.id] })).toEqual({ replayed: 1, skipped: [] });
    await bus.whenIdle();
    expect(h.launcher.launches).toHaveLength(1);
    // An operator replays the same message again (e.g. from a copy): the ledger recognises it.
    await bus.publish({ topic: 'data-landed', data: letter.data, attributes: letter.attributes });
    await bus.whenIdle();
    expect(h.launcher.launches).toHaveLength(1);
    expect(await h.store.query(COLLECTIONS.runs)).toHaveLength(1);
    expect(await queue.list()).toEqual([]);
  });

  it('a message dead-lettered after its decision committed (its outbox could not be sent) replays to one effect', async () => {
    for (let i = 0; i < MAX_ATTEMPTS; i += 1) h.bus.failOnce((m) => m.topic === 'lifecycle-events');
    await bus.publish({
      topic: 'data-landed',
      data: landed('gs://landing/q1.csv'),
      attributes: { idempotencyKey: 'land-q1' },
    });
    await bus.whenIdle();
    expect(await h.store.query(COLLECTIONS.runs)).toHaveLength(1); // committed on the first attempt
    expect(h.bus.on('lifecycle-events')).toHaveLength(0);
    const queue = bus.deadLetterQueue();
    expect(await queue.replay({ topic: 'data-landed' })).toEqual({ replayed: 1, skipped: [] });
    await bus.whenIdle();
    expect(await h.store.query(COLLECTIONS.runs)).toHaveLength(1);
    expect(h.launcher.launches).toHaveLength(1);
    expect(h.bus.on('lifecycle-events')).toHaveLength(1);
    expect([...h.bus.countsByKey().values()].every((n) => n === 1)).toBe(true);
    expect((await ledgerEntries(h.store, 'applied')).filter((e) => e.pending)).toEqual([]);
  });
});
