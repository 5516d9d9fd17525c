/**
 * State store port: a document store with collections addressed by path
 * (`models`, `models/ipo-valuation/versions`), in the manner of Firestore.
 */
import type { OutgoingMessage } from './event-bus.js';

/** A stored document: plain JSON. */
export type Doc = Record<string, unknown>;

/** Comparison operators supported by `query`. */
export const WHERE_OPS = ['==', '!=', '<', '<=', '>', '>=', 'in'] as const;
/** A comparison operator. */
export type WhereOp = (typeof WHERE_OPS)[number];

/** One field filter; `field` may be a dotted path into the document. */
export interface Where {
  field: string;
  op: WhereOp;
  value: unknown;
}

/** Query options. */
export interface QueryOptions {
  where?: Where[];
  orderBy?: { field: string; direction?: 'asc' | 'desc' };
  limit?: number;
}

/** A document with its id. */
export interface Found<T extends Doc = Doc> {
  id: string;
  data: T;
}

/**
 * A read-modify-write transaction. All reads must happen before the first write (Firestore's rule).
 * The callback may be re-run on contention, so it must have no side effects outside `tx`.
 */
export interface Transaction {
  get<T extends Doc = Doc>(collection: string, id: string): Promise<T | undefined>;
  query<T extends Doc = Doc>(collection: string, options?: QueryOptions): Promise<Found<T>[]>;
  /** Create or replace a document. */
  set(collection: string, id: string, data: Doc): void;
  /** Create a document; the transaction fails with STATE.ALREADY_EXISTS if it exists at commit. */
  create(collection: string, id: string, data: Doc): void;
  delete(collection: string, id: string): void;
  /**
   * Only on a store that shares its database with the event bus (the embedded stack): publish a message
   * as part of this transaction, so it is committed with the writes, or not at all. Absent elsewhere
   * (Firestore + Pub/Sub), where the outbox publishes after commit.
   */
  publish?(message: OutgoingMessage): void;
}

/** The state store. */
export interface StateStore {
  get<T extends Doc = Doc>(collection: string, id: string): Promise<T | undefined>;
  query<T extends Doc = Doc>(collection: string, options?: QueryOptions): Promise<Found<T>[]>;
  /** Create the document unless it exists; returns whether it was created. */
  createIfAbsent(collection: string, id: string, data: Doc): Promise<boolean>;
  /** Run a serializable read-modify-write transaction, retried on contention. */
  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R>;
  /** Release connections. */
  close(): Promise<void>;
}
