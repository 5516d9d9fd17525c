/**
 * Actions: approve, reject, roll back and set traffic. Each form builds the same `promotion.command`
 * the CLI sends, asks for confirmation in a dialog, publishes it through the validated endpoint
 * (`POST /api/publish/promotions`), shows the reply or the validation error with its issues, and then
 * follows the command's correlation id in the audit log until its outcome (or refusal) is recorded.
 */
import { getJson, publish } from '../api.js';
import { confirmAction } from '../dialog.js';
import { badge, empty, h, pageHeader, time } from '../dom.js';

export const title = 'Actions';
/** Not refreshed by itself (forms keep what the operator typed); re-rendered after each outcome. */
export const refresh = 'none';

/** Events that end each action (a refusal is recorded as `message.rejected`). */
const FINAL_EVENTS = {
  approve: ['version.canary', 'version.promoted'],
  reject: ['version.rejected'],
  rollback: ['traffic.changed'],
  'set-traffic': ['traffic.changed'],
};
const FOLLOW_POLLS = 40;
const result = h('div', { id: 'action-result', role: 'status', 'aria-live': 'polite' });

/** Render the page. */
export async function render({ modelId, rerender }) {
  if (!modelId) return [pageHeader(title), empty('No model yet.')];
  const model = await getJson(`/api/models/${encodeURIComponent(modelId)}`);
  const ctx = { model, rerender };
  const byState = (...states) => model.versions.filter((v) => states.includes(v.state)).map((v) => v.version);
  return [
    pageHeader(
      title,
      `Commands for ${modelId}. Each is validated like the CLI's and recorded in the audit log with your name and reason.`,
    ),
    result,
    h(
      'datalist',
      { id: 'approvers' },
      (model.policy?.approvers ?? []).map((a) => h('option', { value: a })),
    ),
    h(
      'div',
      { class: 'grid' },
      form(
        ctx,
        'approve',
        'Approve a blessed version',
        'It then goes to canary, or to production if nothing serves yet.',
        [versionField('approve', byState('blessed'), true)],
        'Approve',
      ),
      form(
        ctx,
        'reject',
        'Reject a version',
        'A blessed or approved version that should never serve.',
        [versionField('reject', byState('blessed', 'approved'), true), reasonField('reject', true)],
        'Reject',
        true,
      ),
      form(
        ctx,
        'rollback',
        'Roll back',
        'The canary (or, if none, production) returns to the last known-good version.',
        [versionField('rollback', byState('canary', 'production'), false), reasonField('rollback', true)],
        'Roll back',
        true,
      ),
      trafficForm(ctx, byState('canary', 'production'), model.deployment?.split ?? {}),
    ),
  ];
}

function versionField(action, versions, required) {
  const id = `${action}-version`;
  const options = required ? [] : [h('option', { value: '' }, 'automatic (canary, else production)')];
  if (required && versions.length === 0) options.push(h('option', { value: '' }, 'no version in a suitable state'));
  return h(
    'label',
    { class: 'field', for: id },
    'Version',
    h(
      'select',
      { id, name: 'version', required },
      options,
      versions.map((v) => h('option', { value: v }, v)),
    ),
  );
}

function reasonField(action, required) {
  const id = `${action}-reason`;
  return h(
    'label',
    { class: 'field', for: id },
    `Reason${required ? ' (required)' : ''}`,
    h('input', { id, name: 'reason', required, maxlength: '1000', size: '28' }),
  );
}

function actorField(action) {
  const id = `${action}-actor`;
  return h(
    'label',
    { class: 'field', for: id },
    'Actor',
    h('input', { id, name: 'actor', value: 'operator@local', list: 'approvers', required: true, size: '18' }),
  );
}

function form(ctx, action, legend, help, fields, label, danger = false) {
  const el = h(
    'form',
    {
      class: 'card',
      'data-action': action,
      novalidate: false,
      onsubmit: (e) => {
        e.preventDefault();
        const data = new FormData(el);
        const command = base(ctx, action, data);
        if (data.get('version')) command.version = String(data.get('version'));
        void run(ctx, action, command, label, danger);
      },
    },
    h(
      'fieldset',
      {},
      h('legend', {}, legend),
      h('p', { class: 'muted' }, help),
      h(
        'div',
        { class: 'action-form' },
        fields,
        action === 'approve' ? reasonField(action, false) : null,
        actorField(action),
        h(
          'button',
          {
            type: 'submit',
            class: danger ? 'danger' : 'primary',
            disabled: action !== 'rollback' && !fields[0].querySelector('option:not([value=""])'),
          },
          `${label}…`,
        ),
      ),
    ),
  );
  return el;
}

