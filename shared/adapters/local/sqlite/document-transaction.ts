/**
 * One attempt of a state-store transaction: reads go to committed data and record what they saw
 * (the `rev` of each document, absent ones as 0, and each query's result); writes are buffered.
 * `commit` re-checks every read and applies the writes inside one `BEGIN IMMEDIATE` transaction.
 */
import { PermanentError } from '../../../domain/errors.js';
import type { Doc, Found, QueryOptions, Transaction } from '../../../ports/state-store.js';
import { buildQuery } from './json-query.js';
import type { DocumentStatements } from './documents.js';
import type { OutgoingMessage } from '../../../ports/event-bus.js';
import type { NewMessage } from './bus-tables.js';
import type { ColocatedBus } from './colocated-bus.js';

type Write =
  | { kind: 'set' | 'create'; collection: string; id: string; data: string }
  | { kind: 'delete'; collection: string; id: string };

/** Thrown by `commit` when a read no longer holds; the store re-runs the callback. */
export class ReadConflict extends Error {}

/** The buffered transaction handed to the callback. */
export class DocumentTransaction implements Transaction {
  private readonly reads = new Map<string, number>();
  private readonly queries: { collection: string; options: QueryOptions | undefined; seen: string }[] = [];
  private readonly writes: Write[] = [];
  private readonly outgoing: NewMessage[] = [];
  /** Present when the store shares its database with the bus: the message is committed with the writes. */
  readonly publish?: (message: OutgoingMessage) => void;

  constructor(
    private readonly statements: DocumentStatements,
    private readonly bus?: ColocatedBus,
  ) {
    if (bus) this.publish = (message) => void this.outgoing.push(bus.prepare(message));
  }

  async get<T extends Doc = Doc>(collection: string, id: string): Promise<T | undefined> {
    this.assertNoWrites('get');
    const row = this.statements.get(collection, id);
    this.record(collection, id, row?.rev ?? 0);
    return row?.data === null || row === undefined ? undefined : (JSON.parse(row.data) as T);
  }

  async query<T extends Doc = Doc>(collection: string, options?: QueryOptions): Promise<Found<T>[]> {
    this.assertNoWrites('query');
    const rows = this.statements.query(buildQuery(collection, options));
    for (const row of rows) this.record(collection, row.id, row.rev);
    this.queries.push({ collection, options, seen: fingerprint(rows) });
    return rows.map((row) => ({ id: row.id, data: JSON.parse(row.data) as T }));
  }

  set(collection: string, id: string, data: Doc): void {
    this.writes.push({ kind: 'set', collection, id, data: serialise(collection, id, data) });
  }

  create(collection: string, id: string, data: Doc): void {
    this.writes.push({ kind: 'create', collection, id, data: serialise(collection, id, data) });
  }

  delete(collection: string, id: string): void {
    checkKey(collection, id);
    this.writes.push({ kind: 'delete', collection, id });
  }

  /**
   * Validate reads and apply writes. Must run inside `BEGIN IMMEDIATE` (the caller's job), so nothing
   * can change between the checks and the writes. Throws ReadConflict, or STATE.ALREADY_EXISTS.
   */
  commitInsideTransaction(now: string): void {
    for (const [key, rev] of this.reads) {
      const [collection, id] = splitKey(key);
      if ((this.statements.get(collection, id)?.rev ?? 0) !== rev)
        throw new ReadConflict(`${collection}/${id} changed`);
    }
    for (const q of this.queries) {
      if (fingerprint(this.statements.query(buildQuery(q.collection, q.options))) !== q.seen) {
        throw new ReadConflict(`query on ${q.collection} changed`);
      }
    }
    for (const w of this.writes) {
      if (w.kind === 'delete') this.statements.remove(w.collection, w.id, now);
      else if (w.kind === 'set') this.statements.upsert(w.collection, w.id, w.data, now);
      else if (!this.statements.insert(w.collection, w.id, w.data, now)) {
        throw new PermanentError('STATE.ALREADY_EXISTS', `${w.collection}/${w.id} already exists`, {
          collection: w.collection,
          id: w.id,
        });
      }
    }
    if (this.outgoing.length > 0) this.bus?.insert(this.outgoing, Date.now());
  }

  /** After a successful commit: let the bus deliver what this transaction published. */
  committed(): void {
    this.bus?.committed(this.outgoing);
  }

  /** Whether the attempt wrote anything. */
  get hasWrites(): boolean {
    return this.writes.length > 0;
  }

  private record(collection: string, id: string, rev: number): void {
    const key = `${collection}\u0000${id}`;
    // Keep the first observation: if a later read differs, commit detects it as a conflict.
    if (!this.reads.has(key)) this.reads.set(key, rev);
  }

  private assertNoWrites(op: string): void {
    if (this.writes.length > 0) {
      throw new PermanentError(
        'STATE.READ_AFTER_WRITE',
        `transaction ${op} after a write: all reads must come before the first write`,
      );
    }
  }
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}

function fingerprint(rows: readonly { id: string; rev: number }[]): string {
  return rows.map((r) => `${r.id}@${r.rev}`).join('\n');
}

/** Reject empty names early, with the offending value. */
export function checkKey(collection: string, id: string): void {
  if (collection === '' || collection.startsWith('/') || collection.endsWith('/')) {
    throw new PermanentError('STATE.INVALID_KEY', `collection "${collection}" is invalid`);
  }
  if (id === '' || id.includes('/')) throw new PermanentError('STATE.INVALID_KEY', `document id "${id}" is invalid`);
}

/** JSON text of a document; rejects non-objects. */
export function serialise(collection: string, id: string, data: Doc): string {
  checkKey(collection, id);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new PermanentError('STATE.INVALID_DOCUMENT', `${collection}/${id}: a document must be a JSON object`);
  }
  return JSON.stringify(data);
}
