/**
 * The bus's dispatcher: claims due deliveries in batches for each attached subscription, runs the
 * handlers (bounded per subscription), and writes publishes, outcomes and claims in one transaction per turn.
 * It wakes on publish, on every settled batch, on backoff timers, and on a `data_version` change
 * (a commit by another process); it never sleeps-and-polls on the hot path.
 */
import { PermanentError, TransientError } from '../../../domain/errors.js';
import { outcomeOf, resolveOptions, withAckDeadline, type SubscribeOptions } from './delivery-policy.js';
import type { BatchResult, BusTables, ClaimedDelivery, NewMessage, Settlement } from './bus-tables.js';
import type { PubSubCloudEvent, StoredMessage } from './cloud-event.js';
import type { SqliteDatabase } from './open.js';

/** Prune delivered messages after this many outcomes (bulk delete beats one per ack). */
const PRUNE_EVERY = 2_000;

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
  timer: NodeJS.Timeout | undefined;
  timerAt: number;
  detached: boolean;
}

interface QueuedPublish {
  message: NewMessage;
  resolve: (id: string) => void;
  reject: (err: unknown) => void;
}

/**
 * Runs deliveries for the subscriptions attached in this process. All writes of one event-loop turn
 * (publishes, handler outcomes, claims) go to SQLite in a single transaction from `flush`.
 */
export class Dispatcher {
  private readonly subs = new Map<string, Attached>();
  private settlements: { sub: Attached; settlement: Settlement }[] = [];
  private publishes: QueuedPublish[] = [];
  private readonly toWake = new Set<Attached>();
  private tickQueued = false;
  private idleWaiters: (() => void)[] = [];
  private running = 0;
  private stopped = false;
  private finished = false;
  private poll: NodeJS.Timeout | undefined;
  private dataVersion = -1;
  private settledSincePrune = 0;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly tables: BusTables,
    private readonly config: DispatcherConfig,
  ) {}

  /** Attach a handler to a (durable) subscription; returns a detach function. */
  attach(topic: string, name: string, handler: Attached['handler'], options: SubscribeOptions): () => void {
    if (this.subs.has(name))
      throw new PermanentError('BUS.ALREADY_SUBSCRIBED', `subscription ${name} already has a handler in this process`);
    const opts = resolveOptions(name, this.config.defaults, options);
    const sub: Attached = {
      name,
      topic,
      handler,
      opts,
      inflight: 0,
      timer: undefined,
      timerAt: Infinity,
      detached: false,
    };
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

  /** Queue a message; resolves with its id once the batch holding it is committed. */
  publish(message: NewMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      this.publishes.push({ message, resolve, reject });
      for (const sub of this.subs.values()) if (sub.topic === message.topic) this.toWake.add(sub);
      this.schedule();
    });
  }

  /** Messages on these topics were committed by someone else's transaction: wake their subscriptions. */
  wakeTopics(topics: ReadonlySet<string>): void {
    for (const sub of this.subs.values()) if (topics.has(sub.topic)) this.toWake.add(sub);
    if (this.toWake.size > 0) this.schedule();
  }

  /** Resolves when every attached subscription has nothing pending, backing off or in flight. */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  /** Write everything queued now, in one transaction, and start the deliveries it claims. */
  flush(): void {
    this.tickQueued = false;
    const publishes = this.publishes;
    const batch = this.settlements;
    this.publishes = [];
    this.settlements = [];
    if (this.finished) {
      for (const p of publishes) p.reject(new PermanentError('BUS.CLOSED', 'the event bus is closed'));
      return;
    }
    for (const { sub } of batch) {
      sub.inflight -= 1;
      this.toWake.add(sub);
    }
    const subs = this.stopped ? [] : [...this.toWake].filter((s) => !s.detached && s.inflight < s.opts.concurrency);
    this.toWake.clear();
    const now = Date.now();
    let result: BatchResult;
    try {
      result = this.tables.write(
        {
          settlements: batch.map((b) => b.settlement),
          publishes: publishes.map((p) => p.message),
          claims: subs.map((s) => ({ subscription: s.name, limit: s.opts.concurrency - s.inflight })),
        },
        now,
      );
    } catch (err) {
      // Most likely SQLITE_BUSY past busy_timeout (another process writing): publishers get the error
      // (retryable), outcomes are kept and written again shortly.
      for (const p of publishes) p.reject(new TransientError('BUS.UNAVAILABLE', `publish failed: ${String(err)}`));
      for (const b of batch) b.sub.inflight += 1;
      this.settlements.unshift(...batch);
      for (const s of subs) this.toWake.add(s);
      setTimeout(() => this.schedule(), 50);
      return;
    }
    this.settledSincePrune += batch.length;
    if (this.settledSincePrune >= PRUNE_EVERY || this.stopped) {
      this.settledSincePrune = 0;
      this.tables.prune();
    }
    publishes.forEach((p, i) => p.resolve(result.messageIds[i]));
    subs.forEach((sub, i) => this.start(sub, result.claimed[i], now));
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

  private schedule(): void {
    if (this.tickQueued) return;
    this.tickQueued = true;
    // setImmediate, not a microtask: lets the turn's publishes and outcomes pile up into one commit.
    setImmediate(() => {
      if (this.tickQueued) this.flush();
    });
  }

  private wake(sub: Attached): void {
    if (this.stopped || sub.detached) return;
    this.toWake.add(sub);
    this.schedule();
  }

  private start(sub: Attached, claimed: ClaimedDelivery[], now: number): void {
    const limit = sub.opts.concurrency - sub.inflight;
    for (const row of claimed) {
      sub.inflight += 1;
      // deliver() never rejects: every outcome becomes a settlement.
      void this.deliver(sub, row);
    }
    if (claimed.length < limit) {
      const next = this.tables.nextDue(sub.name, now);
      if (next !== undefined) this.arm(sub, next);
    }
  }

  private arm(sub: Attached, at: number): void {
    if (sub.timer !== undefined && sub.timerAt <= at) return;
    clearTimeout(sub.timer);
    sub.timerAt = at;
    sub.timer = setTimeout(
      () => {
        sub.timer = undefined;
        sub.timerAt = Infinity;
        this.wake(sub);
      },
      Math.max(0, at - Date.now()),
    );
  }

  private async deliver(sub: Attached, row: ClaimedDelivery): Promise<void> {
    this.running += 1;
    let failure: { reason: string; deadLetterTopic: string } | undefined;
    try {
      await withAckDeadline(() => sub.handler(this.config.toEvent(row, sub.name)), sub.opts.ackDeadlineMs);
    } catch (err) {
      failure = { reason: this.config.describeFailure(err), deadLetterTopic: this.config.deadLetterTopicOf(row.topic) };
    } finally {
      this.running -= 1;
    }
    if (this.finished) return; // closed meanwhile: the delivery stays in flight and is redelivered on the next open
    this.settlements.push({ sub, settlement: outcomeOf(row, sub.name, sub.opts, failure, Date.now()) });
    this.schedule();
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || this.settlements.length > 0 || this.publishes.length > 0) return;
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
