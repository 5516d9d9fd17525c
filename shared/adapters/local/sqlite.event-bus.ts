/**
 * The embedded durable event bus on SQLite (WAL). `publish` resolves once the message and its
 * per-subscription delivery rows are committed. Subscriptions are rows, so messages published
 * while no handler is attached wait for it. Handlers receive the CloudEvent Eventarc delivers.
 *
 * Delivery is at-least-once: a handler that throws (or outlives the ack deadline) is retried with
 * exponential backoff, and after `maxDeliveryAttempts` the message moves to `<topic>-dead-letter`
 * (the `dead_letters` table) with its last failure; `deadLetterQueue()` lists and replays them. Deliveries in flight when a process died are
 * redelivered when the next instance opens the file. Dispatch is push-driven: publish, settle and
 * backoff timers wake the dispatcher, which writes a turn's publishes, outcomes and claims in one
 * transaction (group commit); a cheap `data_version` poll notices messages published by another process.
 */
import { errorCode, errorMessage, PermanentError } from '../../domain/errors.js';
import { deadLetterTopic, isTopic, type Topic } from '../../domain/topics.js';
import type { EventBus, OutgoingMessage } from '../../ports/event-bus.js';
import { readDeadLetters, type DeadLetter } from './sqlite/bus-schema.js';
import { BusTables, type BusCounts, type NewMessage } from './sqlite/bus-tables.js';
import type { ColocatedBus } from './sqlite/colocated-bus.js';
import { importLegacyBus } from './sqlite/legacy-bus.js';
import { SqliteDeadLetters } from './sqlite/dead-letter-store.js';
import type { DeadLetters } from '../../ports/dead-letters.js';
import { toCloudEvent, type PubSubCloudEvent } from './sqlite/cloud-event.js';
import { Dispatcher } from './sqlite/dispatcher.js';
import type { SubscribeOptions } from './sqlite/delivery-policy.js';
import { fileKey, openDatabase, type OpenOptions, type SqliteDatabase } from './sqlite/open.js';
import { startCheckpointer, type Checkpointer } from './sqlite/checkpointer.js';

export type { PubSubCloudEvent } from './sqlite/cloud-event.js';
export type { DeadLetter } from './sqlite/bus-schema.js';
export type { BusCounts } from './sqlite/bus-tables.js';
export type { SubscribeOptions } from './sqlite/delivery-policy.js';

/** A subscribed handler; resolving acknowledges, throwing asks for redelivery. */
export type PubSubHandler = (event: PubSubCloudEvent) => Promise<void>;

/** Options of {@link SqliteEventBus}; see `SYNCHRONOUS_LEVELS` for the durability trade. */
export interface SqliteEventBusOptions extends OpenOptions {
  /** Reset deliveries left in flight to pending on open (default true). A publish-only client of a file
   *  that a running dispatcher also uses should pass false, or it would trigger duplicate deliveries. */
  recoverInFlight?: boolean;
  /** How often to look for commits by other processes, in ms (default 100). */
  pollIntervalMs?: number;
  /** How long `close` waits for running handlers, in ms (default 2000). */
  closeTimeoutMs?: number;
  /** Defaults for every subscription. */
  defaults?: SubscribeOptions;
  /** A bus file of an older layout to take over once (see `importLegacyBus`); ignored when absent. */
  importFrom?: string;
  /** Run WAL checkpoints in a worker thread instead of inside commits (see checkpointer.ts); default false. */
  backgroundCheckpoint?: boolean;
}

/** Durable SQLite event bus with Pub/Sub-like subscriptions. */
export class SqliteEventBus implements EventBus {
  private readonly db: SqliteDatabase;
  private readonly tables: BusTables;
  private readonly dispatcher: Dispatcher;
  private closed = false;
  /** The bus itself and every state store sharing its connection. */
  private users = 1;
  private queue: SqliteDeadLetters | undefined;
  private checkpointer: Checkpointer | undefined;

  constructor(private readonly options: SqliteEventBusOptions) {
    this.db = openDatabase(options);
    // Ids look like Pub/Sub's (numeric strings) and stay unique if the file is recreated later.
    this.tables = new BusTables(this.db, Date.now() * 1000);
    if (options.importFrom !== undefined) importLegacyBus(this.db, options.importFrom);
    if (options.recoverInFlight ?? true) this.tables.recoverInFlight();
    if (options.backgroundCheckpoint === true && fileKey(options.path) !== undefined)
      this.checkpointer = startCheckpointer(this.db, options.path);
    this.dispatcher = new Dispatcher(this.db, this.tables, {
      pollIntervalMs: options.pollIntervalMs ?? 100,
      defaults: options.defaults ?? {},
      toEvent: toCloudEvent,
      deadLetterTopicOf: (topic) => deadLetterTopic(topic as Topic),
      describeFailure: (err) => `${errorCode(err)}: ${errorMessage(err)}`,
    });
  }

