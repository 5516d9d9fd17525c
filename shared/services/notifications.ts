/**
 * Which lifecycle events are worth a human, and how they read in a chat channel. Pure: the local
 * platform feeds it `lifecycle-events` and hands the message to a `Notifier`; on Google Cloud the same
 * events reach people through a Cloud Monitoring notification channel (Terraform).
 */
import type { LifecycleEvent, LifecycleEventName } from '../domain/contracts/index.js';
import type { ChatMessage } from '../ports/notifier.js';

/** The kinds of notification, by the event that causes each. */
export const NOTIFIED_EVENTS = {
  'approval-needed': 'approval-needed',
  'version.rolled-back': 'rollback',
  'run.failed': 'run-failed',
  'alert.opened': 'alert',
  'alert.confirmed': 'alert',
} as const satisfies Partial<Record<LifecycleEventName, string>>;

/** A notification kind. */
export type NotificationKind = (typeof NOTIFIED_EVENTS)[keyof typeof NOTIFIED_EVENTS];

/** How urgent a notification is. */
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
/** A severity. */
export type Severity = (typeof SEVERITIES)[number];

/** A notification, before formatting. */
export interface Notification {
  kind: NotificationKind;
  severity: Severity;
  title: string;
  /** What happened and why (the event's reason). */
  text: string;
  modelId: string;
  fields: { label: string; value: string }[];
  correlationId: string;
  occurredAt: string;
  /** Where to act: a console page. */
  link?: { label: string; url: string };
}

const SEVERITY: Record<NotificationKind, Severity> = {
  'approval-needed': 'info',
  rollback: 'critical',
  'run-failed': 'warning',
  alert: 'warning',
};
const EMOJI: Record<Severity, string> = {
  info: ':large_blue_circle:',
  warning: ':warning:',
  critical: ':rotating_light:',
};

function isNotified(event: string): event is keyof typeof NOTIFIED_EVENTS {
  return Object.hasOwn(NOTIFIED_EVENTS, event);
}

/** The notification for a lifecycle event, or undefined when the event is routine. `consoleUrl` adds a link. */
export function notificationFor(event: LifecycleEvent, consoleUrl?: string): Notification | undefined {
  if (!isNotified(event.event)) return undefined;
  // A canary superseded by a newer one (or by a promotion) is a planned change, not a rollback anyone must hear about.
  if (event.event === 'version.rolled-back' && event.evidence?.cause === 'superseded') return undefined;
  const kind = NOTIFIED_EVENTS[event.event];
  const id = event.subject.id;
  const titles: Record<NotificationKind, string> = {
    'approval-needed': `Approval needed: ${event.modelId} ${id}`,
    rollback: `Rolled back: ${event.modelId} ${id}`,
    'run-failed': `Training run failed: ${event.modelId}`,
    alert: `Alert ${event.event === 'alert.confirmed' ? 'confirmed' : 'opened'}: ${event.modelId}`,
  };
  const pages: Record<NotificationKind, { label: string; page: string }> = {
    'approval-needed': { label: 'Approve or reject', page: 'actions' },
    rollback: { label: 'Champion history', page: 'champions' },
    'run-failed': { label: 'Overview', page: 'overview' },
    alert: { label: 'Monitoring', page: 'monitoring' },
  };
  const fields = [
    { label: 'Model', value: event.modelId },
    { label: event.subject.kind, value: id },
    ...(event.from !== undefined || event.to !== undefined
      ? [{ label: 'Transition', value: `${event.from ?? '∅'} → ${event.to ?? '∅'}` }]
      : []),
    { label: 'Actor', value: event.actor },
  ];
  const page = pages[kind];
  return {
    kind,
    severity: SEVERITY[kind],
    title: titles[kind],
    text: event.reason,
    modelId: event.modelId,
    fields,
    correlationId: event.correlationId,
    occurredAt: event.occurredAt,
    ...(consoleUrl === undefined
      ? {}
      : { link: { label: page.label, url: `${consoleUrl.replace(/\/+$/, '')}/#/${page.page}` } }),
  };
}

/** Escape text for Slack's mrkdwn (`&`, `<`, `>` are control characters there). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The Slack-compatible message (incoming-webhook JSON with Block Kit blocks and a plain-text fallback). */
export function chatMessage(n: Notification): ChatMessage {
  const esc = escapeMrkdwn;
  const context = [
    `${n.occurredAt}`,
    `correlation ${n.correlationId}`,
    ...(n.link ? [`<${n.link.url}|${esc(n.link.label)}>`] : []),
  ];
  return {
    text: `${EMOJI[n.severity]} ${n.title}: ${n.text}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: n.title.slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: esc(n.text).slice(0, 3000) } },
      {
        type: 'section',
        fields: n.fields.map((f) => ({ type: 'mrkdwn', text: `*${esc(f.label)}*\n${esc(f.value)}` })),
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  };
}
