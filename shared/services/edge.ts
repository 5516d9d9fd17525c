/**
 * The edge every function shares: decode the envelope and the payload, route to a use case, and
 * decide acknowledge vs retry. Invalid input is a permanent failure: recorded, logged, acknowledged
 * (no retry storm). Transient failures throw so the platform redelivers.
 */
import {
  asDecodeError,
  decodeCloudEvent,
  decodeStorageAsDataLanded,
  decodeTopicMessage,
} from '../domain/envelopes/index.js';
import type { DecodedTopicMessage } from '../domain/envelopes/decoded.js';
import { judgeEventAge } from '../domain/envelopes/event-time.js';
import { PermanentError, errorMessage, isRetryable } from '../domain/errors.js';
import type { FunctionName, Topic } from '../domain/topics.js';
import { DEFAULT_EVENT_TTL_HOURS, type ServiceDeps } from './context.js';
import { recordRejection, type MessageIdentity, type Processed } from './processing.js';

/** A decoded message with the delivery facts that carried it: id, attributes, and when it was sent (publish or object time). */
export type DecodedMessage = DecodedTopicMessage & {
  messageId: string;
  attributes: Readonly<Record<string, string>>;
  sentAt?: string;
};

/** A use-case router for one function. */
export type Route = (deps: ServiceDeps, identity: MessageIdentity, message: DecodedMessage) => Promise<Processed>;

/** A cloudEvent handler as functions-framework and the local bus call it. */
export type CloudEventHandler = (event: unknown) => Promise<void>;

/** Lazily created dependencies, built once per cold start. */
export type DepsProvider = () => Promise<ServiceDeps>;

/** Build a cloudEvent handler for a function consuming `topics`. */
export function createCloudEventHandler(
  fn: FunctionName,
  topics: readonly Topic[],
  getDeps: DepsProvider,
  route: Route,
): CloudEventHandler {
  return async (event: unknown) => {
    const deps = await getDeps();
    const eventId =
      typeof event === 'object' && event !== null && 'id' in event ? String((event as { id: unknown }).id) : 'unknown';
    let message: DecodedMessage;
    let raw: string | undefined;
    try {
      const inbound = decodeCloudEvent(event);
      if (inbound.kind === 'storage') {
        message = {
          ...decodeStorageAsDataLanded(inbound),
          messageId: inbound.eventId,
          attributes: {},
          sentAt: inbound.timeCreated,
        };
      } else {
        raw = inbound.data.toString('utf8');
        message = {
          ...decodeTopicMessage(inbound, topics.length === 1 ? topics[0] : undefined),
          messageId: inbound.messageId,
          attributes: inbound.attributes,
          ...(inbound.publishTime ? { sentAt: inbound.publishTime } : {}),
        };
      }
      if (!topics.includes(message.topic)) {
        throw new PermanentError(
          'CONTRACT.WRONG_TOPIC',
          `topic: ${fn} consumes ${topics.join(', ')}, not ${message.topic}`,
        );
      }
    } catch (err) {
      // Decoding is pure: whatever it throws cannot go away on redelivery, so it is poison (recorded, acknowledged).
      await recordRejection(
        deps,
        {
          handler: fn,
          dedupeKey: `poison:${fn}:${eventId}`,
          messageId: eventId,
          topic: 'unknown',
          correlationId: eventId,
        },
        asDecodeError(err),
        raw ?? safeJson(event),
      );
      return;
    }
    await dispatch(deps, fn, message, route);
  };
}

/** Route a decoded message and map the result to acknowledge / retry. Exported for the HTTP webhook. */
export async function dispatch(
  deps: ServiceDeps,
  fn: FunctionName,
  message: DecodedMessage,
  route: Route,
): Promise<Processed | undefined> {
  const identity: MessageIdentity = {
    handler: fn,
    dedupeKey: `${message.topic}:${message.dedupeKey}`,
    messageId: message.messageId,
    topic: message.topic,
    correlationId: message.correlationId,
  };
  const age = judgeEventAge(
    message,
    message.sentAt,
    deps.settings.eventTtlHours ?? DEFAULT_EVENT_TTL_HOURS,
    deps.clock(),
  );
  if (age.kind === 'expired') {
    const ttl = deps.settings.eventTtlHours ?? DEFAULT_EVENT_TTL_HOURS;
    await recordRejection(
      deps,
      identity,
      new PermanentError(
        'EVENT.EXPIRED',
        `${message.topic} event from ${age.eventTime} is ${Math.floor(age.ageHours)} h old, older than the event TTL of ${ttl} h (IPO_EVENT_TTL_HOURS); discarded`,
      ),
    );
    return { outcome: { kind: 'expired', eventTime: age.eventTime }, status: 'rejected', duplicate: false };
  }
  try {
    const result = await route(deps, identity, message);
    deps.logger.log(
      result.status === 'rejected' ? 'WARNING' : 'INFO',
      `${fn} ${result.duplicate ? 'duplicate' : result.status}: ${JSON.stringify(result.outcome)}`,
      { correlationId: identity.correlationId, messageId: identity.messageId, handler: fn },
    );
    return result;
  } catch (err) {
    if (isRetryable(err)) {
      deps.logger.log('ERROR', `${fn} failed transiently, will be redelivered: ${errorMessage(err)}`, {
        correlationId: identity.correlationId,
        messageId: identity.messageId,
      });
      throw err;
    }
    await recordRejection(deps, identity, err);
    return undefined;
  }
}

/** The envelope as text for the ledger (recordRejection keeps a bounded prefix); never throws. */
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return `(${typeof value} that cannot be rendered as JSON)`;
  }
}
