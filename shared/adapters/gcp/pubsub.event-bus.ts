/**
 * Pub/Sub adapter of the event bus port. The SDK is imported on first publish (cold start).
 * Topic ids are the domain topic names; the emulator is picked up by the SDK from PUBSUB_EMULATOR_HOST.
 */
import type { PubSub, Topic as PubSubTopic } from '@google-cloud/pubsub';
import { AppError, PermanentError, TransientError, errorMessage } from '../../domain/errors.js';
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

  constructor(options: PubSubEventBusOptions) {
    this.client = lazy(async () => {
      const { PubSub } = await import('@google-cloud/pubsub');
      return new PubSub({ projectId: options.projectId });
    });
  }

  /** Publish and resolve with the server-assigned message id once Pub/Sub accepted it. */
  async publish(message: OutgoingMessage): Promise<string> {
    const { orderingKey } = message;
    const data = serialise(message);
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

/** JSON bytes of the message data; `undefined` is sent as `null`. */
function serialise(message: OutgoingMessage): Buffer {
  try {
    return Buffer.from(JSON.stringify(message.data ?? null));
  } catch (err) {
    throw new PermanentError('BUS.INVALID_MESSAGE', `data for ${message.topic} is not JSON-serialisable: ${errorMessage(err)}`, { topic: message.topic });
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
