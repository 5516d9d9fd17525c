/**
 * The idempotency ledger (`processed/{hash(key)}`): one entry per processed dedupe key, with the
 * recorded outcome and its outbox (effects, then messages). The outbox lease fields say who is
 * driving the outbox and until when; each outbox item records when it was done.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseStored } from '../domain/state.js';
import type { OutgoingMessage } from '../ports/event-bus.js';
import type { Doc } from '../ports/state-store.js';
import type { DocReader } from './documents.js';

/** Collection of the idempotency ledger. */
export const LEDGER = 'processed';

/** A side effect to perform after commit; executors must be idempotent (deterministic ids, check-then-act). */
export interface Effect {
  type: string;
  payload: Doc;
}

/** One outbox entry: a message to publish or an effect to perform. */
export type OutboxEntry =
  | { id: string; kind: 'message'; message: OutgoingMessage; doneAt?: string }
  | { id: string; kind: 'effect'; effect: Effect; doneAt?: string };

/** A ledger entry, stored at `processed/{hash(key)}`. */
export interface LedgerEntry extends Doc {
  key: string;
  handler: string;
  status: 'applied' | 'rejected';
  outcome: Doc;
  outbox: OutboxEntry[];
  pending: boolean;
  messageId: string;
  topic: string;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
  /** Epoch ms until which `leaseOwner` may drive the outbox; renewed while it runs. */
  leaseUntil?: number;
  /** The fencing token of the driver holding the lease. */
  leaseOwner?: string;
}

const doc = z.record(z.string(), z.unknown());
const outboxEntrySchema = z.discriminatedUnion('kind', [
  z.looseObject({
    id: z.string(),
    kind: z.literal('message'),
    message: z.looseObject({ topic: z.string(), data: z.unknown() }),
    doneAt: z.string().optional(),
  }),
  z.looseObject({
    id: z.string(),
    kind: z.literal('effect'),
    effect: z.looseObject({ type: z.string(), payload: doc }),
    doneAt: z.string().optional(),
  }),
]);
const ledgerEntrySchema = z.looseObject({
  key: z.string(),
  handler: z.string(),
  status: z.enum(['applied', 'rejected']),
  outcome: doc,
  outbox: z.array(outboxEntrySchema),
  pending: z.boolean(),
  messageId: z.string(),
  topic: z.string(),
  correlationId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  leaseUntil: z.number().optional(),
  leaseOwner: z.string().optional(),
});

/** Read a ledger entry, checked against its schema (STATE.INVALID_DOCUMENT names a bad field). */
export async function getLedgerEntry(reader: DocReader, id: string): Promise<LedgerEntry | undefined> {
  const raw = await reader.get(LEDGER, id);
  return raw === undefined ? undefined : (parseStored(ledgerEntrySchema, `${LEDGER}/${id}`, raw) as LedgerEntry);
}

/** Ledger document id for a dedupe key (Firestore ids cannot contain '/'). */
export function ledgerId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

/** Deterministic id derived from a key and a suffix: the same delivery always produces the same ids. */
export function derivedId(prefix: string, key: string, length = 12): string {
  return `${prefix}-${createHash('sha256').update(key).digest('hex').slice(0, length)}`;
}

/** The entry's items not yet done, in order. */
export function undone(entry: LedgerEntry): OutboxEntry[] {
  return entry.outbox.filter((o) => o.doneAt === undefined);
}
