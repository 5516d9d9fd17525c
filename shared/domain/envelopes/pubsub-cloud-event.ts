/** Building the structured Pub/Sub CloudEvent Eventarc delivers (used by the local bus and tests). */
import type { Topic } from '../topics.js';
import { PUBSUB_MESSAGE_PUBLISHED } from './cloud-event.js';

/** What a published message consists of. */
export interface PubSubCloudEventInput {
  project: string;
  topic: Topic | string;
  messageId: string;
  publishTime: string;
  data: Buffer | string;
  attributes?: Record<string, string>;
  orderingKey?: string;
  subscription?: string;
}

/** The CloudEvent (as functions-framework hands it to a handler) for one Pub/Sub message. */
export function buildPubSubCloudEvent(input: PubSubCloudEventInput): Record<string, unknown> {
  const data = typeof input.data === 'string' ? Buffer.from(input.data, 'utf8') : input.data;
  const message: Record<string, unknown> = {
    attributes: input.attributes ?? {},
    data: data.toString('base64'),
    messageId: input.messageId,
    message_id: input.messageId,
    publishTime: input.publishTime,
    publish_time: input.publishTime,
  };
  if (input.orderingKey !== undefined) message.orderingKey = input.orderingKey;
  return {
    specversion: '1.0',
    type: PUBSUB_MESSAGE_PUBLISHED,
    source: `//pubsub.googleapis.com/projects/${input.project}/topics/${input.topic}`,
    id: input.messageId,
    time: input.publishTime,
    datacontenttype: 'application/json',
    data: {
      subscription: input.subscription ?? `projects/${input.project}/subscriptions/${input.topic}-sub`,
      message,
    },
  };
}
