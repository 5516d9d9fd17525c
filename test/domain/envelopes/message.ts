/** Test helper: an InboundMessage carrying a JSON payload. */
import type { InboundMessage } from '../../../shared/domain/inbound.js';
import type { Topic } from '../../../shared/domain/topics.js';

/** A Pub/Sub message on `topic` whose data is `payload` as JSON (or raw text when a string). */
export function inbound(
  topic: Topic | undefined,
  payload: unknown,
  attributes: Record<string, string> = {},
  messageId = 'm-1',
): InboundMessage {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return { kind: 'pubsub', topic, messageId, publishTime: '2024-06-01T00:00:00Z', attributes, data: Buffer.from(text) };
}
