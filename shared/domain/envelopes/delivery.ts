/**
 * One call for handlers: envelope -> validated topic message, with invalid input returned as a value
 * (the inbound envelope, when readable, is kept so the rejection can be recorded against it).
 */
import { ValidationError } from '../errors.js';
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

/** Decode a CloudEvent all the way; ValidationErrors become `rejected`, anything else is rethrown. */
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
    if (err instanceof ValidationError) return { kind: 'rejected', inbound, error: err };
    throw err;
  }
}
