/** The embedded bus's dead letters through the DeadLetters port: list, replay by id / topic / all, selector checks. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventBus, type PubSubCloudEvent } from '../../shared/adapters/local/sqlite.event-bus.js';
import { TransientError } from '../../shared/domain/errors.js';
import { parseDeadLetterSelector } from '../../shared/ports/dead-letters.js';

const decode = (e: PubSubCloudEvent): unknown =>
  JSON.parse(Buffer.from(e.data.message.data, 'base64').toString('utf8'));
const quick = { minBackoffMs: 1, maxBackoffMs: 2, maxDeliveryAttempts: 2 };

describe('SqliteEventBus dead letters (DeadLetters port)', () => {
  let dir: string;
  let bus: SqliteEventBus;
  let down: boolean;
  let got: PubSubCloudEvent[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ipo-dead-'));
    bus = new SqliteEventBus({ path: join(dir, 'bus.db'), closeTimeoutMs: 200 });
    down = true;
    got = [];
    for (const topic of ['promotions', 'data-landed'] as const) {
      bus.subscribe(
        topic,
        `on-${topic}`,
        async (event) => {
          if (down) throw new TransientError('TEST.DOWN', 'dependency down');
          got.push(event);
        },
        quick,
      );
    }
  });
  afterEach(async () => {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deadLetter = async (): Promise<string[]> => {
    const ids = [
      await bus.publish({
        topic: 'promotions',
        data: { n: 1 },
        attributes: { idempotencyKey: 'k1', correlationId: 'c1' },
        orderingKey: 'm',
      }),
      await bus.publish({ topic: 'promotions', data: { n: 2 }, attributes: { idempotencyKey: 'k2' } }),
      await bus.publish({ topic: 'data-landed', data: { n: 3 } }),
    ];
    await bus.whenIdle();
    return ids;
  };

  it('lists dead letters with their reason, attempts and original message, by topic and with a limit', async () => {
    const [first] = await deadLetter();
    const queue = bus.deadLetterQueue();
    const all = await queue.list();
    expect(all).toHaveLength(3);
    expect(all.find((l) => l.messageId === first)).toMatchObject({
      topic: 'promotions',
      subscription: 'on-promotions',
      messageId: first,
      data: { n: 1 },
      attributes: { idempotencyKey: 'k1', correlationId: 'c1' },
      orderingKey: 'm',
      attempts: 2,
      reason: 'TEST.DOWN: dependency down',
    });
    expect((await queue.list({ topic: 'data-landed' })).map((l) => l.data)).toEqual([{ n: 3 }]);
    expect(await queue.list({ limit: 1 })).toHaveLength(1);
  });

  it('replays one by id with its original message id, attributes and ordering key; a second replay finds nothing', async () => {
    const [first] = await deadLetter();
    down = false;
    const queue = bus.deadLetterQueue();
    const letter = (await queue.list()).find((l) => l.messageId === first);
    if (!letter) throw new Error('not dead-lettered');
    expect(await queue.replay({ ids: [letter.id] })).toEqual({ replayed: 1, skipped: [] });
    await bus.whenIdle();
    expect(
      got.map((e) => [e.data.message.messageId, decode(e), e.data.message.attributes, e.data.message.orderingKey]),
    ).toEqual([[first, { n: 1 }, { idempotencyKey: 'k1', correlationId: 'c1' }, 'm']]);
    expect(await queue.replay({ ids: [letter.id] })).toEqual({
      replayed: 0,
      skipped: [{ id: letter.id, reason: 'no such dead letter (already replayed?)' }],
    });
    expect(await queue.list()).toHaveLength(2);
    expect(bus.stats('on-promotions')).toMatchObject({ pending: 0, inflight: 0, acked: 1, dead: 1 });
  });

  it('replays every dead letter of a topic, or all of them; a replay that fails again is dead-lettered again', async () => {
    await deadLetter();
    down = false;
    const queue = bus.deadLetterQueue();
    expect(await queue.replay({ topic: 'promotions' })).toEqual({ replayed: 2, skipped: [] });
    await bus.whenIdle();
    expect(got.map(decode)).toEqual([{ n: 1 }, { n: 2 }]);
    down = true;
    expect(await queue.replay({ all: true })).toEqual({ replayed: 1, skipped: [] });
    await bus.whenIdle();
    expect(await queue.list()).toEqual([expect.objectContaining({ data: { n: 3 }, attempts: 2 })]);
  });

  it('checks a selector from outside: exactly one of ids, topic or all, naming the field', () => {
    expect(parseDeadLetterSelector({ ids: ['1', '2'] })).toEqual({ ids: ['1', '2'] });
    expect(parseDeadLetterSelector({ topic: 'promotions' })).toEqual({ topic: 'promotions' });
    expect(parseDeadLetterSelector({ all: true })).toEqual({ all: true });
    const bad = (input: unknown): string => {
      try {
        parseDeadLetterSelector(input);
        return 'accepted';
      } catch (err) {
        expect(err).toMatchObject({ code: 'DEADLETTER.INVALID_SELECTOR', retryable: false });
        return (err as Error).message;
      }
    };
    expect(bad({})).toMatch(/exactly one of ids, topic or all \(got none\)/);
    expect(bad({ ids: ['1'], all: true })).toMatch(/got ids, all/);
    expect(bad({ ids: [] })).toMatch(/ids: must be a non-empty list/);
    expect(bad({ topic: 'nope' })).toMatch(/topic: "nope" is not a known topic/);
    expect(bad({ all: 'yes' })).toMatch(/all: must be true/);
    expect(bad('all')).toMatch(/got none/);
  });
});