function trafficForm(ctx, serving, split) {
  const inputs = serving.map((v) =>
    h('input', {
      id: `traffic-${v}`,
      name: `traffic:${v}`,
      type: 'number',
      min: '0',
      max: '100',
      step: '1',
      value: String(split[v] ?? 0),
      style: 'width:6rem',
      'data-version': v,
    }),
  );
  const sum = h('output', { 'aria-live': 'polite' });
  const update = () => {
    sum.textContent = `Total: ${inputs.reduce((a, i) => a + Number(i.value || 0), 0)}% (must be 100)`;
  };
  update();
  const el = h(
    'form',
    {
      class: 'card',
      'data-action': 'set-traffic',
      oninput: update,
      onsubmit: (e) => {
        e.preventDefault();
        const data = new FormData(el);
        const command = {
          ...base(ctx, 'set-traffic', data),
          traffic: Object.fromEntries(inputs.map((i) => [i.dataset.version, Number(i.value)])),
        };
        void run(ctx, 'set-traffic', command, 'Set traffic', false);
      },
    },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Set the traffic split'),
      h(
        'p',
        { class: 'muted' },
        'Whole percentages over the serving versions; the platform refuses a split that does not sum to 100.',
      ),
      serving.length === 0
        ? empty('Nothing serves yet.')
        : h(
            'div',
            { class: 'action-form' },
            inputs.map((i) => h('label', { class: 'field', for: i.id }, `${i.dataset.version} %`, i)),
            sum,
            reasonField('traffic', false),
            actorField('traffic'),
            h('button', { type: 'submit', class: 'primary' }, 'Set traffic…'),
          ),
    ),
  );
  return el;
}

function base(ctx, action, data) {
  const reason = String(data.get('reason') ?? '').trim();
  return {
    type: 'promotion.command',
    action,
    modelId: ctx.model.modelId,
    actor: String(data.get('actor') ?? '').trim(),
    ...(reason ? { reason } : {}),
  };
}

async function run(ctx, action, command, label, danger) {
  const ok = await confirmAction({
    title: `${label}?`,
    confirmLabel: label,
    danger,
    summary: `This publishes a ${action} command for ${command.modelId}${command.version ? ` version ${command.version}` : ''} as ${command.actor}.`,
    details: [JSON.stringify(command, null, 2)],
  });
  if (!ok) return;
  result.className = 'result pending';
  result.replaceChildren(h('p', {}, `Sending ${action}…`));
  const reply = await publish('promotions', command).catch((err) => ({
    ok: false,
    status: 0,
    body: { error: { code: 'NETWORK', message: String(err) } },
  }));
  if (!reply.ok) return showError(reply);
  result.className = 'result pending';
  const outcome = h('ul', { 'data-testid': 'outcome' });
  result.replaceChildren(
    h(
      'p',
      {},
      h('strong', {}, `Accepted (HTTP ${reply.status}): `),
      `${action} sent as message `,
      h('code', {}, reply.body.messageId),
      '.',
    ),
    h(
      'p',
      { class: 'muted' },
      'Idempotency key ',
      h('code', {}, reply.body.idempotencyKey),
      ', correlation id ',
      h('code', {}, reply.body.correlationId),
      '.',
    ),
    h('p', { 'data-testid': 'outcome-state' }, 'Waiting for the platform to record the outcome…'),
    outcome,
  );
  await follow(ctx, action, reply.body.correlationId, outcome);
}

function showError(reply) {
  const error = reply.body?.error ?? { code: 'HTTP', message: `HTTP ${reply.status}` };
  result.className = 'result bad';
  result.replaceChildren(
    h('p', {}, h('strong', {}, `Refused (HTTP ${reply.status}) ${error.code}: `), error.message),
    error.issues?.length
      ? h(
          'ul',
          { 'data-testid': 'issues' },
          error.issues.map((i) => h('li', {}, h('code', {}, i.path || '(message)'), `: ${i.message}`)),
        )
      : null,
  );
  result.setAttribute('tabindex', '-1');
  result.focus();
}

async function follow(ctx, action, correlationId, list) {
  for (let i = 0; i < FOLLOW_POLLS; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const records = (await getJson('/api/audit?limit=200').catch(() => []))
      .filter((r) => r.correlationId === correlationId)
      .reverse();
    list.replaceChildren(
      ...records.map((r) =>
        h(
          'li',
          {},
          time(r.at),
          ' ',
          badge(r.action, r.action === 'message.rejected' ? 'bad' : 'ok'),
          ' ',
          r.subject ? `${r.subject.kind} ${r.subject.id}` : '',
          r.from || r.to ? ` ${r.from ?? '∅'} → ${r.to ?? '∅'}` : '',
          ` — ${r.reason ?? ''}`,
          r.code ? ` (${r.code})` : '',
        ),
      ),
    );
    const refused = records.find((r) => r.action === 'message.rejected');
    const done = records.some((r) => FINAL_EVENTS[action].includes(r.action));
    if (refused || done) {
      result.className = refused ? 'result bad' : 'result ok';
      result.querySelector('[data-testid="outcome-state"]').textContent = refused
        ? `Refused by the platform: ${refused.code ?? ''} ${refused.reason}`
        : 'Applied.';
      ctx.rerender();
      return;
    }
  }
  result.querySelector('[data-testid="outcome-state"]').textContent =
    'No outcome recorded yet; it may still be processing. See the Audit page.';
}
