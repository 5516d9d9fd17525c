/**
 * The bus's dispatcher: claims due deliveries in batches for each attached subscription, runs the
 * handlers (bounded per subscription), and records their outcomes in batched transactions.
 * It wakes on publish, on every settled batch, on backoff timers, and on a `data_version` change
 * (a commit by another process); it never sleeps-and-polls on the hot path.
 */
import { PermanentError, TransientError } from '../../../domain/errors.js';
import type { BusTables, ClaimedDelivery, Settlement } from './bus-tables.js';
import type { PubSubCloudEvent, StoredMessage } from './cloud-event.js';
import type { SqliteDatabase } from './open.js';

/** Per-subscription delivery settings (Pub/Sub's retry and dead-letter policies, locally). */
export interface SubscribeOptions {
  /** Attempts before dead-lettering (default 5, Pub/Sub's default). */
  maxDeliveryAttempts?: number;
  /** First retry delay in ms (default 10); doubles per attempt. */
  minBackoffMs?: number;
  /** Retry delay cap in ms (default 10,000). */
  maxBackoffMs?: number;
  /** Handlers running at once for this subscription (default 8). */
  concurrency?: number;
  /** A handler still running after this many ms counts as failed and is redelivered (default 600,000). */
  ackDeadlineMs?: number;
}

const DEFAULTS: Required<SubscribeOptions> = {
  maxDeliveryAttempts: 5, minBackoffMs: 10, maxBackoffMs: 10_000, concurrency: 8, ackDeadlineMs: 600_000,
};

/** What the dispatcher needs from the bus. */
export interface DispatcherConfig {
  pollIntervalMs: number;
  defaults: SubscribeOptions;
  toEvent: (message: StoredMessage, subscription: string) => PubSubCloudEvent;
  deadLetterTopicOf: (topic: string) => string;
  describeFailure: (err: unknown) => string;
}

interface Attached {
  name: string;
  topic: string;
  handler: (event: PubSubCloudEvent) => Promise<void>;
  opts: Required<SubscribeOptions>;
  inflight: number;
  wakeQueued: boolean;
  timer: NodeJS.Timeout | undefined;
  timerAt: number;
  detached: boolean;
}

/** Runs deliveries for the subscriptions attached in this process. */
export class Dispatcher {
  private readonly subs = new Map<string, Attached>();
  private settlements: { sub: Attached; settlement: Settlement }[] = [];
  private flushQueued = false;
  private idleWaiters: (() => void)[] = [];
  private running = 0;
  private stopped = false;
  private finished = false;
  private poll: NodeJS.Timeout | undefined;
  private dataVersion = -1;

  constructor(private readonly db: SqliteDatabase, private readonly tables: BusTables, private readonly config: DispatcherConfig) {}

  /** Attach a handler to a (durable) subscription; returns a detach function. */
  attach(topic: string, name: string, handler: Attached['handler'], options: SubscribeOptions): () => void {
    if (this.subs.has(name)) throw new PermanentError('BUS.ALREADY_SUBSCRIBED', `subscription ${name} already has a handler in this process`);
    const opts = { ...DEFAULTS, ...this.config.defaults, ...options };
    if (opts.maxDeliveryAttempts < 1 || opts.concurrency < 1 || opts.minBackoffMs < 0 || opts.maxBackoffMs < opts.minBackoffMs) {
      throw new PermanentError('BUS.INVALID_OPTIONS', `subscription ${name}: invalid delivery options ${JSON.stringify(opts)}`);
    }
    const sub: Attached = { name, topic, handler, opts, inflight: 0, wakeQueued: false, timer: undefined, timerAt: Infinity, detached: false };
    this.subs.set(name, sub);
    this.startPolling();
    this.wake(sub);
    return () => {
      sub.detached = true;
      clearTimeout(sub.timer);
      if (this.subs.get(name) === sub) this.subs.delete(name);
      this.checkIdle();
    };
  }

  /** A message was published to `topic` by this process. */
  wakeTopic(topic: string): void {
    for (const sub of this.subs.values()) if (sub.topic === topic) this.wake(sub);
  }

