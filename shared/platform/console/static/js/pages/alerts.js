/**
 * Alerts: the model's alerts (open ones by default) with acknowledge and close actions. Each action
 * publishes the same `alert.command` the CLI sends (`POST /api/publish/drift-alerts`) after a
 * confirmation, then waits for the recorded outcome (`GET /api/outcomes`) and says whether it was
 * applied or refused, and why.
 */
import { getJson, publishAndAwait, query } from '../api.js';
import { confirmAction } from '../dialog.js';
import { badge, empty, h, pageHeader, table, time } from '../dom.js';

export const title = 'Alerts';
/** Re-renders on lifecycle events (alerts open, are acknowledged and close through them). */
export const refresh = 'events';

const STATES = ['open', 'closed', 'all'];
const result = h('div', { id: 'alert-result', role: 'status', 'aria-live': 'polite' });

/** Render the page. */
export async function render({ modelId, params, navigate, rerender }) {
  const state = STATES.includes(params.get('state')) ? params.get('state') : 'open';
  const alerts = await getJson(`/api/alerts${query({ modelId, state: state === 'all' ? '' : state, limit: 100 })}`);
  return [
    pageHeader(
      title,
      'Acknowledge an alert to say someone is on it (it stays open); close it with a reason when it is dealt with. Both are recorded in the audit log.',
    ),
    result,
    stateFilter(state, navigate),
    alerts.length === 0
      ? empty(`No ${state === 'all' ? '' : `${state} `}alerts.`)
      : table(
          null,
          ['Signal', 'Summary', 'State', 'Opened', 'Acknowledged', 'Actions'],
          alerts.map((a) => [
            badge(a.signal, a.state === 'open' ? 'bad' : 'neutral'),
            a.summary,
            badge(a.state),
            time(a.openedAt),
            acknowledged(a),
            actions(a, rerender),
          ]),
        ),
  ];
}

function stateFilter(state, navigate) {
  const select = h(
    'select',
    { id: 'alert-state', name: 'state' },
    STATES.map((s) => h('option', { value: s, selected: s === state }, s)),
  );
  return h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        navigate('alerts', { state: select.value });
      },
    },
    h('label', { class: 'field', for: 'alert-state' }, 'State', select),
    h('button', { type: 'submit' }, 'Show'),
  );
}

function acknowledged(a) {
  return a.acknowledged
    ? `${a.acknowledged.actor}, ${new Date(a.acknowledged.at).toLocaleString()}${a.acknowledged.reason ? `: ${a.acknowledged.reason}` : ''}`
    : '—';
}

function actions(alert, rerender) {
  if (alert.state !== 'open') return alert.closedBy ? `closed by ${alert.closedBy}` : '—';
  const reason = h('input', {
    name: 'reason',
    'aria-label': `Reason for alert ${alert.alertId}`,
    placeholder: 'reason',
    maxlength: '1000',
    size: '16',
  });
  const actor = h('input', {
    name: 'actor',
    'aria-label': `Actor for alert ${alert.alertId}`,
    value: 'operator@local',
    required: true,
    size: '14',
  });
  const button = (action, label, danger) =>
    h(
      'button',
      {
        type: 'button',
        class: danger ? 'danger' : 'primary',
        'data-alert-action': action,
        'data-alert-id': alert.alertId,
        onclick: () => void act(alert, action, actor.value.trim(), reason.value.trim(), rerender),
      },
      `${label}…`,
    );
  return h(
    'div',
    { class: 'action-form' },
    actor,
    reason,
    alert.acknowledged ? null : button('ack', 'Acknowledge', false),
    button('close', 'Close', true),
  );
}

async function act(alert, action, actor, reason, rerender) {
  const command = { type: 'alert.command', action, alertId: alert.alertId, actor, ...(reason ? { reason } : {}) };
  const label = action === 'ack' ? 'Acknowledge' : 'Close';
  const ok = await confirmAction({
    title: `${label} this alert?`,
    confirmLabel: label,
    danger: action === 'close',
    summary: `${alert.signal}: ${alert.summary}`,
    details: [JSON.stringify(command, null, 2)],
  });
  if (!ok) return;
  result.className = 'result pending';
  result.replaceChildren(h('p', {}, `Sending ${action} for ${alert.alertId}…`));
  const done = await publishAndAwait('drift-alerts', command, () =>
    show('pending', 'Sent; waiting for the platform to record the outcome…'),
  );
  if (done.refused) {
    const { status, body } = done.refused;
    return show(
      'bad',
      `Refused (HTTP ${status}) ${body?.error?.code ?? ''}: ${body?.error?.message ?? ''}`,
      body?.error?.issues,
    );
  }
  if (done.recorded) {
    const recorded = done.recorded;
    const why = recorded.outcome?.reason ?? recorded.outcome?.message ?? '';
    if (recorded.status === 'rejected') show('bad', `Refused by the platform: ${recorded.outcome?.code ?? ''} ${why}`);
    else show('ok', `${label}d: ${recorded.outcome?.kind ?? 'applied'}${why ? ` (${why})` : ''}.`);
    rerender();
    return;
  }
  show('pending', 'No outcome recorded yet; it may still be processing. See the Audit page.');
}

function show(tone, text, issues) {
  result.className = `result ${tone}`;
  // replaceChildren would render a null as the text "null".
  result.replaceChildren(
    ...[
      h('p', { 'data-testid': 'alert-outcome' }, text),
      issues?.length
        ? h(
            'ul',
            {},
            issues.map((i) => h('li', {}, h('code', {}, i.path || '(message)'), `: ${i.message}`)),
          )
        : null,
    ].filter(Boolean),
  );
}
