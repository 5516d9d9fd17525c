/** `ipo-mlops alerts list|ack|close`: the alert lifecycle from the terminal (`alert.command` on drift-alerts). */
import { ValidationError } from '../domain/errors.js';
import type { CliCommand } from './command.js';
import { operatorCommand, type Context } from './operator-command.js';
import { table } from './render.js';

/** What an operator can do to an alert. */
export const ALERT_ACTIONS = ['ack', 'close'] as const;
/** One alert action. */
export type AlertAction = (typeof ALERT_ACTIONS)[number];

interface AlertView {
  alertId: string;
  modelId: string;
  signal: string;
  state: string;
  summary: string;
  action?: string;
  /** Who acknowledged it (signals' alert lifecycle). */
  acknowledged?: { actor: string; at: string; reason?: string };
  openedAt: string;
  updatedAt: string;
}

/** The states `alerts list --state` takes (an acknowledged alert is still open). */
export const ALERT_LIST_STATES = ['open', 'closed', 'all'] as const;

/** The `alert.command` message of an action (signals' contract on drift-alerts). */
export function alertCommand(
  action: AlertAction,
  alertId: string,
  actor: string,
  reason?: string,
): Record<string, unknown> {
  return { type: 'alert.command', action, alertId, actor, ...(reason ? { reason } : {}) };
}

function alertAction(action: AlertAction, summary: string): CliCommand {
  return operatorCommand(
    ['alerts', action],
    summary,
    `alerts ${action} ALERT_ID [--reason TEXT]`,
    async (ctx: Context) => {
      const alertId = ctx.positionals[0];
      if (alertId === undefined)
        throw new ValidationError('arguments', [
          { path: 'ALERT_ID', message: 'is required (see `ipo-mlops alerts list`)' },
        ]);
      return ctx.send(
        'drift-alerts',
        alertCommand(action, alertId, ctx.actor, ctx.values.reason),
        `alerts ${action} ${alertId}`,
      );
    },
  );
}

/** The alerts commands. */
export const alertsCommands: CliCommand[] = [
  operatorCommand(
    ['alerts', 'list'],
    'List alerts, newest first (default: open ones).',
    'alerts list [--state open|closed|all] [--limit N] [--json]',
    async ({ client, values, io }) => {
      const state = typeof values.state === 'string' ? values.state : 'open';
      if (!(ALERT_LIST_STATES as readonly string[]).includes(state))
        throw new ValidationError('options', [
          {
            path: '--state',
            message: `must be one of ${ALERT_LIST_STATES.join(', ')} (an acknowledged alert is open)`,
          },
        ]);
      const limit = typeof values.limit === 'string' ? values.limit : '50';
      if (!/^[1-9]\d*$/.test(limit))
        throw new ValidationError('options', [
          { path: '--limit', message: `must be a positive whole number, got "${limit}"` },
        ]);
      const query = new URLSearchParams({ limit, ...(state === 'all' ? {} : { state }) });
      const alerts = (await client.get(`/api/alerts?${query.toString()}`)) as AlertView[];
      if (values.json) return void io.out(JSON.stringify(alerts, null, 2));
      if (alerts.length === 0) return void io.out(`no ${state === 'all' ? '' : `${state} `}alerts`);
      for (const line of table([
        ['id', 'model', 'signal', 'state', 'opened', 'acknowledged by', 'what was done', 'summary'],
        ...alerts.map((a) => [
          a.alertId,
          a.modelId,
          a.signal,
          a.state,
          a.openedAt,
          a.acknowledged?.actor ?? '-',
          a.action ?? '-',
          a.summary.slice(0, 80),
        ]),
      ]))
        io.out(line);
    },
    { state: { type: 'string' }, limit: { type: 'string' } },
  ),
  alertAction('ack', 'Acknowledge an open alert: someone is on it (it stays open; repeated acks change nothing).'),
  alertAction('close', 'Close an alert (acknowledged or open) with a reason.'),
];
