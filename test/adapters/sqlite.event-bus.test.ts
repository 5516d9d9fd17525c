/** Reliability of the embedded bus: retries with backoff, dead letters, restarts, ordering, limits. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventBus, type PubSubCloudEvent } from '../../shared/adapters/local/sqlite.event-bus.js';
import { TransientError } from '../../shared/domain/errors.js';

const decode = (e: PubSubCloudEvent): unknown =>
  JSON.parse(Buffer.from(e.data.message.data, 'base64').toString('utf8'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fast = { minBackoffMs: 20, maxBackoffMs: 200 };

describe('SqliteEventBus reliability', () => {
  let dir: string;
  let path: string;
  const opened: SqliteEventBus[] = [];
  const open = (options: Partial<ConstructorParameters<typeof SqliteEventBus>[0]> = {}): SqliteEventBus => {
    const bus = new SqliteEventBus({ path, closeTimeoutMs: 200, ...options });
    opened.push(bus);
    return bus;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ipo-bus-rel-'));
    path = join(dir, 'bus.db');
  });
  afterEach(async () => {
    for (const bus of opened.splice(0)) await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries a transient failure with exponential backoff, then acks', async () => {
    const bus = open();
    const at: number[] = [];
    bus.subscribe(
      'data-landed',
      'on-new-data',
      async () => {
        at.push(Date.now());
        if (at.length < 3) throw new TransientError('TEST.FLAKY', `flake ${at.length}`);
      },
      fast,
    );
    await bus.publish({ topic: 'data-landed', data: { n: 1 } });
    await bus.whenIdle();
    expect(at).toHaveLength(3);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(18);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(38);
    expect(bus.stats()).toEqual({ pending: 0, inflight: 0, acked: 1, dead: 0 });
    expect(bus.deadLetters()).toEqual([]);
  });

  it('dead-letters an always-failing message after maxDeliveryAttempts, keeping reason and attempts', async () => {
    const bus = open();
    let calls = 0;
    bus.subscribe(
      'promotions',
      'on-promotion',
      async () => {
        calls += 1;
        throw new TransientError('TEST.DOWN', `still down (${calls})`);
      },
      { ...fast, maxDeliveryAttempts: 3 },
    );
    const id = await bus.publish({
      topic: 'promotions',
      data: { version: '1.2.0' },
      attributes: { correlationId: 'c1' },
      orderingKey: 'm',
    });
    await bus.whenIdle();
    expect(calls).toBe(3);
    const [letter, ...rest] = bus.deadLetters('promotions');
    expect(rest).toEqual([]);
    expect(letter).toMatchObject({
      topic: 'promotions',
      deadLetterTopic: 'promotions-dead-letter',
      subscription: 'on-promotion',
      messageId: id,
      data: { version: '1.2.0' },
      attributes: { correlationId: 'c1' },
      orderingKey: 'm',
      attempts: 3,
      reason: 'TEST.DOWN: still down (3)',
    });
    expect(bus.deadLetters('data-landed')).toEqual([]);
    expect(bus.stats('on-promotion')).toEqual({ pending: 0, inflight: 0, acked: 0, dead: 1 });
  });

  it('delivers messages published while no handler was attached once a new instance subscribes', async () => {
    const first = open();
    first.ensureSubscription('retrain-requests', 'on-new-data-retrain');
    const ids = [
      await first.publish({ topic: 'retrain-requests', data: { i: 0 } }),
      await first.publish({ topic: 'retrain-requests', data: { i: 1 } }),
    ];
    await first.close();
    const second = open();
    expect(second.stats()).toMatchObject({ pending: 2, inflight: 0 });
    const got: PubSubCloudEvent[] = [];
    second.subscribe('retrain-requests', 'on-new-data-retrain', async (e) => void got.push(e));
    await second.whenIdle();
    expect(got.map((e) => e.id)).toEqual(ids);
    expect(got[0].data.subscription).toBe('projects/local/subscriptions/on-new-data-retrain');
  });

  it('redelivers in-flight messages after a crash (a second instance opens the file without the first acking)', async () => {
    const crashed = open();
    let release!: () => void;
    const hang = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    crashed.subscribe(
      'pipeline-events',
      'on-eval-complete',
      async () => {
        started += 1;
        await hang;
      },
      { concurrency: 2 },
    );
    const ids = [
      await crashed.publish({ topic: 'pipeline-events', data: { job: 'a' } }),
      await crashed.publish({ topic: 'pipeline-events', data: { job: 'b' } }),
    ];
    while (started < 2) await sleep(5);
    expect(crashed.stats()).toMatchObject({ inflight: 2, acked: 0 });

    const restarted = open();
    const got: PubSubCloudEvent[] = [];
    restarted.subscribe('pipeline-events', 'on-eval-complete', async (e) => void got.push(e));
    await restarted.whenIdle();
    expect(got.map((e) => e.data.message.messageId).sort()).toEqual([...ids].sort());
    expect(got.map(decode)).toEqual([{ job: 'a' }, { job: 'b' }]);
    release();
    await crashed.close(); // its late acks find nothing left to ack
    expect(restarted.stats()).toEqual({ pending: 0, inflight: 0, acked: 2, dead: 0 });
  });

  it('keeps a message published before any subscription existed for the first subscriber', async () => {
    const bus = open();
    await bus.publish({ topic: 'drift-alerts', data: { early: true } });
    const got: unknown[] = [];
    bus.subscribe('drift-alerts', 'on-drift-alert', async (e) => void got.push(decode(e)));
    await bus.whenIdle();
    expect(got).toEqual([{ early: true }]);
  });

  it('fans a message out to every subscription of its topic', async () => {
    const bus = open();
    const seen: string[] = [];
    bus.subscribe('lifecycle-events', 'audit', async () => void seen.push('audit'));
    bus.subscribe('lifecycle-events', 'chat', async () => void seen.push('chat'));
    await bus.publish({ topic: 'lifecycle-events', data: {} });
    await bus.whenIdle();
    expect(seen.sort()).toEqual(['audit', 'chat']);
  });

  it('delivers one ordering key one message at a time in publish order; a failing message blocks only its key', async () => {
    const bus = open();
    const log: string[] = [];
    let failuresLeft = 2;
    bus.subscribe(
      'promotions',
      'on-promotion',
      async (e) => {
        const { label } = decode(e) as { label: string };
        log.push(`try ${label}`);
        await sleep(2);
        if (label === 'k0' && failuresLeft-- > 0) throw new Error('not yet');
        log.push(`done ${label}`);
      },
      fast,
    );
    for (const label of ['k0', 'k1', 'k2'])
      await bus.publish({ topic: 'promotions', data: { label }, orderingKey: 'k' });
    await bus.publish({ topic: 'promotions', data: { label: 'free' } });
    await bus.publish({ topic: 'promotions', data: { label: 'other' }, orderingKey: 'other' });
    await bus.whenIdle();
    const keyed = log.filter((l) => /k\d/.test(l));
    expect(keyed).toEqual(['try k0', 'try k0', 'try k0', 'done k0', 'try k1', 'done k1', 'try k2', 'done k2']);
    expect(log.indexOf('done free')).toBeLessThan(log.indexOf('done k0'));
    expect(log.indexOf('done other')).toBeLessThan(log.indexOf('done k0'));
  });

  it('runs at most `concurrency` handlers of a subscription at once', async () => {
    const bus = open();
    let running = 0;
    let peak = 0;
    bus.subscribe(
      'data-landed',
      'on-new-data',
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(10);
        running -= 1;
      },
      { concurrency: 2 },
    );
    await Promise.all(Array.from({ length: 8 }, (_, i) => bus.publish({ topic: 'data-landed', data: { i } })));
    await bus.whenIdle();
    expect(peak).toBe(2);
    expect(bus.stats().acked).toBe(8);
  });

  it('redelivers a message whose handler outlives the ack deadline', async () => {
    const bus = open();
    let calls = 0;
    bus.subscribe(
      'data-landed',
      'on-new-data',
      async () => {
        calls += 1;
        if (calls === 1) await sleep(200);
      },
      { ...fast, ackDeadlineMs: 30 },
    );
    await bus.publish({ topic: 'data-landed', data: {} });
    await bus.whenIdle();
    expect(calls).toBe(2);
    expect(bus.stats()).toMatchObject({ acked: 1, dead: 0 });
  });

  it('stops delivering to a detached handler and keeps its messages for the next one', async () => {
    const bus = open();
    const first: unknown[] = [];
    const detach = bus.subscribe('drift-alerts', 'on-drift-alert', async (e) => void first.push(decode(e)));
    await bus.publish({ topic: 'drift-alerts', data: { n: 1 } });
    await bus.whenIdle();
    detach();
    await bus.publish({ topic: 'drift-alerts', data: { n: 2 } });
    expect(bus.stats('on-drift-alert')).toMatchObject({ pending: 1, acked: 1 });
    const second: unknown[] = [];
    bus.subscribe('drift-alerts', 'on-drift-alert', async (e) => void second.push(decode(e)));
    await bus.whenIdle();
    expect([first, second]).toEqual([[{ n: 1 }], [{ n: 2 }]]);
  });

  it('rejects unknown topics, unserialisable data, bad attributes and use after close with permanent errors', async () => {
    const bus = open();
    await expect(bus.publish({ topic: 'nope' as 'promotions', data: {} })).rejects.toMatchObject({
      code: 'BUS.UNKNOWN_TOPIC',
      retryable: false,
    });
    await expect(bus.publish({ topic: 'promotions', data: undefined })).rejects.toMatchObject({
      code: 'BUS.INVALID_MESSAGE',
    });
    await expect(bus.publish({ topic: 'promotions', data: { n: 1n } })).rejects.toMatchObject({
      code: 'BUS.INVALID_MESSAGE',
    });
    await expect(
      bus.publish({ topic: 'promotions', data: 1, attributes: { n: 1 as unknown as string } }),
    ).rejects.toMatchObject({ code: 'BUS.INVALID_MESSAGE' });
    await bus.close();
    await expect(bus.publish({ topic: 'promotions', data: 1 })).rejects.toMatchObject({
      code: 'BUS.CLOSED',
      retryable: false,
    });
  });
});

describe('SqliteEventBus after a real process crash (kill -9)', () => {
  it('keeps every acknowledged publish and redelivers what was in flight', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipo-bus-crash-'));
    const path = join(dir, 'bus.db');
    const script = join(dir, 'crash.mts');
    const adapter = new URL('../../shared/adapters/local/sqlite.event-bus.ts', import.meta.url).pathname;
    // The child publishes 3 messages, starts handling them (never finishing), reports, and is killed.
    writeFileSync(
      script,
      `
      import { SqliteEventBus } from ${JSON.stringify(adapter)};
      const bus = new SqliteEventBus({ path: ${JSON.stringify(path)} });
      let started = 0;
      bus.subscribe('promotions', 'on-promotion', () => { started += 1; if (started === 2) console.log('IN-FLIGHT'); return new Promise(() => {}); }, { concurrency: 2 });
      const ids = [];
      for (let i = 0; i < 3; i += 1) ids.push(await bus.publish({ topic: 'promotions', data: { i } }));
      console.log('PUBLISHED ' + ids.join(','));
      setInterval(() => {}, 1000);
    `,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('PUBLISHED') && out.includes('IN-FLIGHT')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${out}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const ids = /PUBLISHED (\S+)/.exec(out)?.[1].split(',') ?? [];

    const bus = new SqliteEventBus({ path });
    try {
      expect(bus.stats()).toMatchObject({ pending: 3, inflight: 0, acked: 0 });
      const got: PubSubCloudEvent[] = [];
      bus.subscribe('promotions', 'on-promotion', async (e) => void got.push(e));
      await bus.whenIdle();
      expect(got.map((e) => e.id).sort()).toEqual([...ids].sort());
    } finally {
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
