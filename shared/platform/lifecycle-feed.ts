/**
 * Subscribers of `lifecycle-events` on the embedded bus: the console's live feed and the chat
 * notifications. Each has its own durable subscription, so a slow or failing webhook never holds up
 * the functions (they have their own subscriptions) or the console; a notification that cannot be
 * delivered is retried by the bus with backoff and dead-lettered after the last attempt.
 */
import { lifecycleEventSchema, type LifecycleEvent } from '../domain/contracts/index.js';
import { errorMessage, isRetryable } from '../domain/errors.js';
import type { Logger } from '../ports/logger.js';
import type { Notifier } from '../ports/notifier.js';
import type { LocalStackOptions } from '../composition/local.js';
import { chatMessage, notificationFor } from '../services/notifications.js';

/** The embedded bus's per-subscription retry options. */
export type SubscribeOptions = NonNullable<LocalStackOptions['subscription']>;

/** A bus delivery as the embedded bus hands it to a subscriber (Pub/Sub's push shape). */
export interface BusDelivery {
  data: { message: { data: string; messageId?: string; attributes?: Record<string, string> } };
}

/** The part of the embedded bus the subscribers use. */
export interface LifecycleSource {
  subscribe(
    topic: 'lifecycle-events',
    subscription: string,
    handler: (event: BusDelivery) => Promise<void>,
    options?: SubscribeOptions,
  ): () => void;
}

/** Message ids the live feed remembers to drop redeliveries. */
const RECENT_IDS = 1000;

/** The JSON of a delivery. */
export function deliveryJson(event: BusDelivery): unknown {
  return JSON.parse(Buffer.from(event.data.message.data, 'base64').toString('utf8')) as unknown;
}

/** Fan lifecycle events out to live listeners (the console's event stream). */
export function subscribeLiveFeed(bus: LifecycleSource): { subscribe(send: (event: unknown) => void): () => void } {
  const listeners = new Set<(event: unknown) => void>();
  // Delivery is at least once (a redelivery after a missed ack deadline): show each message once.
  const recent = new Set<string>();
  bus.subscribe('lifecycle-events', 'platform-live-feed', async (event) => {
    const id = event.data.message.attributes?.idempotencyKey ?? event.data.message.messageId;
    if (id !== undefined) {
      if (recent.has(id)) return;
      recent.add(id);
      if (recent.size > RECENT_IDS) recent.delete(recent.values().next().value as string);
    }
    const data = deliveryJson(event);
    for (const send of listeners) send(data);
  });
  return { subscribe: (send) => (listeners.add(send), () => listeners.delete(send)) };
}

/** Options of the notification subscriber. */
export interface NotificationFeedOptions {
  notifier: Notifier;
  logger: Logger;
  /** The console's URL, for links in messages. */
  consoleUrl?: string;
  /** Bus retry policy of the subscription (the webhook's own retries come first). */
  subscription?: SubscribeOptions;
}

/** Send lifecycle events worth a human to the notifier; returns the unsubscribe function. */
export function subscribeNotifications(bus: LifecycleSource, options: NotificationFeedOptions): () => void {
  // A redelivery after a crash between send and ack must not post twice from this process.
  const sent = new Set<string>();
  return bus.subscribe(
    'lifecycle-events',
    'platform-notifier',
    async (event) => {
      const parsed = lifecycleEventSchema.safeParse(deliveryJson(event));
      if (!parsed.success) {
        options.logger.log(
          'WARNING',
          `notifier: skipped a lifecycle event that does not match its contract: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
        );
        return;
      }
      const lifecycle: LifecycleEvent = parsed.data;
      const notification = notificationFor(lifecycle, options.consoleUrl);
      if (!notification) return;
      const key =
        event.data.message.attributes?.idempotencyKey ??
        event.data.message.messageId ??
        `${lifecycle.correlationId}#${lifecycle.event}#${lifecycle.subject.id}`;
      if (sent.has(key)) return;
      try {
        await options.notifier.send(chatMessage(notification));
        sent.add(key);
        if (sent.size > 10_000) sent.delete(sent.values().next().value as string);
        options.logger.log('INFO', `notified: ${notification.title}`, { correlationId: lifecycle.correlationId });
      } catch (err) {
        if (!isRetryable(err)) {
          options.logger.log('ERROR', `notification dropped (not retryable): ${errorMessage(err)}`, {
            correlationId: lifecycle.correlationId,
          });
          return;
        }
        options.logger.log('WARNING', `notification not delivered yet, the bus will retry: ${errorMessage(err)}`, {
          correlationId: lifecycle.correlationId,
        });
        throw err;
      }
    },
    options.subscription,
  );
}
