/**
 * Pub/Sub adapter of the event bus port. The SDK is imported on first publish (cold start).
 * Topic ids are the domain topic names; the emulator is picked up by the SDK from PUBSUB_EMULATOR_HOST.
 */
import type { PubSub, Topic as PubSubTopic } from '@google-cloud/pubsub';
import { AppError, PermanentError, TransientError, errorMessage } from '../../domain/errors.js';
import { isTopic } from '../../domain/topics.js';
import type { EventBus, OutgoingMessage } from '../../ports/event-bus.js';
import { GRPC, grpcCode, lazy, type Lazy } from './lazy.js';

/** Options of the Pub/Sub event bus. */
export interface PubSubEventBusOptions {
  projectId: string;
}

/** The event bus on Pub/Sub: JSON data, string attributes, optional ordering key. */
export class PubSubEventBus implements EventBus {
  private readonly client: Lazy<PubSub>;
  /** Publisher per topic and ordering mode; each batches and must be flushed on close. */
  private readonly topics = new Map<string, PubSubTopic>();
  private closed = false;

  constructor(options: PubSubEventBusOptions) {
    this.client = lazy(async () => {
      const { PubSub } = await import('@google-cloud/pubsub');
      return new PubSub({ projectId: options.projectId });
    });
  }

  /** Publish and resolve with the server-assigned message id once Pub/Sub accepted it. */
  async publish(message: OutgoingMessage): Promise<string> {
    if (this.closed) throw new PermanentError('BUS.CLOSED', 'the event bus is closed');
    const { orderingKey } = message;
    const data = validate(message);
    const topic = await this.topic(message.topic, orderingKey !== undefined);
    try {
      return await topic.publishMessage({ data, attributes: message.attributes, orderingKey });
    } catch (err) {
      // An ordered publisher pauses a key after a failure; resume so a later retry can go through.
      if (orderingKey !== undefined) topic.resumePublishing(orderingKey);
      throw mapError(err, message.topic);
    }
  }

  /** Flush every publisher and close the client, if it was ever created. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.client.peek();
    if (!pending) return;
    const client = await pending;
    await Promise.all([...this.topics.values()].map((t) => t.flush()));
    this.topics.clear();
    await client.close();
  }

  private async topic(name: string, ordered: boolean): Promise<PubSubTopic> {
    const key = `${ordered ? 'ordered' : 'unordered'}:${name}`;
    let topic = this.topics.get(key);
    if (!topic) {
      const client = await this.client.get();
      topic = client.topic(name, ordered ? { messageOrdering: true } : {});
      this.topics.set(key, topic);
    }
    return topic;
  }
}

/** Check the message as the embedded bus does and return its JSON bytes (`undefined` is sent as `null`). */
function validate(message: OutgoingMessage): Buffer {
  const { topic } = message;
  if (!isTopic(topic)) throw new PermanentError('BUS.UNKNOWN_TOPIC', `topic "${String(topic)}" is not a known topic`);
  for (const [k, v] of Object.entries(message.attributes ?? {})) {
    if (typeof v !== 'string')
      throw new PermanentError('BUS.INVALID_MESSAGE', `attribute ${k} must be a string`, { topic });
  }
  try {
    return Buffer.from(JSON.stringify(message.data ?? null));
  } catch (err) {
    throw new PermanentError(
      'BUS.INVALID_MESSAGE',
      `data for ${topic} is not JSON-serialisable: ${errorMessage(err)}`,
      { topic },
    );
  }
}

/** Map publish errors (after the SDK's own retries) to the error model. */
function mapError(err: unknown, topic: string): unknown {
  if (err instanceof AppError) return err;
  const message = errorMessage(err);
  const details = { topic, grpcCode: grpcCode(err), cause: message };
  switch (grpcCode(err)) {
    case GRPC.INVALID_ARGUMENT:
      return new PermanentError('BUS.INVALID_MESSAGE', `Pub/Sub rejected a message for ${topic}: ${message}`, details);
    case GRPC.NOT_FOUND:
      // Transient on purpose: the outbox keeps the message until the topic is deployed.
      return new TransientError('BUS.TOPIC_NOT_FOUND', `Pub/Sub topic ${topic} does not exist: ${message}`, details);
    default:
      return new TransientError('BUS.UNAVAILABLE', `publishing to ${topic} failed: ${message}`, details);
  }
}
