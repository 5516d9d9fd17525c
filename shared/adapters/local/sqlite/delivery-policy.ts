/**
 * Per-subscription delivery policy of the embedded bus, mirroring Pub/Sub's retry policy
 * (exponential backoff), dead-letter policy (max delivery attempts) and ack deadline.
 */
import { PermanentError, TransientError } from '../../../domain/errors.js';
import type { ClaimedDelivery, Settlement } from './bus-tables.js';

/** Per-subscription delivery settings (Pub/Sub's retry and dead-letter policies, locally). */
export interface SubscribeOptions {
  /** Attempts before dead-lettering (default 5, Pub/Sub's default). */
  maxDeliveryAttempts?: number;
  /** First retry delay in ms (default 10,000, Pub/Sub's minimum_backoff 10s); doubles per attempt. */
  minBackoffMs?: number;
  /** Retry delay cap in ms (default 600,000, Pub/Sub's maximum_backoff 600s). */
  maxBackoffMs?: number;
  /** Handlers running at once for this subscription (default 8). */
  concurrency?: number;
  /** A handler still running after this many ms counts as failed and is redelivered (default 600,000). */
  ackDeadlineMs?: number;
}

/**
 * Pub/Sub's own defaults (and Terraform's `delivery` variable): 5 attempts, backoff 10 s doubling to at
 * most 600 s, so a message is dead-lettered only after its handler failed for 10+20+40+80 = 150 s, not
 * on a blip of a dependency. Tests pass short backoffs through the options.
 */
export const DELIVERY_DEFAULTS: Required<SubscribeOptions> = {
  maxDeliveryAttempts: 5,
  minBackoffMs: 10_000,
  maxBackoffMs: 600_000,
  concurrency: 8,
  ackDeadlineMs: 600_000,
};

/** Merge and validate options; a bad combination is a permanent error naming the subscription. */
export function resolveOptions(subscription: string, ...layers: SubscribeOptions[]): Required<SubscribeOptions> {
  const opts = { ...DELIVERY_DEFAULTS };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer) as [keyof SubscribeOptions, number | undefined][]) {
      if (value !== undefined) opts[key] = value; // an explicit undefined keeps the default
    }
  }
  if (!(
    opts.maxDeliveryAttempts >= 1 &&
    opts.concurrency >= 1 &&
    opts.minBackoffMs >= 0 &&
    opts.maxBackoffMs >= opts.minBackoffMs &&
    opts.ackDeadlineMs > 0
  )) {
    throw new PermanentError(
      'BUS.INVALID_OPTIONS',
      `subscription ${subscription}: invalid delivery options ${JSON.stringify(opts)}`,
    );
  }
  return opts;
}

/** Run a handler, failing it if it outlives the ack deadline (it keeps running, as on Pub/Sub). */
export async function withAckDeadline(run: () => Promise<void>, ackDeadlineMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TransientError('BUS.ACK_DEADLINE_EXCEEDED', `handler still running after ${ackDeadlineMs} ms`)),
      ackDeadlineMs,
    );
    // A hung handler must not keep a closed bus's process alive for the whole deadline.
    timer.unref();
  });
  try {
    await Promise.race([run(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** What to record for a finished delivery: ack, retry after backoff, or dead-letter after the last attempt. */
export function outcomeOf(
  row: ClaimedDelivery,
  subscription: string,
  opts: Required<SubscribeOptions>,
  failure: { reason: string; deadLetterTopic: string } | undefined,
  now: number,
): Settlement {
  if (failure === undefined) return { kind: 'ack', seq: row.seq, subscription };
  if (row.attempt >= opts.maxDeliveryAttempts)
    return { kind: 'dead', seq: row.seq, deadLetterTopic: failure.deadLetterTopic, reason: failure.reason };
  const backoff = Math.min(opts.maxBackoffMs, opts.minBackoffMs * 2 ** (row.attempt - 1));
  return { kind: 'nack', seq: row.seq, nextAt: now + backoff, reason: failure.reason };
}
