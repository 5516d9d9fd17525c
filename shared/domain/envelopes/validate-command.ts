/** Validation of an operator's JSON before publishing (CLI and HTTP publish endpoint). */
import type { Topic } from '../topics.js';
import type { DecodedTopicMessage } from './decoded.js';
import { isJsonObject } from './json-value.js';
import { decodeTopicPayload, isForeignShape } from './topic-payload.js';

/** What to publish: the normalised JSON, and attributes carrying the keys. */
export interface ValidatedCommand<T extends Topic = Topic> {
  topic: T;
  /** Defaults applied and keys filled; foreign shapes (incidents, log entries) are passed through unchanged. */
  payload: Record<string, unknown>;
  /** `idempotencyKey` and `correlationId`, so consumers find them whatever the shape. */
  attributes: Record<string, string>;
  /** How a consumer will decode the message. */
  decoded: DecodedTopicMessage<T>;
}

/** Validate operator JSON for `topic`; a missing idempotencyKey comes from `idFactory`. Throws ValidationError. */
export function validateCommand<T extends Topic>(
  topic: T,
  json: unknown,
  idFactory: () => string,
): ValidatedCommand<T> {
  const given =
    isJsonObject(json) && typeof json.idempotencyKey === 'string' && json.idempotencyKey !== ''
      ? json.idempotencyKey
      : undefined;
  const key = given ?? idFactory();
  const corr =
    isJsonObject(json) && typeof json.correlationId === 'string' && json.correlationId !== ''
      ? json.correlationId
      : key;
  const attributes = { idempotencyKey: key, correlationId: corr };
  const decoded = decodeTopicPayload(topic, json, { messageId: key, attributes });
  const payload = isForeignShape(topic, json)
    ? (json as Record<string, unknown>)
    : ({ ...decoded.payload } as Record<string, unknown>);
  return {
    topic,
    payload,
    attributes: { idempotencyKey: decoded.idempotencyKey, correlationId: decoded.correlationId },
    decoded,
  };
}
