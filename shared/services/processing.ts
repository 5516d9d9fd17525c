/**
 * The one processing mechanism every handler uses: "at-least-once in, exactly-once effects".
 *
 * 1. In one transaction: if the dedupe key is in the ledger, return its recorded outcome; otherwise
 *    read state, decide (pure domain code), write the new state, the ledger entry and the outbox.
 * 2. After commit: run the outbox (idempotent side effects, then messages), mark it done.
 * 3. A redelivery finds the ledger entry and re-drives whatever is still unsent; the reconciler
 *    re-drives stale outboxes whose redelivery never came.
 * Nothing inside the transaction callback touches the outside world: Firestore re-runs it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PermanentError, errorCode, errorMessage } from '../domain/errors.js';
import type { Topic } from '../domain/topics.js';
import type { OutgoingMessage, EventBus } from '../ports/event-bus.js';
import type { Logger } from '../ports/logger.js';
import type { Doc, StateStore, Transaction } from '../ports/state-store.js';

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
}

/** What a decision produces besides its state writes. */
export interface Decision {
  /** A JSON summary of what was decided, returned to duplicates. */
  outcome: Doc;
  /** Effects, performed after commit in order, before messages. */
  effects?: Effect[];
  messages?: OutgoingMessage[];
}

/** Performs one effect type. */
export type EffectExecutor = (effect: Effect) => Promise<void>;

/** What the mechanism needs. */
export interface ProcessingDeps {
  store: StateStore;
  bus: EventBus;
  effects: Record<string, EffectExecutor>;
  logger: Logger;
  clock: () => Date;
}

/** Identity of the message being processed. */
export interface MessageIdentity {
  handler: string;
  dedupeKey: string;
  messageId: string;
  topic: Topic | string;
  correlationId: string;
}

/** The result of processing: the recorded outcome and whether this delivery was a duplicate. */
export interface Processed {
  outcome: Doc;
  status: 'applied' | 'rejected';
  duplicate: boolean;
}

/** Ledger document id for a dedupe key (Firestore ids cannot contain '/'). */
export function ledgerId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

/** Deterministic id derived from a key and a suffix: the same delivery always produces the same ids. */
export function derivedId(prefix: string, key: string, length = 12): string {
  return `${prefix}-${createHash('sha256').update(key).digest('hex').slice(0, length)}`;
}

/**
 * Process one message exactly once. A permanent error from `decide` (illegal transition, unknown
 * version, unauthorized actor) discards the decision's writes and is recorded as a rejection.
 */
export async function processOnce(
  deps: ProcessingDeps,
  identity: MessageIdentity,
  decide: (tx: Transaction, now: Date) => Promise<Decision>,
): Promise<Processed> {
  const id = ledgerId(identity.dedupeKey);
  const owner = randomUUID();
  let result: { entry: LedgerEntry; duplicate: boolean };
  try {
    result = await deps.store.transaction(async (tx) => {
      const existing = await tx.get<LedgerEntry>(LEDGER, id);
      if (existing) return { entry: existing, duplicate: true };
      const now = deps.clock();
      let decision: Decision;
      try {
        decision = await decide(tx, now);
      } catch (err) {
        // Thrown out of the transaction, so the store discards whatever the decision wrote before refusing.
        if (err instanceof PermanentError) throw new Refusal(err);
        throw err;
      }
      const entry = ledgerEntry(identity, id, decision, now);
      // The creator holds the outbox lease from the start, so it can drive without another commit.
      if (entry.pending) Object.assign(entry, { leaseUntil: now.getTime() + OUTBOX_LEASE_MS, leaseOwner: owner });
      tx.create(LEDGER, id, entry);
      return { entry, duplicate: false };
    });
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    // The decision's writes were discarded with its transaction; record the rejection on its own.
    await recordRejection(deps, identity, err.error);
    return { outcome: { kind: 'rejected', code: err.error.code, message: err.error.message }, status: 'rejected', duplicate: false };
  }
  if (result.duplicate) {
    deps.logger.log('INFO', `duplicate delivery of ${identity.dedupeKey} ignored`, { correlationId: identity.correlationId, handler: identity.handler, messageId: identity.messageId });
  }
  if (result.entry.pending) await driveOutbox(deps, id, result.duplicate ? undefined : { owner, entry: result.entry });
  return { outcome: result.entry.outcome, status: result.entry.status, duplicate: result.duplicate };
}

/** A decision's permanent error, carried out of the transaction callback so the transaction aborts. */
class Refusal extends Error {
  constructor(readonly error: PermanentError) {
    super(error.message);
  }
}

