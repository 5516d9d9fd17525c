import { afterEach, describe, expect, it, vi } from 'vitest';
import { TransientError, ValidationError } from '../../shared/domain/errors.js';
import { memoryLogger } from '../../shared/logging.js';
import { LogBatcher, type LogBatcherOptions } from '../../shared/serving/log-batcher.js';

/** A sink that records every attempt and fails as told. */
function sink(fail: (attempt: number, rows: number[]) => Error | undefined = () => undefined) {
  const attempts: number[][] = [];
  const written: number[][] = [];
  return {
    attempts,
    written,
    write: async (rows: number[]) => {
      attempts.push([...rows]);
      const err = fail(attempts.length, rows);
      if (err) throw err;
      written.push([...rows]);
    },
  };
}

const batchers: LogBatcher<number>[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const b of batchers.splice(0)) await b.close(0);
});

function batcher(write: (rows: number[]) => Promise<void>, over: Partial<LogBatcherOptions<number>> = {}) {
  const logger = memoryLogger();
  const waits: number[] = [];
  let clock = 0;
  const b = new LogBatcher<number>({
    write,
    batchSize: 3,
    flushIntervalMs: 60_000,
    maxBuffered: 100,
    maxAttempts: 3,
    logger,
    what: 'predictions',
    now: () => clock,
    sleep: async (ms) => void (waits.push(ms), (clock += ms)),
    ...over,
  });
  batchers.push(b);
  return { b, logger, waits, advance: (ms: number) => void (clock += ms) };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('LogBatcher', () => {
  it('writes full batches in the background as they fill and leaves a partial batch for later', async () => {
    const s = sink();
    const { b } = batcher(s.write);
    for (const n of range(1, 7)) b.add([n]);
    await vi.waitFor(() =>
      expect(s.written).toEqual([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    );
    expect(b.stats()).toMatchObject({ buffered: 1, written: 6, batches: 2 });
    await b.close(1000);
    expect(s.written).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('writes a partial batch when the flush interval elapses, not before', async () => {
    vi.useFakeTimers();
    const s = sink();
    const { b } = batcher(s.write, { batchSize: 10, flushIntervalMs: 1000 });
    b.add([1, 2]);
    await vi.advanceTimersByTimeAsync(999);
    expect(s.attempts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.written).toEqual([[1, 2]]);
  });

  it('a flush writes what was waiting when it began, not a trickle of tiny batches of rows arriving meanwhile', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const s = sink();
    const { b } = batcher(
      async (rows) => {
        await gate;
        await s.write(rows);
      },
      { batchSize: 10 },
    );
    b.add([1, 2]);
    const flushed = b.flush();
    b.add([3]);
    release();
    await flushed;
    expect(s.written).toEqual([[1, 2]]);
    expect(b.stats().buffered).toBe(1);
  });

  it('retries a transient failure with doubling, jittered backoff and then writes the batch once', async () => {
    const s = sink((attempt) =>
      attempt <= 2 ? new TransientError('PREDICTION_LOG.UNAVAILABLE', '503 backend error') : undefined,
    );
    const { b, waits, logger } = batcher(s.write, { backoff: { initialMs: 200, maxMs: 10_000 } });
    b.add([1, 2, 3]);
    await vi.waitFor(() => expect(s.written).toEqual([[1, 2, 3]]));
    expect(s.attempts).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(100);
    expect(waits[0]).toBeLessThanOrEqual(200);
    expect(waits[1]).toBeGreaterThanOrEqual(200);
    expect(waits[1]).toBeLessThanOrEqual(400);
    expect(b.stats()).toMatchObject({ written: 3, retries: 2, buffered: 0 });
    expect(logger.entries.filter((e) => e.severity === 'WARNING').map((e) => e.message)).toEqual([
      'writing 3 predictions failed (attempt 1, retrying): 503 backend error',
      'writing 3 predictions failed (attempt 2, retrying): 503 backend error',
    ]);
  });

  it('puts a batch that exhausted its attempts back in front, in order, and writes it once the sink recovers', async () => {
    let down = true;
    const s = sink(() => (down ? new TransientError('PREDICTION_LOG.UNAVAILABLE', 'down') : undefined));
    const { b } = batcher(s.write, { maxAttempts: 2 });
    b.add([1, 2]);
    await b.flush();
    expect(s.attempts).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(b.stats()).toMatchObject({ buffered: 2, written: 0 });
    b.add([3, 4]);
    down = false;
    await vi.waitFor(() => expect(s.written).toEqual([[1, 2, 3]]));
    await b.flush();
    expect(s.written).toEqual([[1, 2, 3], [4]]);
  });

  it('drops a permanently rejected batch with an ERROR naming the count, without retrying, and carries on', async () => {
    const s = sink((_, rows) =>
      rows.includes(2)
        ? new ValidationError(
            'BigQuery insert into prediction_log',
            [{ path: 'r2', message: 'invalid: no such field' }],
            'PREDICTION_LOG.REJECTED',
          )
        : undefined,
    );
    const { b, logger } = batcher(s.write);
    b.add(range(1, 6));
    await vi.waitFor(() => expect(s.written).toEqual([[4, 5, 6]]));
    expect(s.attempts).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(b.stats()).toMatchObject({ rejected: 3, written: 3, retries: 0 });
    expect(logger.entries.find((e) => e.severity === 'ERROR')?.message).toMatch(
      /^3 predictions rejected and dropped: .*r2: invalid: no such field/,
    );
  });

  it('keeps memory bounded: past maxBuffered the oldest rows are dropped, counted and warned about at a limited rate', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const s = sink();
    const { b, logger, advance } = batcher(
      async (rows) => {
        await gate;
        await s.write(rows);
      },
      { batchSize: 2, maxBuffered: 4, warnEveryMs: 10_000 },
    );
    for (const n of range(1, 12)) b.add([n]);
    // [1, 2] is being written (blocked); 3..12 arrived, only the newest 4 are kept.
    expect(b.stats()).toMatchObject({ buffered: 4, dropped: 6 });
    const warnings = () => logger.entries.filter((e) => e.severity === 'WARNING');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0].message).toBe(
      'dropped 1 predictions (the oldest, more than 4 were waiting to be written); 1 dropped in total',
    );
    advance(10_000);
    b.add([13]);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toMatchObject({
      message: expect.stringMatching(/^dropped 6 predictions .*; 7 dropped in total$/),
      fields: { dropped: 6, droppedTotal: 7 },
    });
    release();
    await b.close(1000);
    expect(s.written.flat()).toEqual([1, 2, 10, 11, 12, 13]);
  });

  it('on close writes everything left, retrying until the deadline, then logs what was lost; later rows are dropped', async () => {
    const s = sink(() => new TransientError('PREDICTION_LOG.UNAVAILABLE', 'down'));
    const { b, logger, waits } = batcher(s.write, { batchSize: 10, maxAttempts: 1 });
    b.add([1, 2, 3]);
    const stats = await b.close(5_000);
    expect(s.attempts.length).toBeGreaterThan(3);
    expect(waits.reduce((a, w) => a + w, 0)).toBe(5_000);
    expect(stats).toMatchObject({ buffered: 3, written: 0 });
    expect(logger.entries.find((e) => e.severity === 'ERROR')?.message).toBe(
      '3 predictions not written before shutdown',
    );
    b.add([4]);
    expect(b.stats().dropped).toBe(1);
  });

  it('on close flushes a partial batch at once when the sink is healthy', async () => {
    const s = sink();
    const { b } = batcher(s.write, { batchSize: 10 });
    b.add([1, 2]);
    expect(s.attempts).toEqual([]);
    expect(await b.close(1000)).toMatchObject({ written: 2, buffered: 0, batches: 1 });
  });
});
