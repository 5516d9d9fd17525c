/**
 * The seam between the embedded bus and a state store on the same SQLite database: the bus lends
 * its connection, and the store's transactions insert messages into the bus's tables in their own
 * commit (a transactional outbox with no separate publish step). Firestore and Pub/Sub have no such
 * seam; there the outbox publishes after commit.
 */
import type { OutgoingMessage } from '../../../ports/event-bus.js';
import type { NewMessage } from './bus-tables.js';
import type { SqliteDatabase } from './open.js';

/** A bus sharing its connection with a state store. */
export interface ColocatedBus {
  /** The connection both use; it stays open until the bus is closed and every sharer released it. */
  readonly db: SqliteDatabase;
  /** Validate and serialise a message now (a PermanentError names the problem), to insert at commit. */
  prepare(message: OutgoingMessage): NewMessage;
  /** Insert prepared messages and fan them out; only inside a transaction on `db`. */
  insert(messages: readonly NewMessage[], now: number): void;
  /** After the enclosing transaction committed: wake the subscriptions of these messages' topics. */
  committed(messages: readonly NewMessage[]): void;
  /** Stop sharing the connection. */
  release(): void;
}
