/**
 * The durable bus's tables and statements. A message is stored once (`bus_messages`) and fanned out
 * to one `bus_deliveries` row per subscription in the same transaction as the publish; an acked
 * delivery is deleted (messages no delivery needs are pruned in bulk); a dead-lettered one is copied
 * to `dead_letters`. A message published to a topic with no subscription yet is kept `unrouted` and
 * handed to the first subscription created on that topic, so a first start never loses it.
 */
import { PermanentError } from '../../../domain/errors.js';
import type { SqliteDatabase } from './open.js';
import { BUS_SCHEMA, CLAIM_SQL } from './bus-schema.js';
import type { StoredMessage } from './cloud-event.js';

/** A claimed delivery. */
export interface ClaimedDelivery extends StoredMessage {
  seq: number;
  /** Including this one. */
  attempt: number;
}

/** The outcome of one delivery, applied in batches. */
export type Settlement =
  | { kind: 'ack'; seq: number; subscription: string }
  | { kind: 'nack'; seq: number; nextAt: number; reason: string }
  | { kind: 'dead'; seq: number; deadLetterTopic: string; reason: string };

/** Counts for `stats()`. */
export interface BusCounts {
  pending: number;
  inflight: number;
  acked: number;
  dead: number;
}

interface ClaimRow {
  seq: number;
  attempts: number;
  message_id: number;
  topic: string;
  data: string;
  attributes: string;
  ordering_key: string | null;
  publish_time: string;
}

/** A message to insert, already validated and serialised. */
export interface NewMessage {
  topic: string;
  data: string;
  attributes: string;
  orderingKey: string | null;
}

/** One batched write: outcomes to record, messages to publish, subscriptions to claim for. */
export interface WriteBatch {
  settlements: readonly Settlement[];
  publishes: readonly NewMessage[];
  claims: readonly { subscription: string; limit: number }[];
}

/** What a batched write returns: message ids in publish order, claimed deliveries per claim. */
export interface BatchResult {
  messageIds: string[];
  claimed: ClaimedDelivery[][];
}

/** Prepared statements and the transactions built from them. */
export class BusTables {
  /**
   * Apply settlements, insert and fan out messages, then claim due deliveries: all in one
   * transaction, so a busy tick costs one commit (group commit) instead of one per operation.
   */
  readonly write: (batch: WriteBatch, now: number) => BatchResult;
  /** Create a subscription (routing unrouted messages to it); false if it already existed. */
  readonly ensureSubscription: (name: string, topic: string, now: number) => boolean;
  /** Insert and fan out messages within the caller's transaction (a state store sharing the database). */
  readonly insert: (messages: readonly NewMessage[], now: number) => string[];

  private readonly nextDueStmt;
  private readonly outstandingStmt;

