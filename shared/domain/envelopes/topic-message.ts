/** Decoding an InboundMessage's data into the typed payload of its topic. */
import { ValidationError, type Issue } from '../errors.js';
import type { InboundMessage } from '../inbound.js';
import type { Topic } from '../topics.js';
import type { DecodedTopicMessage } from './decoded.js';
import { parseJsonText } from './json-value.js';
import { decodeTopicPayload } from './topic-payload.js';

/** Parse `message.data` as JSON and validate it against the topic's contract (topic from the message, else the hint). */
export function decodeTopicMessage(msg: InboundMessage, topicHint?: Topic): DecodedTopicMessage {
  const topic = msg.topic ?? topicHint;
  const issues: Issue[] = [];
  if (topic === undefined)
    issues.push({ path: 'topic', message: 'unknown: not in the CloudEvent source or push URL, and no hint given' });
  const json = parseJsonText(msg.data, 'message.data', issues);
  if (topic === undefined || issues.length > 0) throw new ValidationError(`Pub/Sub message ${msg.messageId}`, issues);
  return decodeTopicPayload(topic, json, { messageId: msg.messageId, attributes: msg.attributes });
}
