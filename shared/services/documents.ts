/**
 * Typed reads of stored documents: every document read by the use cases is checked against its zod
 * schema (`SCHEMAS` in domain/state.ts) instead of being cast, so a malformed document is a clear
 * `STATE.INVALID_DOCUMENT` naming the field.
 */
import type { z } from 'zod';
import { parseStored } from '../domain/state.js';
import type { Found, QueryOptions, StateStore, Transaction } from '../ports/state-store.js';

/** Anything that reads documents: a transaction or the store itself. */
export type DocReader = Pick<Transaction, 'get' | 'query'> | Pick<StateStore, 'get' | 'query'>;

/** Read one document and check it; undefined when it does not exist. */
export async function getDoc<S extends z.ZodType>(
  reader: DocReader,
  schema: S,
  collection: string,
  id: string,
): Promise<z.output<S> | undefined> {
  const raw = await reader.get(collection, id);
  return raw === undefined ? undefined : parseStored(schema, `${collection}/${id}`, raw);
}

/** Query documents and check each one. */
export async function queryDocs<S extends z.ZodType>(
  reader: DocReader,
  schema: S,
  collection: string,
  options?: QueryOptions,
): Promise<Found<z.output<S> & Record<string, unknown>>[]> {
  const found = await reader.query(collection, options);
  return found.map((f) => ({
    id: f.id,
    data: parseStored(schema, `${collection}/${f.id}`, f.data) as z.output<S> & Record<string, unknown>,
  }));
}
