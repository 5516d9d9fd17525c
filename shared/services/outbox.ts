/**
 * Driving a ledger entry's outbox after commit: effects in order, then messages, each marked done
 * right after it succeeds, under a lease that is renewed while an item runs and fenced by its token.
 *
 * - Lease: one driver at a time. The creating transaction takes it; anyone else (a redelivery, the
 *   reconciler) claims it only once it has lapsed. A heartbeat renews it while an effect runs, so a
 *   long effect (a Vertex deploy) is never taken over while its driver is alive.
 * - Fencing: every progress write checks the lease token. A driver whose lease was taken over (its
 *   heartbeat could not renew in time) can neither mark an item done nor go on to the next one.
 * - Progress per item: a failure after item k leaves 1..k done, so a re-drive repeats at most item k.
 *   Effects are idempotent against their real APIs (job id = run id; converge-on-desired-state), and a
 *   repeated message carries the same deterministic `idempotencyKey` attribute (ledger id + index), on
 *   which every consumer's ledger deduplicates: a repeat is acknowledged without a second effect.
 * - Where the store's transactions can publish (the bus shares its SQLite database), messages are
 *   published in the very transaction that marks them done: no window in which they are sent but not
 *   recorded, or recorded but not sent.
 */
import { randomUUID } from 'node:crypto';
import { PermanentError, TransientError, errorMessage } from '../domain/errors.js';
import type { EventBus } from '../ports/event-bus.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore, Transaction } from '../ports/state-store.js';
import { getLedgerEntry, LEDGER, undone, type Effect, type LedgerEntry, type OutboxEntry } from './ledger.js';

/** Performs one effect type. */
export type EffectExecutor = (effect: Effect) => Promise<void>;

/** How the outbox lease behaves. */
export interface OutboxLeaseSettings {
  /** How long a claim lasts unless renewed (ms). */
  leaseMs: number;
  /** How often a driver renews its lease while it works (ms); well under `leaseMs`. */
  renewEveryMs: number;
}

/** Defaults: a 60 s lease renewed every 15 s, so three renewals in a row must fail before a takeover. */
export const OUTBOX_LEASE: OutboxLeaseSettings = { leaseMs: 60_000, renewEveryMs: 15_000 };

/** What the mechanism needs. */
export interface ProcessingDeps {
  store: StateStore;
  bus: EventBus;
  effects: Record<string, EffectExecutor>;
  logger: Logger;
  clock: () => Date;
  /** Lease overrides (tests shorten them). */
  outboxLease?: Partial<OutboxLeaseSettings>;
}

/** A lease held on an outbox: its fencing token, the entry as claimed, and whether transactions publish inline. */
export interface HeldLease {
  token: string;
  entry: LedgerEntry;
  inline: boolean;
}

/** Thrown by fenced writes when the lease is no longer ours. */
class LeaseLost extends TransientError {
  constructor(id: string) {
    super('OUTBOX.LEASE_LOST', `the outbox lease of ${id} was taken over by another driver`);
  }
}

/** The lease settings in force. */
export function leaseSettings(deps: Pick<ProcessingDeps, 'outboxLease'>): OutboxLeaseSettings {
  return { ...OUTBOX_LEASE, ...deps.outboxLease };
}

/** A new fencing token. */
export function newLeaseToken(): string {
  return randomUUID();
}

/**
 * Perform the undone items of a ledger entry's outbox, marking each done as it succeeds. Safe to call
 * repeatedly and concurrently. `held` is the lease the creating transaction took; anyone else claims one.
 */
export async function driveOutbox(deps: ProcessingDeps, id: string, held?: HeldLease): Promise<void> {
  const lease = held ?? (await claimOutbox(deps, id));
  if (!lease) return;
  const heartbeat = startHeartbeat(deps, id, lease.token);
  let entry = lease.entry;
  let settled = false;
  try {
    for (let next = undone(entry)[0]; next !== undefined; next = undone(entry)[0]) {
      if (heartbeat.lost()) throw new LeaseLost(id);
      if (!(next.kind === 'message' && lease.inline)) await perform(deps, next);
      entry = await markDone(deps, id, lease.token, next.id, lease.inline);
    }
    settled = true;
  } catch (err) {
    if (!(err instanceof LeaseLost)) throw err;
    settled = true;
    deps.logger.log('WARNING', `outbox ${id}: ${err.message}; this driver stops, the new one completes it`, {
      correlationId: entry.correlationId,
    });
  } finally {
    await heartbeat.stop();
    // After a failure, hand the lease back so the redelivery need not wait for it to lapse.
    if (!settled)
      await releaseLease(deps, id, lease.token).catch((e: unknown) =>
        deps.logger.log('WARNING', `outbox ${id}: lease not released: ${errorMessage(e)}`),
      );
  }
}

async function perform(deps: ProcessingDeps, item: OutboxEntry): Promise<void> {
  if (item.kind === 'message') {
    await deps.bus.publish(item.message);
    return;
  }
  const run = deps.effects[item.effect.type];
  if (!run) throw new PermanentError('OUTBOX.UNKNOWN_EFFECT', `no executor for effect ${item.effect.type}`);
  await run(item.effect);
}

