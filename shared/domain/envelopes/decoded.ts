/** The result of decoding a topic message: typed payload plus the keys the ledger and logs use. */
import type { TopicPayloads } from '../contracts/index.js';
import type { Topic } from '../topics.js';

/** A validated message of topic `T` (a union over topics when `T` is left open). */
export type DecodedTopicMessage<T extends Topic = Topic> = {
  [K in T]: {
    topic: K;
    payload: TopicPayloads[K];
    /** The idempotency-ledger key (explicit key, or the message's natural identity). */
    dedupeKey: string;
    idempotencyKey: string;
    correlationId: string;
  };
}[T];

/** The envelope facts a payload decoder may derive keys from. */
export interface MessageMeta {
  messageId: string;
  attributes: Readonly<Record<string, string>>;
}