  /** Publish; resolves with the message id once the message is committed (group-committed with the turn's other writes). */
  async publish(message: OutgoingMessage): Promise<string> {
    this.assertOpen();
    return this.dispatcher.publish(prepare(message));
  }

  /**
   * Lend this bus's connection to a state store on the same database, whose transactions then publish
   * in their own commit (see `SqliteStateStoreOptions.bus`). The connection closes once the bus is
   * closed and every sharer has released it.
   */
  shareConnection(): ColocatedBus {
    this.assertOpen();
    this.users += 1;
    let released = false;
    return {
      db: this.db,
      prepare,
      insert: (messages, now) => void this.tables.insert(messages, now),
      committed: (messages) => {
        if (!this.closed && messages.length > 0) this.dispatcher.wakeTopics(new Set(messages.map((m) => m.topic)));
      },
      release: () => {
        if (released) return;
        released = true;
        this.release();
      },
    };
  }

  /**
   * Create the subscription if needed (durably) and attach `handler` in this process. Messages
   * already waiting for the subscription are delivered. Returns a function that detaches the handler.
   */
  subscribe(
    topic: Topic,
    subscriptionName: string,
    handler: PubSubHandler,
    options: SubscribeOptions = {},
  ): () => void {
    this.assertOpen();
    this.ensureSubscription(topic, subscriptionName);
    return this.dispatcher.attach(topic, subscriptionName, handler, options);
  }

  /** Create a subscription without attaching a handler, so messages published from now on are kept for it. */
  ensureSubscription(topic: Topic, subscriptionName: string): void {
    this.assertOpen();
    if (!isTopic(topic)) throw new PermanentError('BUS.UNKNOWN_TOPIC', `topic "${String(topic)}" is not a known topic`);
    if (!/^[A-Za-z][\w.~+%-]{2,254}$/.test(subscriptionName)) {
      throw new PermanentError(
        'BUS.INVALID_SUBSCRIPTION',
        `subscription name "${subscriptionName}" is invalid (Pub/Sub naming rules)`,
      );
    }
    this.tables.ensureSubscription(subscriptionName, topic, Date.now());
  }

  /** Resolves when no delivery of an attached subscription is pending, backing off or in flight. */
  whenIdle(): Promise<void> {
    this.assertOpen();
    return this.dispatcher.whenIdle();
  }

  /** Delivery counts, overall or for one subscription. */
  stats(subscriptionName?: string): BusCounts {
    this.assertOpen();
    this.dispatcher.flush();
    return this.tables.counts(subscriptionName);
  }

  /** Dead-lettered messages, oldest first, optionally only those published to `topic`. */
  deadLetters(topic?: Topic): DeadLetter[] {
    this.assertOpen();
    this.dispatcher.flush();
    return readDeadLetters(this.db, topic);
  }

  /** The dead letters as the DeadLetters port: list them, and replay them to their subscriptions. */
  deadLetterQueue(): DeadLetters {
    this.queue ??= new SqliteDeadLetters(
      this.db,
      (topics) => this.dispatcher.wakeTopics(topics),
      () => {
        this.assertOpen();
        this.dispatcher.flush();
      },
    );
    return this.queue;
  }

  /** Stop dispatching, let running handlers finish (bounded), record their outcomes, close the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.dispatcher.stop(this.options.closeTimeoutMs ?? 2000);
    await this.checkpointer?.stop();
    this.release();
  }

  private release(): void {
    this.users -= 1;
    if (this.users === 0) this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new PermanentError('BUS.CLOSED', 'the event bus is closed');
  }
}

/** Check a message (known topic, string attributes, JSON data) and serialise it for the tables. */
function prepare(message: OutgoingMessage): NewMessage {
  if (!isTopic(message.topic))
    throw new PermanentError('BUS.UNKNOWN_TOPIC', `topic "${String(message.topic)}" is not a known topic`);
  const data = serialise(message);
  const attributes = message.attributes ?? {};
  for (const [k, v] of Object.entries(attributes)) {
    if (typeof v !== 'string') throw new PermanentError('BUS.INVALID_MESSAGE', `attribute ${k} must be a string`);
  }
  return {
    topic: message.topic,
    data,
    attributes: JSON.stringify(attributes),
    orderingKey: message.orderingKey ?? null,
  };
}

/** JSON text of a message's data; BigInt, cycles and `undefined` are permanent errors. */
function serialise(message: OutgoingMessage): string {
  let data: string | undefined;
  try {
    data = JSON.stringify(message.data);
  } catch (err) {
    throw new PermanentError(
      'BUS.INVALID_MESSAGE',
      `message data for ${message.topic} is not JSON-serialisable: ${errorMessage(err)}`,
    );
  }
  if (data === undefined)
    throw new PermanentError('BUS.INVALID_MESSAGE', `message data for ${message.topic} is not JSON-serialisable`);
  return data;
}
