/**
 * An event bus decorator for Google Cloud: after a `lifecycle-events` message that needs a human
 * (approval needed, rollback, failed run, alert opened) is published, it writes one structured log
 * line carrying `lifecycleEvent`. Terraform's log-based metric counts those lines and an alert
 * policy sends them to the operators' notification channels (Slack, email, ...). Only published
 * events are logged, so an event rolled back with its transaction never notifies anyone.
 */
import type { EventBus, OutgoingMessage } from '../../ports/event-bus.js';
import type { Logger } from '../../ports/logger.js';

/** Lifecycle events worth a human; terraform/alerting.tf filters on exactly these (test/terraform checks). */
export const ATTENTION_EVENTS = ['approval-needed', 'version.rolled-back', 'run.failed', 'alert.opened'] as const;
/** An event worth a human. */
export type AttentionEvent = (typeof ATTENTION_EVENTS)[number];

/** Wrap `bus` so lifecycle events worth a human are also logged (field `lifecycleEvent`). */
export function lifecycleLoggingBus(bus: EventBus, logger: Logger): EventBus {
  return {
    async publish(message: OutgoingMessage): Promise<string> {
      const id = await bus.publish(message);
      const event = attentionEvent(message);
      if (event !== undefined) {
        const data = message.data as Record<string, unknown>;
        logger.log(
          event === 'approval-needed' ? 'INFO' : 'WARNING',
          `${event}: ${String(data.modelId)} ${describe(data.subject)}: ${String(data.reason ?? '')}`,
          {
            lifecycleEvent: event,
            modelId: data.modelId,
            subject: data.subject,
            actor: data.actor,
            messageId: id,
            ...(typeof data.correlationId === 'string' ? { correlationId: data.correlationId } : {}),
          },
        );
      }
      return id;
    },
    close: () => bus.close(),
  };
}

function attentionEvent(message: OutgoingMessage): AttentionEvent | undefined {
  if (message.topic !== 'lifecycle-events' || typeof message.data !== 'object' || message.data === null)
    return undefined;
  const event = (message.data as { event?: unknown }).event;
  return ATTENTION_EVENTS.find((e) => e === event);
}

function describe(subject: unknown): string {
  if (typeof subject !== 'object' || subject === null) return '';
  const s = subject as { kind?: unknown; id?: unknown };
  return `${String(s.kind)} ${String(s.id)}`;
}
