/**
 * The normalised form of every message a function receives, whatever the envelope
 * (Eventarc binary / structured CloudEvent, raw Pub/Sub push body, local bus, Storage finalize).
 */
import type { Topic } from './topics.js';

/** A decoded Pub/Sub message (before its payload is validated against the topic's contract). */
export interface InboundMessage {
  kind: 'pubsub';
  /** Topic recovered from the CloudEvent source or the push URL; undefined when it cannot be known. */
  topic: Topic | undefined;
  messageId: string;
  publishTime: string;
  attributes: Record<string, string>;
  /** The payload bytes (base64-decoded `message.data`). */
  data: Buffer;
  orderingKey?: string;
  /** Present on push bodies of subscriptions with a dead-letter policy. */
  deliveryAttempt?: number;
}

/** A decoded GCS `object.v1.finalized` event. */
export interface StorageObjectEvent {
  kind: 'storage';
  eventId: string;
  bucket: string;
  name: string;
  /** A string, as GCS sends it. */
  generation: string;
  size: number;
  contentType?: string;
  timeCreated: string;
  md5Hash?: string;
}

/** Anything a function can receive. */
export type Inbound = InboundMessage | StorageObjectEvent;
