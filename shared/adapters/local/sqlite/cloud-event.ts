/**
 * The structured CloudEvent Eventarc hands a function for a Pub/Sub message
 * (`google.cloud.pubsub.topic.v1.messagePublished`), as the local bus builds it.
 */

/** The local project id used in resource names. */
export const LOCAL_PROJECT = 'local';

/** A Pub/Sub message inside the CloudEvent: data is base64 of the JSON text. */
export interface PubSubMessagePayload {
  data: string;
  attributes: Record<string, string>;
  messageId: string;
  publishTime: string;
  orderingKey?: string;
}

/** The CloudEvent delivered to a subscribed handler, identical in shape to what Eventarc delivers. */
export interface PubSubCloudEvent {
  specversion: '1.0';
  type: 'google.cloud.pubsub.topic.v1.messagePublished';
  /** `//pubsub.googleapis.com/projects/local/topics/<topic>` */
  source: string;
  /** The message id. */
  id: string;
  time: string;
  datacontenttype: 'application/json';
  data: {
    /** `projects/local/subscriptions/<subscription>` */
    subscription: string;
    message: PubSubMessagePayload;
  };
}

/** The fields of a stored message needed to build its CloudEvent. */
export interface StoredMessage {
  messageId: string;
  topic: string;
  /** JSON text. */
  data: string;
  attributes: Record<string, string>;
  orderingKey: string | null;
  publishTime: string;
}

/** Build the CloudEvent for one delivery of a message to a subscription. */
export function toCloudEvent(message: StoredMessage, subscription: string): PubSubCloudEvent {
  const payload: PubSubMessagePayload = {
    data: Buffer.from(message.data, 'utf8').toString('base64'),
    attributes: message.attributes,
    messageId: message.messageId,
    publishTime: message.publishTime,
  };
  if (message.orderingKey !== null) payload.orderingKey = message.orderingKey;
  return {
    specversion: '1.0',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: `//pubsub.googleapis.com/projects/${LOCAL_PROJECT}/topics/${message.topic}`,
    id: message.messageId,
    time: message.publishTime,
    datacontenttype: 'application/json',
    data: { subscription: `projects/${LOCAL_PROJECT}/subscriptions/${subscription}`, message: payload },
  };
}
