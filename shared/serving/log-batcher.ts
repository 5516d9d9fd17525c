/**
 * Batches rows off the request path: `add` only appends to memory and returns; writes happen in the
 * background, one batch at a time, when a full batch is buffered or on a timer for a partial one.
 *
 * - Retries: a retryable failure is retried with exponential backoff (jittered) up to `maxAttempts`;
 *   the batch then goes back to the front of the buffer for the next tick. A permanent failure
 *   (rows BigQuery rejects) drops the batch with an ERROR log naming the count and the problems.
 * - Bounded memory: past `maxBuffered` rows the oldest are dropped, counted, and reported in a
 *   WARNING at most once per `warnEveryMs` (an outage must not grow the heap without limit).
 * - `close` stops the timer and keeps writing (retrying until the deadline) so SIGTERM loses nothing
 *   the sink can still take; what remains is counted and logged.
 */
import { errorMessage, isRetryable } from '../domain/errors.js';
import type { Logger } from '../ports/logger.js';

/** Options of {@link LogBatcher}. */
export interface LogBatcherOptions<T> {
  /** Write one batch; throw a retryable error to have it retried. */
  write: (rows: T[]) => Promise<void>;
  /** Rows per write. */
  batchSize: number;
  /** A partial batch is written after at most this long. */
  flushIntervalMs: number;
  /** Most rows kept in memory (not counting the batch being written). */
  maxBuffered: number;
  /** Attempts per batch before it is put back for the next tick. */
  maxAttempts: number;
  logger: Logger;
  /** Backoff between attempts; default 200 ms doubling to 10 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** What the rows are, for log lines; default "rows". */
  what?: string;
  warnEveryMs?: number;
  /** Injectable for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Counters since start. */
export interface LogBatcherStats {
  buffered: number;
  written: number;
  batches: number;
  retries: number;
  /** Dropped because the buffer was full (or added after close). */
  dropped: number;
  /** Dropped because the sink rejected them permanently. */
  rejected: number;
}

/** The background batch writer. */
export class LogBatcher<T> {
  private buffer: T[] = [];
  private running: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private deadline: number | undefined;
  private closed = false;
  private lastWarning = Number.NEGATIVE_INFINITY;
  private droppedSinceWarning = 0;
  private readonly counters = { written: 0, batches: 0, retries: 0, dropped: 0, rejected: 0 };
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly what: string;

  constructor(private readonly options: LogBatcherOptions<T>) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.what = options.what ?? 'rows';
    this.timer = setInterval(() => {
      if (this.buffer.length > 0 && !this.running) void this.drain(true);
    }, options.flushIntervalMs);
    this.timer.unref();
  }

  /** Queue rows; never blocks, never throws. */
  add(rows: readonly T[]): void {
    if (this.closed) return this.drop(rows.length);
    this.buffer.push(...rows);
    const excess = this.buffer.length - this.options.maxBuffered;
    if (excess > 0) {
      this.buffer.splice(0, excess);
      this.drop(excess);
    }
    if (this.buffer.length >= this.options.batchSize && !this.running) void this.drain(false);
  }

  /** Write what is buffered now (one pass; a batch that keeps failing stays buffered). */
  async flush(): Promise<void> {
    await this.drain(true);
  }

  /** Stop the timer and write what is left, retrying until `deadlineMs` from now; resolves with the final counters. */
  async close(deadlineMs: number): Promise<LogBatcherStats> {
    clearInterval(this.timer);
    this.closed = true;
    this.deadline = this.now() + deadlineMs;
    while (this.buffer.length > 0 && this.now() < this.deadline) await this.drain(true);
    await this.running;
    if (this.buffer.length > 0) {
      this.options.logger.log('ERROR', `${this.buffer.length} ${this.what} not written before shutdown`, {
        lost: this.buffer.length,
      });
    }
    return this.stats();
  }

  /** Counters since start. */
  stats(): LogBatcherStats {
    return { buffered: this.buffer.length, ...this.counters };
  }

  /** One writer at a time: wait for a running pass, then run ours. */
  private async drain(all: boolean): Promise<void> {
    while (this.running) await this.running;
    this.running = this.pass(all).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Write full batches; with `all`, also what was waiting when the pass began (not rows trickling in meanwhile). */
  private async pass(all: boolean): Promise<void> {
    let waiting = all ? this.buffer.length : 0;
    while (this.buffer.length >= this.options.batchSize || (waiting > 0 && this.buffer.length > 0)) {
      const batch = this.buffer.splice(0, this.options.batchSize);
      waiting -= batch.length;
      if (!(await this.writeWithRetry(batch))) {
        this.buffer.unshift(...batch);
        return;
      }
    }
  }

  /** True when the batch is done with (written or permanently rejected); false to put it back. */
  private async writeWithRetry(batch: T[]): Promise<boolean> {
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 200, maxMs: 10_000 };
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.options.write(batch);
        this.counters.written += batch.length;
        this.counters.batches += 1;
        return true;
      } catch (err) {
        if (!isRetryable(err)) {
          this.counters.rejected += batch.length;
          this.options.logger.log('ERROR', `${batch.length} ${this.what} rejected and dropped: ${errorMessage(err)}`, {
            rejected: batch.length,
          });
          return true;
        }
        // While closing, retry until the deadline instead of a fixed number of attempts.
        const left = this.deadline === undefined ? Number.POSITIVE_INFINITY : this.deadline - this.now();
        const more = this.deadline === undefined ? attempt < this.options.maxAttempts : left > 0;
        this.options.logger.log(
          'WARNING',
          `writing ${batch.length} ${this.what} failed (attempt ${attempt}${more ? ', retrying' : ', kept for later'}): ${errorMessage(err)}`,
        );
        if (!more) return false;
        this.counters.retries += 1;
        await this.sleep(Math.min(left, Math.min(maxMs, initialMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2)));
      }
    }
  }

  private drop(count: number): void {
    this.counters.dropped += count;
    this.droppedSinceWarning += count;
    const now = this.now();
    if (now - this.lastWarning < (this.options.warnEveryMs ?? 10_000)) return;
    const why = this.closed
      ? 'added after shutdown began'
      : `the oldest, more than ${this.options.maxBuffered} were waiting to be written`;
    this.options.logger.log(
      'WARNING',
      `dropped ${this.droppedSinceWarning} ${this.what} (${why}); ${this.counters.dropped} dropped in total`,
      {
        dropped: this.droppedSinceWarning,
        droppedTotal: this.counters.dropped,
      },
    );
    this.lastWarning = now;
    this.droppedSinceWarning = 0;
  }
}
