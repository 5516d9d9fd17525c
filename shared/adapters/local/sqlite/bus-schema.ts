/**
 * DDL and the claim query of the durable bus, plus reading its dead letters.
 * `bus_deliveries.seq` is a plain rowid (always above every outstanding row, which is all ordering
 * needs); `bus_messages.id` is AUTOINCREMENT because it is the message id and must never be reused.
 */
import type { Topic } from '../../../domain/topics.js';
import type { DeadLetter as PortDeadLetter } from '../../../ports/dead-letters.js';
import type { SqliteDatabase } from './open.js';

/** A dead letter of the embedded bus: the port's, plus the dead-letter topic Pub/Sub would have used. */
export interface DeadLetter extends PortDeadLetter {
  /** `<topic>-dead-letter`. */
  deadLetterTopic: string;
}

/** Tables of the bus (idempotent). */
export const BUS_SCHEMA = `
CREATE TABLE IF NOT EXISTS bus_subscriptions (
  name TEXT PRIMARY KEY,
  topic TEXT NOT NULL,
  acked INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bus_subscriptions_topic ON bus_subscriptions (topic);
CREATE TABLE IF NOT EXISTS bus_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  data TEXT NOT NULL,
  attributes TEXT NOT NULL,
  ordering_key TEXT,
  publish_time TEXT NOT NULL,
  unrouted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS bus_messages_unrouted ON bus_messages (topic) WHERE unrouted = 1;
CREATE TABLE IF NOT EXISTS bus_deliveries (
  seq INTEGER PRIMARY KEY,
  subscription TEXT NOT NULL,
  message_id INTEGER NOT NULL,
  ordering_key TEXT,
  state TEXT NOT NULL CHECK (state IN ('pending', 'inflight')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS bus_deliveries_due ON bus_deliveries (subscription, state, next_at);
CREATE INDEX IF NOT EXISTS bus_deliveries_key ON bus_deliveries (subscription, ordering_key, seq) WHERE ordering_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  dead_letter_topic TEXT NOT NULL,
  subscription TEXT NOT NULL,
  message_id TEXT NOT NULL,
  data TEXT NOT NULL,
  attributes TEXT NOT NULL,
  ordering_key TEXT,
  publish_time TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  reason TEXT NOT NULL,
  dead_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_topic ON dead_letters (topic);`;

/**
 * Due pending deliveries of a subscription, earliest due first (index order, so no sort and the scan
 * stops at LIMIT however long the backlog). A delivery with an ordering key is
 * eligible only when it is the oldest outstanding one of its key (pending or in flight), so one
 * key is delivered one message at a time, in publish order, and a failing message blocks its key.
 */
export const CLAIM_SQL = `
SELECT d.seq, d.attempts, m.id AS message_id, m.topic, m.data, m.attributes, m.ordering_key, m.publish_time
FROM bus_deliveries d JOIN bus_messages m ON m.id = d.message_id
WHERE d.subscription = ? AND d.state = 'pending' AND d.next_at <= ?
  AND (d.ordering_key IS NULL OR d.seq = (
    SELECT MIN(k.seq) FROM bus_deliveries k WHERE k.subscription = d.subscription AND k.ordering_key = d.ordering_key))
ORDER BY d.next_at, d.seq
LIMIT ?`;

/** A stored dead letter, as `SELECT *` returns it. */
export interface DeadLetterRow {
  id: number;
  topic: string;
  dead_letter_topic: string;
  subscription: string;
  message_id: string;
  data: string;
  attributes: string;
  ordering_key: string | null;
  publish_time: string;
  attempts: number;
  reason: string;
  dead_at: string;
}

/** Dead letters, oldest first, optionally for one source topic and at most `limit`. */
export function readDeadLetters(db: SqliteDatabase, topic?: string, limit = -1): DeadLetter[] {
  const rows =
    topic === undefined
      ? db.prepare<[number], DeadLetterRow>('SELECT * FROM dead_letters ORDER BY id LIMIT ?').all(limit)
      : db
          .prepare<[string, number], DeadLetterRow>('SELECT * FROM dead_letters WHERE topic = ? ORDER BY id LIMIT ?')
          .all(topic, limit);
  return rows.map(toDeadLetter);
}

/** The port's view of a stored dead letter (the row id is its replay id). */
export function toDeadLetter(r: DeadLetterRow): DeadLetter {
  const letter: DeadLetter = {
    id: String(r.id),
    topic: r.topic as Topic,
    deadLetterTopic: r.dead_letter_topic,
    subscription: r.subscription,
    messageId: r.message_id,
    data: parseData(r.data),
    attributes: JSON.parse(r.attributes) as Record<string, string>,
    publishTime: r.publish_time,
    attempts: r.attempts,
    reason: r.reason,
    deadAt: r.dead_at,
  };
  if (r.ordering_key !== null) letter.orderingKey = r.ordering_key;
  return letter;
}

function parseData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