  /** Resolves when every attached subscription has nothing pending, backing off or in flight. */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  /** Record queued outcomes now (one transaction) and wake the subscriptions they free. */
  flush(): void {
    this.flushQueued = false;
    if (this.finished || this.settlements.length === 0) return;
    const batch = this.settlements;
    this.settlements = [];
    this.tables.settle(batch.map((b) => b.settlement), new Date().toISOString());
    for (const { sub } of batch) sub.inflight -= 1;
    for (const sub of new Set(batch.map((b) => b.sub))) this.wake(sub);
    this.checkIdle();
  }

  /** Stop claiming, wait for running handlers (at most `timeoutMs`), record their outcomes. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    for (const sub of this.subs.values()) clearTimeout(sub.timer);
    const deadline = Date.now() + timeoutMs;
    while (this.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    this.flush();
    this.finished = true;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private wake(sub: Attached): void {
    if (sub.wakeQueued || this.stopped || sub.detached) return;
    sub.wakeQueued = true;
    // setImmediate, not a microtask: lets a burst of publishes land first, so one claim takes a batch.
    setImmediate(() => {
      sub.wakeQueued = false;
      this.pump(sub);
    });
  }

  private pump(sub: Attached): void {
    if (this.stopped || sub.detached) return;
    const capacity = sub.opts.concurrency - sub.inflight;
    if (capacity <= 0) return; // a settled batch wakes us
    let claimed: ClaimedDelivery[];
    try {
      claimed = this.tables.claim(sub.name, Date.now(), capacity);
    } catch {
      // Most likely SQLITE_BUSY past busy_timeout (another process writing): try again shortly.
      this.arm(sub, Date.now() + 50);
      return;
    }
    for (const row of claimed) {
      sub.inflight += 1;
      // deliver() never rejects: every outcome becomes a settlement.
      void this.deliver(sub, row);
    }
    if (claimed.length < capacity) {
      const next = this.tables.nextDue(sub.name, Date.now());
      if (next !== undefined) this.arm(sub, next);
      this.checkIdle();
    }
  }

  private arm(sub: Attached, at: number): void {
    if (sub.timer !== undefined && sub.timerAt <= at) return;
    clearTimeout(sub.timer);
    sub.timerAt = at;
    sub.timer = setTimeout(() => {
      sub.timer = undefined;
      sub.timerAt = Infinity;
      this.wake(sub);
    }, Math.max(0, at - Date.now()));
  }

  private async deliver(sub: Attached, row: ClaimedDelivery): Promise<void> {
    this.running += 1;
    let failure: { err: unknown } | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TransientError('BUS.ACK_DEADLINE_EXCEEDED', `handler still running after ${sub.opts.ackDeadlineMs} ms`)), sub.opts.ackDeadlineMs);
      });
      await Promise.race([sub.handler(this.config.toEvent(row, sub.name)), deadline]);
    } catch (err) {
      failure = { err };
    } finally {
      clearTimeout(timer);
      this.running -= 1;
    }
    if (this.finished) return; // closed meanwhile: the delivery stays in flight and is redelivered on the next open
    this.settlements.push({ sub, settlement: this.outcome(sub, row, failure) });
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
  }

  private outcome(sub: Attached, row: ClaimedDelivery, failure: { err: unknown } | undefined): Settlement {
    if (failure === undefined) return { kind: 'ack', seq: row.seq, subscription: sub.name };
    const reason = this.config.describeFailure(failure.err);
    if (row.attempt >= sub.opts.maxDeliveryAttempts) {
      return { kind: 'dead', seq: row.seq, deadLetterTopic: this.config.deadLetterTopicOf(row.topic), reason };
    }
    const backoff = Math.min(sub.opts.maxBackoffMs, sub.opts.minBackoffMs * 2 ** (row.attempt - 1));
    return { kind: 'nack', seq: row.seq, nextAt: Date.now() + backoff, reason };
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || this.settlements.length > 0) return;
    const attached = [...this.subs.values()];
    if (attached.some((s) => s.inflight > 0)) return;
    if (this.tables.outstanding(attached.map((s) => s.name)) > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private startPolling(): void {
    if (this.poll !== undefined || this.stopped) return;
    this.dataVersion = Number(this.db.pragma('data_version', { simple: true }));
    this.poll = setInterval(() => {
      const version = Number(this.db.pragma('data_version', { simple: true }));
      if (version === this.dataVersion) return;
      this.dataVersion = version;
      for (const sub of this.subs.values()) this.wake(sub);
    }, this.config.pollIntervalMs);
    // Only another process's commits need the poll; it alone should not keep this process alive.
    this.poll.unref();
  }
}
