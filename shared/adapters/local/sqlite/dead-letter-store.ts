/**
 * The embedded bus's dead letters as the DeadLetters port. A replay puts the message back, with its
 * original id, data, attributes and ordering key, as a fresh delivery to the subscription that gave up
 * on it, and removes the dead letter, in one transaction: a replay is never half done, and a second
 * replay of the same id finds nothing to do.
 */
import type { DeadLetters, DeadLetterSelector, ReplayResult } from '../../../ports/dead-letters.js';
import { selects } from '../../../ports/dead-letters.js';
import type { Topic } from '../../../domain/topics.js';
import { readDeadLetters, toDeadLetter, type DeadLetter, type DeadLetterRow } from './bus-schema.js';
import type { SqliteDatabase } from './open.js';

/** Dead letters of the bus on `db`; `replayed` wakes the subscriptions of the replayed topics. */
export class SqliteDeadLetters implements DeadLetters {
  private readonly replayTx: (
    rows: readonly DeadLetterRow[],
    now: number,
  ) => { replayed: DeadLetterRow[]; skipped: ReplayResult['skipped'] };

  constructor(
    private readonly db: SqliteDatabase,
    private readonly replayed: (topics: ReadonlySet<string>) => void,
    private readonly beforeUse: () => void,
  ) {
    const subscriptionExists = db.prepare<[string], { n: number }>(
      'SELECT COUNT(*) AS n FROM bus_subscriptions WHERE name = ?',
    );
    // The message row may have been pruned since; it comes back under its own id (ids are never reused).
    const restoreMessage =
      db.prepare(`INSERT OR IGNORE INTO bus_messages (id, topic, data, attributes, ordering_key, publish_time, unrouted)
      VALUES (?, ?, ?, ?, ?, ?, 0)`);
    const deliver =
      db.prepare(`INSERT INTO bus_deliveries (subscription, message_id, ordering_key, state, attempts, next_at)
      VALUES (?, ?, ?, 'pending', 0, ?)`);
    const remove = db.prepare('DELETE FROM dead_letters WHERE id = ?');
    this.replayTx = db.transaction((rows: readonly DeadLetterRow[], now: number) => {
      const done: DeadLetterRow[] = [];
      const skipped: ReplayResult['skipped'] = [];
      for (const r of rows) {
        if (subscriptionExists.get(r.subscription)?.n !== 1) {
          skipped.push({ id: String(r.id), reason: `subscription ${r.subscription} no longer exists` });
          continue;
        }
        // Gone meanwhile: replayed by another process sharing the file.
        if (remove.run(r.id).changes === 0) continue;
        restoreMessage.run(Number(r.message_id), r.topic, r.data, r.attributes, r.ordering_key, r.publish_time);
        deliver.run(r.subscription, Number(r.message_id), r.ordering_key, now);
        done.push(r);
      }
      return { replayed: done, skipped };
    });
  }

  async list(options: { topic?: Topic; limit?: number } = {}): Promise<DeadLetter[]> {
    this.beforeUse();
    return readDeadLetters(this.db, options.topic, options.limit);
  }

  async replay(selector: DeadLetterSelector): Promise<ReplayResult> {
    this.beforeUse();
    const rows = this.db
      .prepare<[], DeadLetterRow>('SELECT * FROM dead_letters ORDER BY id')
      .all()
      .filter((r) => selects(selector, toDeadLetter(r)));
    const found = new Set(rows.map((r) => String(r.id)));
    const missing = (selector.ids ?? [])
      .filter((id) => !found.has(id))
      .map((id) => ({ id, reason: 'no such dead letter (already replayed?)' }));
    const { replayed, skipped } = this.replayTx(rows, Date.now());
    this.replayed(new Set(replayed.map((r) => r.topic)));
    return { replayed: replayed.length, skipped: [...missing, ...skipped] };
  }
}
