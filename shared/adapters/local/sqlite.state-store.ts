/**
 * The embedded state store: Firestore-like documents in one SQLite table.
 *
 * Transactions are serializable. In-process they queue on an async mutex (shared by every store
 * opened on the same file), so they do not conflict with each other. Across processes sharing the
 * file they are optimistic: reads record each document's `rev` (and each query's result), writes are
 * buffered, and the commit re-checks every read inside one `BEGIN IMMEDIATE` transaction; a changed
 * read re-runs the callback (the port allows it: callbacks have no side effects).
 * Non-transactional reads see committed data only, because nothing is written before commit.
 * Do not call `transaction` from inside a transaction callback: it would wait for itself.
 *
 * Opened with `bus` (an embedded bus on the same database file), the store shares the bus's connection
 * and its transactions gain `publish`: the messages are inserted into the bus's tables in the same
 * commit as the documents, then the bus's subscriptions are woken.
 */
import { PermanentError, TransientError } from '../../domain/errors.js';
import type { Doc, Found, QueryOptions, StateStore, Transaction } from '../../ports/state-store.js';
import { AsyncMutex } from './async-mutex.js';
import { DocumentTransaction, ReadConflict, serialise } from './sqlite/document-transaction.js';
import { DocumentStatements } from './sqlite/documents.js';
import { buildQuery } from './sqlite/json-query.js';
import { fileKey, openDatabase, type OpenOptions, type SqliteDatabase } from './sqlite/open.js';
import type { ColocatedBus } from './sqlite/colocated-bus.js';

/** Options of {@link SqliteStateStore}; see `SYNCHRONOUS_LEVELS` for the durability trade. */
export interface SqliteStateStoreOptions extends OpenOptions {
  /** Attempts before a contended transaction fails with STATE.CONTENTION; default 10. */
  maxAttempts?: number;
  /** Share the in-process queue with other stores on the same file (default true). False makes this
   *  instance behave like another process: only the optimistic commit check protects it (tests). */
  shareProcessQueue?: boolean;
  /** Clock for `updated_at`; default the system clock. */
  now?: () => Date;
  /** An embedded bus opened on the same `path`: share its connection, and publish inside transactions. */
  bus?: { shareConnection(): ColocatedBus };
}

const mutexes = new Map<string, AsyncMutex>();

/** Document state store on SQLite (WAL). */
export class SqliteStateStore implements StateStore {
  private readonly db: SqliteDatabase;
  private readonly statements: DocumentStatements;
  private readonly mutex: AsyncMutex;
  private readonly maxAttempts: number;
  private readonly now: () => Date;
  private closed = false;

  private readonly bus: ColocatedBus | undefined;

  constructor(options: SqliteStateStoreOptions) {
    this.bus = options.bus?.shareConnection();
    this.db = this.bus?.db ?? openDatabase(options);
    this.statements = new DocumentStatements(this.db);
    const key = options.shareProcessQueue === false ? undefined : fileKey(options.path);
    this.mutex = key === undefined ? new AsyncMutex() : (mutexes.get(key) ?? new AsyncMutex());
    if (key !== undefined) mutexes.set(key, this.mutex);
    this.maxAttempts = options.maxAttempts ?? 10;
    this.now = options.now ?? (() => new Date());
  }

  async get<T extends Doc = Doc>(collection: string, id: string): Promise<T | undefined> {
    this.assertOpen();
    const row = this.statements.get(collection, id);
    return row === undefined || row.data === null ? undefined : (JSON.parse(row.data) as T);
  }

  async query<T extends Doc = Doc>(collection: string, options?: QueryOptions): Promise<Found<T>[]> {
    this.assertOpen();
    return this.statements
      .query(buildQuery(collection, options))
      .map((row) => ({ id: row.id, data: JSON.parse(row.data) as T }));
  }

  async createIfAbsent(collection: string, id: string, data: Doc): Promise<boolean> {
    this.assertOpen();
    const json = serialise(collection, id, data);
    return this.statements.insert(collection, id, json, this.now().toISOString());
  }

  async transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    this.assertOpen();
    return this.mutex.runExclusive(async () => {
      for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
        const tx = new DocumentTransaction(this.statements, this.bus);
        const result = await fn(tx);
        try {
          this.commit(tx);
          tx.committed();
          return result;
        } catch (err) {
          if (!(err instanceof ReadConflict) && !isBusy(err)) throw err;
          await sleep(Math.random() * 2 ** Math.min(attempt, 6));
        }
      }
      throw new TransientError(
        'STATE.CONTENTION',
        `transaction gave up after ${this.maxAttempts} attempts: documents it read kept changing`,
      );
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Queued transactions finish first; a transaction started after close fails fast.
    await this.mutex.runExclusive(async () => undefined);
    if (this.bus) this.bus.release();
    else this.db.close();
  }

  private commit(tx: DocumentTransaction): void {
    const now = this.now().toISOString();
    this.db.transaction(() => tx.commitInsideTransaction(now)).immediate();
  }

  private assertOpen(): void {
    if (this.closed) throw new PermanentError('STATE.CLOSED', 'the state store is closed');
  }
}

function isBusy(err: unknown): boolean {
  return err instanceof Error && 'code' in err && (err.code === 'SQLITE_BUSY' || err.code === 'SQLITE_BUSY_SNAPSHOT');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