/** Claim a pending outbox whose lease has lapsed (or was never taken); undefined if none to claim. */
async function claimOutbox(deps: ProcessingDeps, id: string): Promise<HeldLease | undefined> {
  const token = newLeaseToken();
  return deps.store.transaction(async (tx) => {
    const entry = await getLedgerEntry(tx, id);
    if (!entry?.pending) return undefined;
    const now = deps.clock().getTime();
    if (entry.leaseUntil !== undefined && entry.leaseUntil > now) return undefined;
    const claimed: LedgerEntry = { ...entry, leaseUntil: now + leaseSettings(deps).leaseMs, leaseOwner: token };
    tx.set(LEDGER, id, claimed);
    return { token, entry: claimed, inline: tx.publish !== undefined };
  });
}

/**
 * Mark `itemId` done, fenced by the lease token. With `inline` publishing, the messages that follow it
 * (and the item itself, if a message) are published in this transaction and marked done with it.
 */
async function markDone(
  deps: ProcessingDeps,
  id: string,
  token: string,
  itemId: string,
  inline: boolean,
): Promise<LedgerEntry> {
  return deps.store.transaction(async (tx) => {
    const current = await getLedgerEntry(tx, id);
    if (current?.leaseOwner !== token) throw new LeaseLost(id);
    const open = undone(current);
    const start = open.findIndex((o) => o.id === itemId);
    const batch = start < 0 ? [] : [open[start]];
    if (inline && start >= 0) {
      for (const o of open.slice(start + 1)) {
        if (o.kind !== 'message') break;
        batch.push(o);
      }
      for (const o of batch) if (o.kind === 'message') publishIn(tx, o);
    }
    const at = deps.clock().toISOString();
    const done = new Set(batch.map((o) => o.id));
    const outbox = current.outbox.map((o) => (done.has(o.id) ? { ...o, doneAt: at } : o));
    const pending = outbox.some((o) => o.doneAt === undefined);
    const { leaseUntil, leaseOwner, ...rest } = current;
    const next: LedgerEntry = {
      ...rest,
      outbox,
      pending,
      updatedAt: at,
      ...(pending ? { leaseUntil, leaseOwner } : {}),
    };
    tx.set(LEDGER, id, next);
    return next;
  });
}

function publishIn(tx: Transaction, item: OutboxEntry & { kind: 'message' }): void {
  if (!tx.publish)
    throw new PermanentError('OUTBOX.NO_INLINE_PUBLISH', 'the store cannot publish inside a transaction');
  tx.publish(item.message);
}

/** Give a lease back (only if still ours). */
async function releaseLease(deps: ProcessingDeps, id: string, token: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const current = await getLedgerEntry(tx, id);
    if (current?.leaseOwner !== token) return;
    const { leaseUntil: _until, leaseOwner: _owner, ...rest } = current;
    tx.set(LEDGER, id, { ...rest, updatedAt: deps.clock().toISOString() });
  });
}

/** Extend our lease; false when it is no longer ours. */
async function renewLease(deps: ProcessingDeps, id: string, token: string): Promise<boolean> {
  return deps.store.transaction(async (tx) => {
    const current = await getLedgerEntry(tx, id);
    if (current?.leaseOwner !== token) return false;
    tx.set(LEDGER, id, { ...current, leaseUntil: deps.clock().getTime() + leaseSettings(deps).leaseMs });
    return true;
  });
}

/** Renew the lease every `renewEveryMs` until stopped; `lost()` turns true once a renewal finds it taken. */
function startHeartbeat(
  deps: ProcessingDeps,
  id: string,
  token: string,
): { lost: () => boolean; stop: () => Promise<void> } {
  let lost = false;
  let renewing: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (renewing !== undefined || lost) return;
    renewing = renewLease(deps, id, token)
      .then((ok) => {
        if (!ok) lost = true;
      })
      .catch((err: unknown) =>
        deps.logger.log('WARNING', `outbox ${id}: lease renewal failed (retrying): ${errorMessage(err)}`),
      )
      .finally(() => {
        renewing = undefined;
      });
  }, leaseSettings(deps).renewEveryMs);
  timer.unref();
  return {
    lost: () => lost,
    // A renewal in flight finishes before the driver goes on (it is fenced, so it cannot undo a release).
    stop: async () => {
      clearInterval(timer);
      await renewing;
    },
  };
}

/** Re-drive outboxes left pending for longer than `staleMs` whose lease has lapsed (crash between commit and publish). */
export async function reconcileOutboxes(
  deps: ProcessingDeps,
  staleMs: number,
): Promise<{ redriven: number; failed: number }> {
  const now = deps.clock().getTime();
  const cutoff = new Date(now - staleMs).toISOString();
  const pending = await deps.store.query(LEDGER, { where: [{ field: 'pending', op: '==', value: true }] });
  let redriven = 0;
  let failed = 0;
  for (const { id, data } of pending) {
    const leaseUntil = typeof data.leaseUntil === 'number' ? data.leaseUntil : undefined;
    if (String(data.updatedAt) > cutoff || (leaseUntil !== undefined && leaseUntil > now)) continue;
    try {
      await driveOutbox(deps, id);
      redriven += 1;
    } catch (err) {
      failed += 1;
      deps.logger.log('ERROR', `reconciler could not re-drive outbox ${id}: ${errorMessage(err)}`, {
        correlationId: String(data.correlationId),
      });
    }
  }
  return { redriven, failed };
}
