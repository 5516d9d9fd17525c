/** Decoding a raw Pub/Sub push body `{message, subscription, deliveryAttempt}` (direct push, no Eventarc). */
import { ValidationError, type Issue } from '../errors.js';
import type { InboundMessage } from '../inbound.js';
import { asJsonObject } from './json-value.js';
import { readPubSubMessage, topicFromResourcePath } from './pubsub-message.js';

/** Decode a push body; the topic comes from a URL path containing `projects/P/topics/T`, when given. */
export function decodePushBody(body: unknown, urlPath?: string): InboundMessage {
  const issues: Issue[] = [];
  const obj = asJsonObject(body, '', issues);
  if (obj === undefined) throw new ValidationError('Pub/Sub push body', issues);
  const msg = readPubSubMessage(obj.message, topicFromResourcePath(urlPath), {}, issues);
  const attempt = obj.deliveryAttempt;
  if (attempt !== undefined && attempt !== null && !(Number.isInteger(attempt) && (attempt as number) >= 1)) {
    issues.push({ path: 'deliveryAttempt', message: 'must be an integer >= 1' });
  }
  if (msg === undefined || issues.length > 0) throw new ValidationError('Pub/Sub push body', issues);
  if (typeof attempt === 'number') msg.deliveryAttempt = attempt;
  return msg;
}
