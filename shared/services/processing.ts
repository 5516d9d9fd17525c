/**
 * The one processing mechanism every handler uses: "at-least-once in, exactly-once effects".
 *
 * 1. In one transaction: if the dedupe key is in the ledger, return its recorded outcome; otherwise
 *    read state, decide (pure domain code), write the new state, the ledger entry and the outbox.
 * 2. After commit: drive the outbox (idempotent side effects, then messages), each item marked done
 *    as it succeeds, under a renewed and fenced lease (see outbox.ts). Where the store's transaction
 *    can publish (the bus shares the embedded SQLite database), messages no effect precedes are
 *    published by the commit of step 1 itself, and the outbox has nothing left to do.
 * 3. A redelivery finds the ledger entry and re-drives whatever is still unsent; the reconciler
 *    re-drives stale outboxes whose redelivery never came.
 * Nothing inside the transaction callback touches the outside world: Firestore re-runs it.
 */
import { PermanentError, errorCode, errorMessage } from '../domain/errors.js';
import type { Topic } from '../domain/topics.js';
import type { OutgoingMessage } from '../ports/event-bus.js';
import type { Doc, Transaction } from '../ports/state-store.js';
import { getLedgerEntry, LEDGER, ledgerId, type Effect, type LedgerEntry, type OutboxEntry } from './ledger.js';
import { driveOutbox, leaseSettings, newLeaseToken, type HeldLease, type ProcessingDeps } from './outbox.js';

export { LEDGER, derivedId, ledgerId, type Effect, type LedgerEntry, type OutboxEntry } from './ledger.js';
export {
  OUTBOX_LEASE,
  driveOutbox,
  reconcileOutboxes,
  type EffectExecutor,
  type OutboxLeaseSettings,
  type ProcessingDeps,
} from './outbox.js';

/** What a decision produces besides its state writes. */
export interface Decision {
  /** A JSON summary of what was decided, returned to duplicates. */
  outcome: Doc;
  /** Effects, performed after commit in order, before messages. */
  effects?: Effect[];
  messages?: OutgoingMessage[];
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
  const token = newLeaseToken();
  let result: { entry: LedgerEntry; duplicate: boolean; inline: boolean };
  try {
    result = await deps.store.transaction(async (tx) => {
      const existing = await getLedgerEntry(tx, id);
      if (existing) return { entry: existing, duplicate: true, inline: false };
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
      const inline = tx.publish !== undefined;
      // Messages with no effect before them go out in this very commit where the store can publish (embedded stack).
      if (inline) publishLeadingMessages(tx, entry, now);
      // The creator holds the outbox lease from the start, so it can drive without another commit.
      if (entry.pending)
        Object.assign(entry, { leaseUntil: now.getTime() + leaseSettings(deps).leaseMs, leaseOwner: token });
      tx.create(LEDGER, id, entry);
      return { entry, duplicate: false, inline };
    });
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    // The decision's writes were discarded with its transaction; record the rejection on its own.
    await recordRejection(deps, identity, err.error);
    return {
      outcome: { kind: 'rejected', code: err.error.code, message: err.error.message },
      status: 'rejected',
      duplicate: false,
    };
  }
  const { entry, duplicate, inline } = result;
  if (duplicate) {
    deps.logger.log('INFO', `duplicate delivery of ${identity.dedupeKey} ignored`, {
      correlationId: identity.correlationId,
      handler: identity.handler,
      messageId: identity.messageId,
    });
  }
  if (entry.pending) {
    const held: HeldLease | undefined = duplicate ? undefined : { token, entry, inline };
    await driveOutbox(deps, id, held);
  }
  return { outcome: entry.outcome, status: entry.status, duplicate };
}

/** A decision's permanent error, carried out of the transaction callback so the transaction aborts. */
class Refusal extends Error {
  constructor(readonly error: PermanentError) {
    super(error.message);
  }
}

/** Record a permanent rejection (poison or refused command) in the ledger and the audit log; changes nothing else. */
export async function recordRejection(
  deps: ProcessingDeps,
  identity: MessageIdentity,
  err: unknown,
  raw?: string,
): Promise<void> {
  const id = ledgerId(identity.dedupeKey);
  const now = deps.clock().toISOString();
  const reason = { code: errorCode(err), message: errorMessage(err) };
  const entry: LedgerEntry = {
    key: identity.dedupeKey,
    handler: identity.handler,
    status: 'rejected',
    outcome: { kind: 'rejected', ...reason },
    outbox: [],
    pending: false,
    messageId: identity.messageId,
    topic: identity.topic,
    correlationId: identity.correlationId,
    createdAt: now,
    updatedAt: now,
    ...(raw === undefined ? {} : { raw: raw.slice(0, 4096) }),
  };
  await deps.store.createIfAbsent(LEDGER, id, entry);
  await deps.store.createIfAbsent('audit', `${now.replace(/[^0-9]/g, '')}-${id.slice(0, 12)}`, {
    at: now,
    actor: identity.handler,
    action: 'message.rejected',
    subject: { kind: 'message', id: identity.messageId },
    reason: reason.message,
    code: reason.code,
    correlationId: identity.correlationId,
    topic: identity.topic,
  });
  deps.logger.log('WARNING', `rejected ${identity.topic} message ${identity.messageId}: ${reason.message}`, {
    correlationId: identity.correlationId,
    code: reason.code,
    handler: identity.handler,
  });
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
    key: identity.dedupeKey,
    handler: identity.handler,
    status: 'applied',
    outcome: decision.outcome,
    outbox,
    pending: outbox.length > 0,
    messageId: identity.messageId,
    topic: identity.topic,
    correlationId: identity.correlationId,
    createdAt: at,
    updatedAt: at,
  };
}

/** Publish the outbox's messages that no effect precedes, inside `tx`, and mark them done. */
function publishLeadingMessages(tx: Transaction, entry: LedgerEntry, now: Date): void {
  const at = now.toISOString();
  for (const item of entry.outbox) {
    if (item.kind !== 'message') break;
    tx.publish?.(item.message);
    item.doneAt = at;
  }
  entry.pending = entry.outbox.some((o) => o.doneAt === undefined);
}
