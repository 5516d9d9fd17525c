/**
 * The durable bus's tables and statements. A message is stored once (`bus_messages`) and fanned out
 * to one `bus_deliveries` row per subscription in the same transaction as the publish; an acked
 * delivery is deleted (and its message once no delivery needs it); a dead-lettered one moves to
 * `dead_letters`. A message published to a topic with no subscription yet is kept `unrouted` and
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

/** Prepared statements and the transactions built from them. */
export class BusTables {
  /** Insert a message and fan it out; returns the message id. */
  readonly publish: (topic: string, data: string, attributes: string, orderingKey: string | null, publishTime: string, now: number) => string;
  /** Create a subscription (routing unrouted messages to it); false if it already existed. */
  readonly ensureSubscription: (name: string, topic: string, now: number) => boolean;
  /** Mark up to `limit` due deliveries in flight and return them. */
  readonly claim: (subscription: string, now: number, limit: number) => ClaimedDelivery[];
  /** Apply a batch of outcomes in one transaction. */
  readonly settle: (batch: readonly Settlement[], deadAt: string) => void;

  private readonly nextDueStmt;
  private readonly outstandingStmt;

  constructor(private readonly db: SqliteDatabase, firstMessageId: number) {
    db.exec(`BEGIN; ${BUS_SCHEMA} COMMIT;`);
    this.nextDueStmt = db.prepare<[string, number], { at: number | null }>(
      `SELECT MIN(next_at) AS at FROM bus_deliveries WHERE subscription = ? AND state = 'pending' AND next_at > ?`);
    this.outstandingStmt = db.prepare<[string], { n: number }>(
      'SELECT COUNT(*) AS n FROM bus_deliveries WHERE subscription IN (SELECT value FROM json_each(?))');
    db.prepare(`INSERT INTO sqlite_sequence (name, seq) SELECT 'bus_messages', ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'bus_messages')`).run(firstMessageId);

    const insertMessage = db.prepare('INSERT INTO bus_messages (topic, data, attributes, ordering_key, publish_time) VALUES (?, ?, ?, ?, ?)');
    const fanOut = db.prepare(`INSERT INTO bus_deliveries (subscription, message_id, ordering_key, state, attempts, next_at)
      SELECT name, ?, ?, 'pending', 0, ? FROM bus_subscriptions WHERE topic = ?`);
    const markUnrouted = db.prepare('UPDATE bus_messages SET unrouted = 1 WHERE id = ?');
    this.publish = db.transaction((topic, data, attributes, orderingKey, publishTime, now) => {
      const id = insertMessage.run(topic, data, attributes, orderingKey, publishTime).lastInsertRowid;
      if (fanOut.run(id, orderingKey, now, topic).changes === 0) markUnrouted.run(id);
      return String(id);
    });

    const findSub = db.prepare<[string], { topic: string }>('SELECT topic FROM bus_subscriptions WHERE name = ?');
    const insertSub = db.prepare('INSERT INTO bus_subscriptions (name, topic, created_at) VALUES (?, ?, ?)');
    const routeUnrouted = db.prepare(`INSERT INTO bus_deliveries (subscription, message_id, ordering_key, state, attempts, next_at)
      SELECT ?, id, ordering_key, 'pending', 0, ? FROM bus_messages WHERE topic = ? AND unrouted = 1 ORDER BY id`);
    const clearUnrouted = db.prepare('UPDATE bus_messages SET unrouted = 0 WHERE topic = ? AND unrouted = 1');
    this.ensureSubscription = db.transaction((name: string, topic: string, now: number) => {
      const existing = findSub.get(name);
      if (existing !== undefined) {
        if (existing.topic !== topic) {
          throw new PermanentError('BUS.SUBSCRIPTION_TOPIC_MISMATCH', `subscription ${name} is attached to ${existing.topic}, not ${topic}`);
        }
        return false;
      }
      insertSub.run(name, topic, new Date(now).toISOString());
      routeUnrouted.run(name, now, topic);
      clearUnrouted.run(topic);
      return true;
    });

    const selectDue = db.prepare<[string, number, number], ClaimRow>(CLAIM_SQL);
    const markInflight = db.prepare(`UPDATE bus_deliveries SET state = 'inflight', attempts = attempts + 1 WHERE seq = ?`);
    this.claim = db.transaction((subscription: string, now: number, limit: number) => {
      const rows = selectDue.all(subscription, now, limit);
      for (const row of rows) markInflight.run(row.seq);
      return rows.map(toClaimed);
    });

    const deleteDelivery = db.prepare<[number], { message_id: number }>('DELETE FROM bus_deliveries WHERE seq = ? RETURNING message_id');
    const countAck = db.prepare('UPDATE bus_subscriptions SET acked = acked + 1 WHERE name = ?');
    const dropMessage = db.prepare('DELETE FROM bus_messages WHERE id = ? AND NOT EXISTS (SELECT 1 FROM bus_deliveries WHERE message_id = ?)');
    const nack = db.prepare(`UPDATE bus_deliveries SET state = 'pending', next_at = ?, last_error = ? WHERE seq = ? AND state = 'inflight'`);
    const deadLetter = db.prepare(`INSERT INTO dead_letters
      (topic, dead_letter_topic, subscription, message_id, data, attributes, ordering_key, publish_time, attempts, reason, dead_at)
      SELECT m.topic, ?, d.subscription, CAST(m.id AS TEXT), m.data, m.attributes, m.ordering_key, m.publish_time, d.attempts, ?, ?
      FROM bus_deliveries d JOIN bus_messages m ON m.id = d.message_id WHERE d.seq = ?`);
    const remove = (seq: number): boolean => {
      const gone = deleteDelivery.get(seq);
      if (gone !== undefined) dropMessage.run(gone.message_id, gone.message_id);
      return gone !== undefined;
    };
    this.settle = db.transaction((batch: readonly Settlement[], deadAt: string) => {
      for (const s of batch) {
        if (s.kind === 'ack') {
          if (remove(s.seq)) countAck.run(s.subscription);
        } else if (s.kind === 'nack') {
          nack.run(s.nextAt, s.reason, s.seq);
        } else {
          deadLetter.run(s.deadLetterTopic, s.reason, deadAt, s.seq);
          remove(s.seq);
        }
      }
    });
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
    const d = this.db.prepare<unknown[], { pending: number | null; inflight: number | null }>(
      `SELECT SUM(state = 'pending') AS pending, SUM(state = 'inflight') AS inflight FROM bus_deliveries ${where}`).get(...args);
    const a = this.db.prepare<unknown[], { n: number | null }>(`SELECT SUM(acked) AS n FROM bus_subscriptions ${subscription === undefined ? '' : 'WHERE name = ?'}`).get(...args);
    const dead = this.db.prepare<unknown[], { n: number }>(`SELECT COUNT(*) AS n FROM dead_letters ${where}`).get(...args);
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
