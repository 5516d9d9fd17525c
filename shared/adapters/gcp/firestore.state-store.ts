/**
 * Firestore adapter of the state store port. The SDK is imported on first use (cold start).
 *
 * - Collections are slash paths (`models/ipo-valuation/versions`) and map to `db.collection(path)`.
 * - Document ids cannot contain '/': callers pass safe ids (hashes, slugs); an id with '/' is a
 *   PermanentError `STATE.INVALID_KEY` rather than a silently nested document.
 * - Queries are validated as the embedded adapter does (`STATE.INVALID_QUERY`), so both backends
 *   reject the same mistakes; Firestore itself orders by document id when no `orderBy` is given.
 * - `undefined` properties are dropped (`ignoreUndefinedProperties`), as JSON would drop them, and
 *   NaN/Infinity are stored as null, as JSON (and so the SQLite store) would store them: Firestore
 *   itself keeps non-finite doubles, which the stored-document schemas then refuse to read.
 * - Firestore cannot store an array directly inside an array; such values are wrapped on write and
 *   unwrapped on read, so any JSON document round-trips (nested arrays are not queryable).
 * - The emulator is picked up by the SDK from FIRESTORE_EMULATOR_HOST.
 */
import type { DocumentReference, Firestore, Query, Transaction as FsTransaction } from '@google-cloud/firestore';
import { AppError, PermanentError, TransientError, errorMessage } from '../../domain/errors.js';
import {
  WHERE_OPS,
  type Doc,
  type Found,
  type QueryOptions,
  type StateStore,
  type Transaction,
  type Where,
} from '../../ports/state-store.js';
import { GRPC, grpcCode, lazy, type Lazy } from './lazy.js';

/** Options of the Firestore state store. */
export interface FirestoreStateStoreOptions {
  projectId: string;
  /** Database id; `(default)` when omitted. */
  databaseId?: string;
  /** Attempts of a contended transaction before STATE.CONTENTION; the SDK's default is 5. */
  maxAttempts?: number;
  /**
   * Use HTTP/1.1 REST for unary calls instead of gRPC (the SDK switches to gRPC when a streaming call
   * needs it): no gRPC channel set-up on the first call, a shorter cold start.
   */
  preferRest?: boolean;
  /** An auth client; the emulator needs a placeholder one over REST (the SDK's gRPC path sends `Bearer owner` by itself). */
  authClient?: object;
}

/** The message the SDK throws when a transaction reads after writing. */
const READ_AFTER_WRITE = 'Firestore transactions require all reads to be executed before all writes';
/** Map key that marks a wrapped inner array (Firestore rejects arrays inside arrays). */
const NESTED_ARRAY_KEY = '~array';

/** The state store on Firestore (Native mode). */
export class FirestoreStateStore implements StateStore {
  private readonly db: Lazy<Firestore>;
  private readonly maxAttempts: number | undefined;
  private closed = false;

  constructor(options: FirestoreStateStoreOptions) {
    this.maxAttempts = options.maxAttempts;
    this.db = lazy(async () => {
      const { Firestore } = await import('@google-cloud/firestore');
      return new Firestore({
        projectId: options.projectId,
        databaseId: options.databaseId,
        ignoreUndefinedProperties: true,
        ...(options.preferRest ? { preferRest: true } : {}),
        ...(options.authClient ? { authClient: options.authClient as never } : {}),
      });
    });
  }

  /** Read one document. */
  async get<T extends Doc = Doc>(collection: string, id: string): Promise<T | undefined> {
    const db = await this.open();
    return guard(async () => snapshotData<T>(await docRef(db, collection, id).get()));
  }

  /** Query a collection by field filters (dotted paths allowed), order and limit. */
  async query<T extends Doc = Doc>(collection: string, options: QueryOptions = {}): Promise<Found<T>[]> {
    const db = await this.open();
    const query = buildQuery(db, collection, options);
    return query ? guard(async () => found<T>(await query.get())) : [];
  }

  /** Create the document unless it exists; returns whether it was created. */
  async createIfAbsent(collection: string, id: string, data: Doc): Promise<boolean> {
    const db = await this.open();
    try {
      await docRef(db, collection, id).create(encode(data));
      return true;
    } catch (err) {
      if (grpcCode(err) === GRPC.ALREADY_EXISTS) return false;
      throw mapError(err);
    }
  }

  /**
   * Run `fn` in `db.runTransaction`, which re-runs it on contention (up to 5 attempts), so `fn` must
   * have no side effects outside `tx`: no publishing, no external calls, no mutation of outer state.
   */
  async transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    const db = await this.open();
    return guard(() =>
      db.runTransaction((t) => fn(new FirestoreTransaction(db, t)), { maxAttempts: this.maxAttempts }),
    );
  }

  /** Terminate the client if it was ever created; later calls fail with STATE.CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.db.peek();
    if (pending) await (await pending).terminate();
  }

  private async open(): Promise<Firestore> {
    if (this.closed) throw new PermanentError('STATE.CLOSED', 'the state store is closed');
    return this.db.get();
  }
}

/** The port's transaction over a Firestore transaction; enforces reads-before-writes up front. */
class FirestoreTransaction implements Transaction {
  private wrote = false;

  constructor(
    private readonly db: Firestore,
    private readonly tx: FsTransaction,
  ) {}

  async get<T extends Doc = Doc>(collection: string, id: string): Promise<T | undefined> {
    this.assertNoWrites();
    return snapshotData<T>(await this.tx.get(docRef(this.db, collection, id)));
  }

  async query<T extends Doc = Doc>(collection: string, options: QueryOptions = {}): Promise<Found<T>[]> {
    this.assertNoWrites();
    const query = buildQuery(this.db, collection, options);
    return query ? found<T>(await this.tx.get(query)) : [];
  }