  constructor(
    private readonly db: SqliteDatabase,
    firstMessageId: number,
  ) {
    db.exec(`BEGIN; ${BUS_SCHEMA} COMMIT;`);
    this.nextDueStmt = db.prepare<[string, number], { at: number | null }>(
      `SELECT MIN(next_at) AS at FROM bus_deliveries WHERE subscription = ? AND state = 'pending' AND next_at > ?`,
    );
    this.outstandingStmt = db.prepare<[string], { n: number }>(
      'SELECT COUNT(*) AS n FROM bus_deliveries WHERE subscription IN (SELECT value FROM json_each(?))',
    );
    db.prepare(
      `INSERT INTO sqlite_sequence (name, seq) SELECT 'bus_messages', ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'bus_messages')`,
    ).run(firstMessageId);

    const insertMessage = db.prepare(
      'INSERT INTO bus_messages (topic, data, attributes, ordering_key, publish_time) VALUES (?, ?, ?, ?, ?)',
    );
    const fanOut =
      db.prepare(`INSERT INTO bus_deliveries (subscription, message_id, ordering_key, state, attempts, next_at)
      SELECT name, ?, ?, 'pending', 0, ? FROM bus_subscriptions WHERE topic = ?`);
    const markUnrouted = db.prepare('UPDATE bus_messages SET unrouted = 1 WHERE id = ?');
    const publish = (m: NewMessage, publishTime: string, now: number): string => {
      const id = insertMessage.run(m.topic, m.data, m.attributes, m.orderingKey, publishTime).lastInsertRowid;
      if (fanOut.run(id, m.orderingKey, now, m.topic).changes === 0) markUnrouted.run(id);
      return String(id);
    };

    this.insert = (messages, now) => {
      const at = new Date(now).toISOString();
      return messages.map((m) => publish(m, at, now));
    };

    const findSub = db.prepare<[string], { topic: string }>('SELECT topic FROM bus_subscriptions WHERE name = ?');
    const insertSub = db.prepare('INSERT INTO bus_subscriptions (name, topic, created_at) VALUES (?, ?, ?)');
    const routeUnrouted =
      db.prepare(`INSERT INTO bus_deliveries (subscription, message_id, ordering_key, state, attempts, next_at)
      SELECT ?, id, ordering_key, 'pending', 0, ? FROM bus_messages WHERE topic = ? AND unrouted = 1 ORDER BY id`);
    const clearUnrouted = db.prepare('UPDATE bus_messages SET unrouted = 0 WHERE topic = ? AND unrouted = 1');
    this.ensureSubscription = db.transaction((name: string, topic: string, now: number) => {
      const existing = findSub.get(name);
      if (existing !== undefined) {
        if (existing.topic !== topic) {
          throw new PermanentError(
            'BUS.SUBSCRIPTION_TOPIC_MISMATCH',
            `subscription ${name} is attached to ${existing.topic}, not ${topic}`,
          );
        }
        return false;
      }
      insertSub.run(name, topic, new Date(now).toISOString());
      routeUnrouted.run(name, now, topic);
      clearUnrouted.run(topic);
      return true;
    });

    const selectDue = db.prepare<[string, number, number], ClaimRow>(CLAIM_SQL);
    const markInflight = db.prepare(
      `UPDATE bus_deliveries SET state = 'inflight', attempts = attempts + 1 WHERE seq = ?`,
    );
    const claim = (subscription: string, now: number, limit: number): ClaimedDelivery[] => {
      const rows = selectDue.all(subscription, now, limit);
      for (const row of rows) markInflight.run(row.seq);
      return rows.map(toClaimed);
    };

    const deleteDelivery = db.prepare('DELETE FROM bus_deliveries WHERE seq = ?');
    const countAcks = db.prepare('UPDATE bus_subscriptions SET acked = acked + ? WHERE name = ?');
    const nack = db.prepare(
      `UPDATE bus_deliveries SET state = 'pending', next_at = ?, last_error = ? WHERE seq = ? AND state = 'inflight'`,
    );
    const deadLetter = db.prepare(`INSERT INTO dead_letters
      (topic, dead_letter_topic, subscription, message_id, data, attributes, ordering_key, publish_time, attempts, reason, dead_at)
      SELECT m.topic, ?, d.subscription, CAST(m.id AS TEXT), m.data, m.attributes, m.ordering_key, m.publish_time, d.attempts, ?, ?
      FROM bus_deliveries d JOIN bus_messages m ON m.id = d.message_id WHERE d.seq = ?`);
    const remove = (seq: number): boolean => deleteDelivery.run(seq).changes > 0;
    const settle = (batch: readonly Settlement[], at: string): void => {
      const acks = new Map<string, number>();
      for (const s of batch) {
        if (s.kind === 'ack') {
          // A delivery already gone was acked by another instance after a recovery: count it once.
          if (remove(s.seq)) acks.set(s.subscription, (acks.get(s.subscription) ?? 0) + 1);
        } else if (s.kind === 'nack') {
          nack.run(s.nextAt, s.reason, s.seq);
        } else {
          deadLetter.run(s.deadLetterTopic, s.reason, at, s.seq);
          remove(s.seq);
        }
      }
      for (const [name, n] of acks) countAcks.run(n, name);
    };

    this.write = db.transaction((batch: WriteBatch, now: number): BatchResult => {
      const at = new Date(now).toISOString();
      settle(batch.settlements, at);
      const messageIds = batch.publishes.map((m) => publish(m, at, now));
      return { messageIds, claimed: batch.claims.map((c) => claim(c.subscription, now, c.limit)) };
    });
  }

  /** Delete messages no delivery needs any more (done in bulk now and then, not on every ack). */
  prune(): number {
    return this.db
      .prepare(
        `DELETE FROM bus_messages WHERE unrouted = 0
      AND id NOT IN (SELECT message_id FROM bus_deliveries)`,
      )
      .run().changes;
  }

  /** Put deliveries left in flight by a dead process back to pending (their attempt still counts). */
  recoverInFlight(): number {
    return this.db.prepare(`UPDATE bus_deliveries SET state = 'pending' WHERE state = 'inflight'`).run().changes;
  }

  /** When the earliest pending delivery of a subscription that is not yet due falls due (ms epoch), if any. */
  nextDue(subscription: string, now: number): number | undefined {
    const row = this.nextDueStmt.get(subscription, now);
    return row?.at ?? undefined;
  }

  /** Deliveries not yet acked or dead-lettered across the given subscriptions. */
  outstanding(subscriptions: readonly string[]): number {
    const row = this.outstandingStmt.get(JSON.stringify(subscriptions));
    return row?.n ?? 0;
  }

  /** Counts, overall or for one subscription. */
  counts(subscription?: string): BusCounts {
    const where = subscription === undefined ? '' : 'WHERE subscription = ?';
    const args = subscription === undefined ? [] : [subscription];
    const d = this.db
      .prepare<unknown[], { pending: number | null; inflight: number | null }>(
        `SELECT SUM(state = 'pending') AS pending, SUM(state = 'inflight') AS inflight FROM bus_deliveries ${where}`,
      )
      .get(...args);
    const a = this.db
      .prepare<unknown[], { n: number | null }>(
        `SELECT SUM(acked) AS n FROM bus_subscriptions ${subscription === undefined ? '' : 'WHERE name = ?'}`,
      )
      .get(...args);
    const dead = this.db
      .prepare<unknown[], { n: number }>(`SELECT COUNT(*) AS n FROM dead_letters ${where}`)
      .get(...args);
    return { pending: d?.pending ?? 0, inflight: d?.inflight ?? 0, acked: a?.n ?? 0, dead: dead?.n ?? 0 };
  }
}

function toClaimed(row: ClaimRow): ClaimedDelivery {
  return {
    seq: row.seq,
    attempt: row.attempts + 1,
    messageId: String(row.message_id),
    topic: row.topic,
    data: row.data,
    attributes: JSON.parse(row.attributes) as Record<string, string>,
    orderingKey: row.ordering_key,
    publishTime: row.publish_time,
  };
}