/** Record a permanent rejection (poison or refused command) in the ledger and the audit log; changes nothing else. */
export async function recordRejection(deps: ProcessingDeps, identity: MessageIdentity, err: unknown, raw?: string): Promise<void> {
  const id = ledgerId(identity.dedupeKey);
  const now = deps.clock().toISOString();
  const reason = { code: errorCode(err), message: errorMessage(err) };
  const entry: LedgerEntry = {
    key: identity.dedupeKey, handler: identity.handler, status: 'rejected', outcome: { kind: 'rejected', ...reason },
    outbox: [], pending: false, messageId: identity.messageId, topic: identity.topic, correlationId: identity.correlationId,
    createdAt: now, updatedAt: now, ...(raw === undefined ? {} : { raw: raw.slice(0, 4096) }),
  };
  await deps.store.createIfAbsent(LEDGER, id, entry);
  await deps.store.createIfAbsent('audit', `${now.replace(/[^0-9]/g, '')}-${id.slice(0, 12)}`, {
    at: now, actor: identity.handler, action: 'message.rejected', subject: { kind: 'message', id: identity.messageId },
    reason: reason.message, code: reason.code, correlationId: identity.correlationId, topic: identity.topic,
  });
  deps.logger.log('WARNING', `rejected ${identity.topic} message ${identity.messageId}: ${reason.message}`, { correlationId: identity.correlationId, code: reason.code, handler: identity.handler });
}

function ledgerEntry(identity: MessageIdentity, id: string, decision: Decision, now: Date): LedgerEntry {
  const outbox: OutboxEntry[] = [];
  for (const effect of decision.effects ?? []) outbox.push({ id: `${id}:${outbox.length}`, kind: 'effect', effect });
  for (const message of decision.messages ?? []) {
    const entryId = `${id}:${outbox.length}`;
    const attributes = { idempotencyKey: entryId, correlationId: identity.correlationId, ...message.attributes };
    outbox.push({ id: entryId, kind: 'message', message: { ...message, attributes } });
  }
  const at = now.toISOString();
  return {
    key: identity.dedupeKey, handler: identity.handler, status: 'applied', outcome: decision.outcome, outbox,
    pending: outbox.length > 0, messageId: identity.messageId, topic: identity.topic, correlationId: identity.correlationId,
    createdAt: at, updatedAt: at,
  };
}

/**
 * Perform the unsent entries of a ledger entry's outbox, then mark them done. Safe to call repeatedly.
 * `held` is the lease the creating transaction took; anyone else claims one first.
 */
export async function driveOutbox(deps: ProcessingDeps, id: string, held?: { owner: string; entry: LedgerEntry }): Promise<void> {
  const entry = held !== undefined && held.entry.leaseOwner === held.owner ? held.entry : await claimOutbox(deps, id);
  if (!entry) return;
  const done = new Set<string>();
  let completed = false;
  try {
    for (const item of entry.outbox) {
      if (item.doneAt !== undefined) continue;
      if (item.kind === 'effect') {
        const run = deps.effects[item.effect.type];
        if (!run) throw new PermanentError('OUTBOX.UNKNOWN_EFFECT', `no executor for effect ${item.effect.type}`);
        await run(item.effect);
      } else {
        await deps.bus.publish(item.message);
      }
      done.add(item.id);
    }
    completed = true;
  } finally {
    // Record what was sent even when a later entry failed, so a redelivery re-drives only what is unsent;
    // and release the lease so that redelivery need not wait for it to expire.
    await markDone(deps, id, completed || done.size > 0 ? done : new Set());
  }
}

/** How long a driver holds an outbox before another delivery or the reconciler may take it over. */
export const OUTBOX_LEASE_MS = 60_000;

/**
 * Take a time-limited lease on a pending outbox, so concurrent duplicate deliveries do not all publish it:
 * one drives, the others return (the reconciler takes over if the driver dies).
 */
async function claimOutbox(deps: ProcessingDeps, id: string): Promise<LedgerEntry | undefined> {
  const token = randomUUID();
  return deps.store.transaction(async (tx) => {
    const entry = await tx.get<LedgerEntry>(LEDGER, id);
    if (!entry || !entry.pending) return undefined;
    const now = deps.clock().getTime();
    if (typeof entry.leaseUntil === 'number' && entry.leaseUntil > now) return undefined;
    const claimed = { ...entry, leaseUntil: now + OUTBOX_LEASE_MS, leaseOwner: token };
    tx.set(LEDGER, id, claimed);
    return claimed;
  });
}

async function markDone(deps: ProcessingDeps, id: string, done: ReadonlySet<string>): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const current = await tx.get<LedgerEntry>(LEDGER, id);
    if (!current) return;
    const at = deps.clock().toISOString();
    const outbox = current.outbox.map((o) => (done.has(o.id) && o.doneAt === undefined ? { ...o, doneAt: at } : o));
    const { leaseUntil: _lease, leaseOwner: _owner, ...rest } = current;
    tx.set(LEDGER, id, { ...rest, outbox, pending: outbox.some((o) => o.doneAt === undefined), updatedAt: at });
  });
}

/** Re-drive outboxes left pending for longer than `staleMs` (crash between commit and publish). */
export async function reconcileOutboxes(deps: ProcessingDeps, staleMs: number): Promise<{ redriven: number; failed: number }> {
  const cutoff = new Date(deps.clock().getTime() - staleMs).toISOString();
  const stale = await deps.store.query<LedgerEntry>(LEDGER, { where: [{ field: 'pending', op: '==', value: true }] });
  let redriven = 0;
  let failed = 0;
  for (const { id, data } of stale) {
    if (data.updatedAt > cutoff) continue;
    try {
      await driveOutbox(deps, id);
      redriven += 1;
    } catch (err) {
      failed += 1;
      deps.logger.log('ERROR', `reconciler could not re-drive outbox ${id}: ${errorMessage(err)}`, { correlationId: data.correlationId });
    }
  }
  return { redriven, failed };
}