  set(collection: string, id: string, data: Doc): void {
    this.tx.set(docRef(this.db, collection, id), encode(data));
    this.wrote = true;
  }

  create(collection: string, id: string, data: Doc): void {
    this.tx.create(docRef(this.db, collection, id), encode(data));
    this.wrote = true;
  }

  delete(collection: string, id: string): void {
    this.tx.delete(docRef(this.db, collection, id));
    this.wrote = true;
  }

  private assertNoWrites(): void {
    if (this.wrote) throw readAfterWrite();
  }
}

function readAfterWrite(): PermanentError {
  return new PermanentError('STATE.READ_AFTER_WRITE', `${READ_AFTER_WRITE}.`);
}

function docRef(db: Firestore, collection: string, id: string): DocumentReference {
  if (id === '' || id.includes('/')) {
    throw new PermanentError(
      'STATE.INVALID_KEY',
      `document id "${id}" is invalid: it must be non-empty and contain no '/'`,
      { collection, id },
    );
  }
  try {
    return db.collection(collection).doc(id);
  } catch (err) {
    throw new PermanentError('STATE.INVALID_KEY', `collection "${collection}" is invalid: ${errorMessage(err)}`, {
      collection,
      id,
    });
  }
}

/** The Firestore query, or undefined when `limit: 0` makes the answer empty. */
function buildQuery(db: Firestore, collection: string, options: QueryOptions): Query | undefined {
  const { limit } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new PermanentError('STATE.INVALID_QUERY', `limit must be a non-negative integer, got ${limit}`);
  }
  (options.where ?? []).forEach(checkWhere);
  try {
    let query: Query = db.collection(collection);
    for (const w of options.where ?? []) query = query.where(w.field, w.op, w.value);
    if (options.orderBy) query = query.orderBy(options.orderBy.field, options.orderBy.direction ?? 'asc');
    if (limit === 0) return undefined;
    return limit === undefined ? query : query.limit(limit);
  } catch (err) {
    // The SDK validates paths and operands synchronously with plain Errors.
    throw new PermanentError('STATE.INVALID_QUERY', `query on "${collection}" is invalid: ${errorMessage(err)}`, {
      collection,
    });
  }
}

function checkWhere({ field, op, value }: Where): void {
  const invalid = (why: string): PermanentError =>
    new PermanentError('STATE.INVALID_QUERY', `where ${field} ${String(op)}: ${why}`);
  if (!(WHERE_OPS as readonly string[]).includes(op)) throw invalid(`operator is not one of ${WHERE_OPS.join(' ')}`);
  if (field === '' || field.split('.').some((s) => s === '')) throw invalid('field path must be dot-separated names');
  if (value === undefined) throw invalid('value is undefined');
  if (op === 'in' && (!Array.isArray(value) || value.length === 0)) throw invalid('value must be a non-empty array');
  const rangeOperand = typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';
  if (['<', '<=', '>', '>='].includes(op) && !rangeOperand)
    throw invalid('range comparisons need a number, string or boolean');
}

function snapshotData<T extends Doc>(snap: { exists: boolean; data(): unknown }): T | undefined {
  return snap.exists ? (decode(snap.data()) as T) : undefined;
}

function found<T extends Doc>(result: { docs: { id: string; data(): unknown }[] }): Found<T>[] {
  return result.docs.map((d) => ({ id: d.id, data: decode(d.data()) as T }));
}

/** Wrap arrays that sit directly inside arrays, which Firestore cannot store; non-finite numbers become null. */
function encode<T>(value: T, inArray = false): T {
  if (typeof value === 'number' && !Number.isFinite(value)) return null as T;
  if (Array.isArray(value)) {
    const items = value.map((v: unknown) => encode(v, true));
    return (inArray ? { [NESTED_ARRAY_KEY]: items } : items) as T;
  }
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)])) as T;
  }
  return value;
}

/** Undo `encode`. */
function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === NESTED_ARRAY_KEY && Array.isArray(value[NESTED_ARRAY_KEY])) {
      return decode(value[NESTED_ARRAY_KEY]);
    }
    return Object.fromEntries(keys.map((k) => [k, decode(value[k])]));
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw mapError(err);
  }
}

/** Map SDK errors (after the SDK's own retries) to the error model; AppErrors pass through. */
function mapError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const message = errorMessage(err);
  const details = { grpcCode: grpcCode(err), cause: message };
  if (message.startsWith(READ_AFTER_WRITE)) return readAfterWrite();
  switch (grpcCode(err)) {
    case GRPC.ALREADY_EXISTS:
      return new PermanentError('STATE.ALREADY_EXISTS', `document already exists: ${message}`, details);
    case GRPC.ABORTED:
      return new TransientError('STATE.CONTENTION', `transaction aborted by contention: ${message}`, details);
    case GRPC.UNAVAILABLE:
    case GRPC.DEADLINE_EXCEEDED:
    case GRPC.RESOURCE_EXHAUSTED:
    case GRPC.CANCELLED:
      return new TransientError('STATE.UNAVAILABLE', `Firestore unavailable: ${message}`, details);
    case GRPC.INVALID_ARGUMENT:
      if (/transaction has expired/i.test(message)) {
        return new TransientError('STATE.CONTENTION', `transaction expired: ${message}`, details);
      }
      return new PermanentError('STATE.INVALID_REQUEST', `Firestore rejected the request: ${message}`, details);
    case GRPC.FAILED_PRECONDITION:
      return new PermanentError('STATE.INVALID_REQUEST', `Firestore rejected the request: ${message}`, details);
    default:
      return err;
  }
}
