/**
 * One-time import of a bus that lived in its own file (`bus.db`, before state and bus shared one
 * database): its subscriptions, every message still owed to a subscription (with its id, so a
 * message deduplicated on its id stays deduplicated), those deliveries with their attempts, and its
 * dead letters. The import is recorded in the same transaction, so a crash before the old file is
 * set aside cannot import it twice; afterwards the file is renamed `<name>.imported`.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import type { SqliteDatabase } from './open.js';

/** What was carried over. */
export interface LegacyImport {
  subscriptions: number;
  deliveries: number;
  deadLetters: number;
}

const IMPORTS_TABLE = 'CREATE TABLE IF NOT EXISTS bus_imports (path TEXT PRIMARY KEY, imported_at TEXT NOT NULL)';

/** Import `legacyPath` into `db` (whose bus tables exist) unless done before; undefined when there is nothing to import. */
export function importLegacyBus(db: SqliteDatabase, legacyPath: string): LegacyImport | undefined {
  if (!existsSync(legacyPath)) return undefined;
  db.exec(IMPORTS_TABLE);
  const done = db.prepare<[string], { path: string }>('SELECT path FROM bus_imports WHERE path = ?').get(legacyPath);
  let counts: LegacyImport | undefined;
  if (done === undefined) {
    db.prepare('ATTACH DATABASE ? AS legacy').run(legacyPath);
    try {
      counts = db.transaction(() => copy(db, legacyPath))();
      db.pragma('legacy.wal_checkpoint(TRUNCATE)');
    } finally {
      db.exec('DETACH DATABASE legacy');
    }
  }
  setAside(legacyPath);
  return counts;
}

function copy(db: SqliteDatabase, legacyPath: string): LegacyImport {
  const has = (table: string): boolean =>
    db
      .prepare<[string], { n: number }>(
        `SELECT COUNT(*) AS n FROM legacy.sqlite_master WHERE type = 'table' AND name = ?`,
      )
      .get(table)?.n === 1;
  const counts: LegacyImport = { subscriptions: 0, deliveries: 0, deadLetters: 0 };
  if (has('bus_subscriptions')) {
    counts.subscriptions = db
      .prepare(
        'INSERT OR IGNORE INTO bus_subscriptions (name, topic, acked, created_at) SELECT name, topic, acked, created_at FROM legacy.bus_subscriptions',
      )
      .run().changes;
  }
  if (has('bus_messages') && has('bus_deliveries')) {
    db.prepare(
      `INSERT OR IGNORE INTO bus_messages (id, topic, data, attributes, ordering_key, publish_time, unrouted)
      SELECT id, topic, data, attributes, ordering_key, publish_time, unrouted FROM legacy.bus_messages
      WHERE unrouted = 1 OR id IN (SELECT message_id FROM legacy.bus_deliveries)`,
    ).run();
    // In-flight deliveries of the old process become pending again; their attempts still count.
    counts.deliveries = db
      .prepare(
        `INSERT INTO bus_deliveries (subscription, message_id, ordering_key, state, attempts, next_at, last_error)
      SELECT subscription, message_id, ordering_key, 'pending', attempts, next_at, last_error FROM legacy.bus_deliveries ORDER BY seq`,
      )
      .run().changes;
  }
  if (has('dead_letters')) {
    counts.deadLetters = db
      .prepare(
        `INSERT INTO dead_letters
      (topic, dead_letter_topic, subscription, message_id, data, attributes, ordering_key, publish_time, attempts, reason, dead_at)
      SELECT topic, dead_letter_topic, subscription, message_id, data, attributes, ordering_key, publish_time, attempts, reason, dead_at
      FROM legacy.dead_letters ORDER BY id`,
      )
      .run().changes;
  }
  db.prepare('INSERT INTO bus_imports (path, imported_at) VALUES (?, ?)').run(legacyPath, new Date().toISOString());
  return counts;
}

/** Rename the old file (and drop its WAL side files, already folded in by the import's read). */
function setAside(legacyPath: string): void {
  renameSync(legacyPath, `${legacyPath}.imported`);
  for (const suffix of ['-wal', '-shm']) rmSync(`${legacyPath}${suffix}`, { force: true });
}
