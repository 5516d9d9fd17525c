/**
 * One call for handlers: envelope -> validated topic message, with invalid input returned as a value
 * (the inbound envelope, when readable, is kept so the rejection can be recorded against it).
 */
import { AppError, ValidationError } from '../errors.js';
import type { Inbound } from '../inbound.js';
import type { Topic } from '../topics.js';
import { decodeCloudEvent } from './cloud-event.js';
import type { DecodedTopicMessage } from './decoded.js';
import { decodePushBody } from './push-body.js';
import { decodeStorageAsDataLanded } from './storage-event.js';
import { decodeTopicMessage } from './topic-message.js';

/** The result of decoding one delivery. */
export type DeliveryOutcome =
  | { kind: 'decoded'; inbound: Inbound; message: DecodedTopicMessage }
  | { kind: 'rejected'; inbound: Inbound | undefined; error: ValidationError };

/** Validate an already-decoded envelope; a Storage finalize becomes a `data-landed` message. */
export function decodeInbound(inbound: Inbound, topicHint?: Topic): DecodedTopicMessage {
  return inbound.kind === 'storage' ? decodeStorageAsDataLanded(inbound) : decodeTopicMessage(inbound, topicHint);
}

/**
 * Decoding is pure, so no failure of it can go away by retrying: an error that is not one of ours
 * (a RangeError from a hostile value, a bug) becomes a permanent `CONTRACT.UNDECODABLE` naming only its kind.
 */
export function asDecodeError(err: unknown, what = 'message'): ValidationError {
  if (err instanceof ValidationError) return err;
  if (err instanceof AppError)
    return new ValidationError(
      what,
      [{ path: '', message: err.message }],
      err.retryable ? 'CONTRACT.UNDECODABLE' : err.code,
    );
  const kind = err instanceof Error ? err.name : typeof err;
  return new ValidationError(
    what,
    [{ path: '', message: `could not be decoded (${kind}); treated as poison` }],
    'CONTRACT.UNDECODABLE',
  );
}

/** Decode a CloudEvent all the way; every decoding failure becomes `rejected` (see {@link asDecodeError}). */
export function decodeDelivery(ce: unknown, topicHint?: Topic): DeliveryOutcome {
  return decodeWith(() => decodeCloudEvent(ce), topicHint);
}

/** Decode a raw Pub/Sub push body all the way, like {@link decodeDelivery}. */
export function decodePushDelivery(body: unknown, urlPath?: string, topicHint?: Topic): DeliveryOutcome {
  return decodeWith(() => decodePushBody(body, urlPath), topicHint);
}

function decodeWith(envelope: () => Inbound, topicHint: Topic | undefined): DeliveryOutcome {
  let inbound: Inbound | undefined;
  try {
    inbound = envelope();
    return { kind: 'decoded', inbound, message: decodeInbound(inbound, topicHint) };
  } catch (err) {
    return { kind: 'rejected', inbound, error: asDecodeError(err) };
  }
}
