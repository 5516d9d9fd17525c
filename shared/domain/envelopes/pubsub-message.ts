/** Reading the `message` object shared by Pub/Sub CloudEvents and raw push bodies. */
import type { Issue } from '../errors.js';
import type { InboundMessage } from '../inbound.js';
import { isTopic, type Topic } from '../topics.js';
import { decodeBase64, describe, firstString, isJsonObject } from './json-value.js';

/** Values the envelope offers when the message itself lacks them. */
export interface MessageFallbacks {
  messageId?: string;
  publishTime?: string;
}

/** Read a Pub/Sub `message` into an InboundMessage, appending every problem to `issues`. */
export function readPubSubMessage(
  message: unknown,
  topic: Topic | undefined,
  fallbacks: MessageFallbacks,
  issues: Issue[],
): InboundMessage | undefined {
  if (!isJsonObject(message)) {
    issues.push({ path: 'message', message: `must be an object (got ${describe(message)})` });
    return undefined;
  }
  const before = issues.length;
  const data =
    message.data === undefined || message.data === null || message.data === ''
      ? Buffer.alloc(0)
      : decodeBase64(message.data, 'message.data', issues);
  const attributes = readAttributes(message.attributes, issues);
  const messageId = firstString(message, 'messageId', 'message_id') ?? fallbacks.messageId;
  if (messageId === undefined)
    issues.push({ path: 'message.messageId', message: 'required (messageId or message_id)' });
  const publishTime = firstString(message, 'publishTime', 'publish_time') ?? fallbacks.publishTime;
  if (publishTime === undefined)
    issues.push({ path: 'message.publishTime', message: 'required (publishTime or publish_time)' });
  const orderingKey = firstString(message, 'orderingKey', 'ordering_key');
  if (issues.length > before || data === undefined || messageId === undefined || publishTime === undefined)
    return undefined;
  const out: InboundMessage = { kind: 'pubsub', topic, messageId, publishTime, attributes, data };
  if (orderingKey !== undefined) out.orderingKey = orderingKey;
  return out;
}

function readAttributes(value: unknown, issues: Issue[]): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) {
    issues.push({ path: 'message.attributes', message: `must be an object of strings (got ${describe(value)})` });
    return {};
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') out[key] = v;
    else issues.push({ path: `message.attributes.${key}`, message: `must be a string (got ${describe(v)})` });
  }
  return out;
}

/** The topic named by a `projects/P/topics/T` path, if T is a known topic. */
export function topicFromResourcePath(path: string | undefined): Topic | undefined {
  const match = /projects\/[^/]+\/topics\/([^/?#]+)/.exec(path ?? '');
  if (match === null) return undefined;
  const name = decodeURIComponent(match[1]);
  return isTopic(name) ? name : undefined;
}
