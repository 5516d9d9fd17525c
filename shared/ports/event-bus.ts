/** Event bus port: publish JSON messages to a topic. */
import type { Topic } from '../domain/topics.js';

/** A message to publish. `data` is JSON-serialised; attributes are strings, as in Pub/Sub. */
export interface OutgoingMessage {
  topic: Topic;
  data: unknown;
  attributes?: Record<string, string>;
  /** Messages with the same key are delivered in publish order. */
  orderingKey?: string;
}

/** The event bus. */
export interface EventBus {
  /** Publish and return the message id once the message is durably accepted. */
  publish(message: OutgoingMessage): Promise<string>;
  /** Flush and release connections. */
  close(): Promise<void>;
}
