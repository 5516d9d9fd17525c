/**
 * Decoding what functions-framework hands a cloudEvent function: Pub/Sub `messagePublished`
 * (binary, structured, or converted from a raw push body) and Storage `object.v1.finalized`.
 */
import { ValidationError, type Issue } from '../errors.js';
import type { InboundMessage, StorageObjectEvent } from '../inbound.js';
import { zodIssues } from '../contracts/index.js';
import { asJsonObject, describe, isJsonObject } from './json-value.js';
import { quoteInput } from './limits.js';
import { readPubSubMessage, topicFromResourcePath } from './pubsub-message.js';
import { storageObjectDataSchema, toStorageObjectEvent } from './storage-event.js';

/** CloudEvent type of a Pub/Sub message. */
export const PUBSUB_MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';
/** CloudEvent type of a finalized Storage object. */
export const STORAGE_OBJECT_FINALIZED = 'google.cloud.storage.object.v1.finalized';

/** Decode a CloudEvent into an InboundMessage or StorageObjectEvent; throws ValidationError listing every problem. */
export function decodeCloudEvent(ce: unknown): InboundMessage | StorageObjectEvent {
  if (!isJsonObject(ce))
    throw new ValidationError('CloudEvent', [{ path: '', message: `must be an object (got ${describe(ce)})` }]);
  const issues: Issue[] = [];
  for (const attr of ['type', 'source', 'id'] as const) {
    if (typeof ce[attr] !== 'string' || ce[attr] === '')
      issues.push({ path: attr, message: 'required CloudEvent attribute' });
  }
  if (issues.length > 0) throw new ValidationError('CloudEvent', issues);
  const type = ce.type as string;
  if (type === PUBSUB_MESSAGE_PUBLISHED) return decodePubSubCloudEvent(ce);
  if (type === STORAGE_OBJECT_FINALIZED) return decodeStorageCloudEvent(ce);
  throw new ValidationError('CloudEvent', [
    {
      path: 'type',
      message: `unsupported CloudEvent type ${quoteInput(type)}; expected ${PUBSUB_MESSAGE_PUBLISHED} or ${STORAGE_OBJECT_FINALIZED}`,
    },
  ]);
}

function decodePubSubCloudEvent(ce: Record<string, unknown>): InboundMessage {
  const issues: Issue[] = [];
  const data = asJsonObject(ce.data, 'data', issues);
  const topic = topicFromResourcePath(ce.source as string);
  const msg =
    data === undefined
      ? undefined
      : readPubSubMessage(
          data.message,
          topic,
          { messageId: ce.id as string, publishTime: optionalString(ce.time) },
          issues,
        );
  if (msg === undefined || issues.length > 0) throw new ValidationError('Pub/Sub CloudEvent', issues);
  return msg;
}

function decodeStorageCloudEvent(ce: Record<string, unknown>): StorageObjectEvent {
  const issues: Issue[] = [];
  const data = asJsonObject(ce.data, 'data', issues);
  if (data === undefined) throw new ValidationError('Storage CloudEvent', issues);
  const parsed = storageObjectDataSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw new ValidationError('Storage CloudEvent', zodIssues(parsed.error, 'data'));
  return toStorageObjectEvent(ce.id as string, parsed.data);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
