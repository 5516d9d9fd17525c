/**
 * Policy: the model's effective policy (`GET /api/models/:id/policy`, every default filled in) and a
 * form for an approver to change its main fields. Only the fields that differ from the current policy
 * are sent, nested, as the same `policy.update` the CLI's `policy set` publishes
 * (`POST /api/publish/promotions`) after a confirmation; the page then waits for the recorded outcome
 * (`GET /api/outcomes`) and says whether it was applied or refused, and why (not an approver, an
 * invalid field named by the validator).
 */
import { getJson, publishAndAwait } from '../api.js';
import { confirmAction } from '../dialog.js';
import { empty, h, kv, pageHeader, table, time } from '../dom.js';

export const title = 'Policy';
/** Not refreshed by itself (the form keeps what the operator typed); re-rendered after each outcome. */
export const refresh = 'none';

const result = h('div', { id: 'policy-result', role: 'status', 'aria-live': 'polite' });

/** Render the page. */
export async function render({ modelId, rerender }) {
  if (!modelId) return [pageHeader(title), empty('No model yet.')];
  const view = await getJson(`/api/models/${encodeURIComponent(modelId)}/policy`);
  const policy = view.policy;
  return [
    pageHeader(
      title,
      `The effective policy of ${modelId} (every default filled in). Only approvers may change it; a change is validated as a whole and recorded in the audit log with its before and after values.`,
    ),
    result,
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'policy-current-h', 'data-testid': 'policy-current' },
        h('h2', { id: 'policy-current-h' }, 'Current policy'),
        kv([
          ['Approvers', policy.approvers.join(', ')],
          ['Auto-approve', yesNo(policy.autoApprove)],
          ['Distinct approver (four-eyes)', yesNo(policy.requireDistinctApprover)],
          ['Canary traffic', `${policy.canaryPercent}%`],
          ['Gate scale', policy.gate.scale],
          ['Must beat the ridge baseline', `${yesNo(policy.gate.mustBeatBaseline)} (on ${policy.gate.baselineMetric})`],
          ['Value thresholds', thresholdsText(policy.gate.valueThresholds)],
          ['Last changed', time(view.updatedAt)],
        ]),
        h(
          'details',
          {},
          h('summary', {}, 'Every field'),
          table(
            null,
            ['Field', 'Value'],
            flatten(policy).map(([k, v]) => [h('code', {}, k), h('code', {}, JSON.stringify(v))]),
            { id: 'policy-fields' },
          ),
        ),
      ),
      policyForm(view, rerender),
    ),
  ];
}

function yesNo(value) {
  return value ? 'yes' : 'no';
}

function thresholdsText(thresholds) {
  if (!thresholds.length) return 'none';
  return thresholds
    .map((t) =>
      [
        t.lower !== undefined ? `${t.metric} ≥ ${t.lower}` : null,
        t.upper !== undefined ? `${t.metric} ≤ ${t.upper}` : null,
      ]
        .filter(Boolean)
        .join(' and '),
    )
    .join('; ');
}

/** Leaf paths and values of a policy (arrays are leaves), in path order, like `ipo-mlops policy show`. */
function flatten(value, prefix = '') {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[prefix, value]];
  const entries = Object.entries(value);
  if (entries.length === 0) return [[prefix, {}]];
  return entries.sort(([a], [b]) => a.localeCompare(b)).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}

function bound(thresholds, metric, side) {
  return thresholds.find((t) => t.metric === metric && t[side] !== undefined)?.[side];
}

function field(id, label, control, help) {
  return h(
    'label',
    { class: 'field', for: id },
    label,
    control,
    help ? h('span', { class: 'muted', style: 'font-weight:400' }, help) : null,
  );
}

function checkbox(id, name, checked, label) {
  return h(
    'label',
    { class: 'check', for: id },
    h('input', { id, name, type: 'checkbox', checked: Boolean(checked) }),
    label,
  );
}

function policyForm(view, rerender) {
  const { policy } = view;
  const thresholds = policy.gate.valueThresholds;
  const r2 = bound(thresholds, 'r2', 'lower');
  const mape = bound(thresholds, 'mape', 'upper');
  const el = h(
    'form',
    {
      class: 'card',
      'data-form': 'policy',
      onsubmit: (e) => {
        e.preventDefault();
        void submit(view, el, rerender);
      },
    },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Change the policy'),
      h('p', { class: 'muted' }, 'Only the fields you change are sent; the rest of the policy is kept.'),
      h(
        'div',
        { class: 'form-row' },
        field(
          'policy-approvers',
          'Approvers',
          h('input', {
            id: 'policy-approvers',
            name: 'approvers',
            value: policy.approvers.join(', '),
            required: true,
            size: '34',
          }),
          'comma-separated',
        ),
        field(
          'policy-canary',
          'Canary traffic %',
          h('input', {
            id: 'policy-canary',
            name: 'canaryPercent',
            type: 'number',
            min: '1',
            max: '99',
            step: '1',
            value: String(policy.canaryPercent),
            style: 'width:6rem',
          }),
        ),
        field(
          'policy-scale',
          'Gate scale',
          h(
            'select',
            { id: 'policy-scale', name: 'gate.scale' },
            ['target', 'log'].map((s) => h('option', { value: s, selected: s === policy.gate.scale }, s)),
          ),
        ),
        field(
          'policy-r2',
          'R² at least',
          h('input', {
            id: 'policy-r2',
            name: 'r2Lower',
            type: 'number',
            step: 'any',
            value: r2 === undefined ? '' : String(r2),
            style: 'width:7rem',
          }),
          'empty: no R² floor',
        ),
        field(
          'policy-mape',
          'MAPE % at most',
          h('input', {
            id: 'policy-mape',
            name: 'mapeUpper',
            type: 'number',
            step: 'any',
            min: '0',
            value: mape === undefined ? '' : String(mape),
            style: 'width:7rem',
          }),
          'empty: no MAPE ceiling',
        ),
      ),
      h(
        'div',
        { class: 'form-row' },
        checkbox('policy-auto', 'autoApprove', policy.autoApprove, 'Auto-approve blessed versions'),
        checkbox(
          'policy-distinct',
          'requireDistinctApprover',
          policy.requireDistinctApprover,
          'Approver must differ from the requester',
        ),
        checkbox(
          'policy-baseline',
          'gate.mustBeatBaseline',
          policy.gate.mustBeatBaseline,
          'Gate: must beat the ridge baseline',
        ),
      ),
      h(
        'div',
        { class: 'form-row' },
        h(
          'datalist',
          { id: 'policy-approver-list' },
          policy.approvers.map((a) => h('option', { value: a })),
        ),
        field(
          'policy-reason',
          'Reason (required)',
          h('input', { id: 'policy-reason', name: 'reason', required: true, maxlength: '1000', size: '28' }),
        ),
        field(
          'policy-actor',
          'Actor',
          h('input', {
            id: 'policy-actor',
            name: 'actor',
            value: 'operator@local',
            list: 'policy-approver-list',
            required: true,
            size: '18',
          }),
        ),
        h('button', { type: 'submit', class: 'primary' }, 'Update policy…'),
      ),
    ),
  );
  return el;
}

/** A number typed in a field: undefined when empty, NaN when not a number. */
function numberOf(value) {
  const text = String(value ?? '').trim();
  return text === '' ? undefined : Number(text);
}

/** The value thresholds with the r2 lower and mape upper bounds set (or removed when undefined). */
function withBounds(thresholds, bounds) {
  let out = thresholds.map((t) => ({ ...t }));
  for (const [metric, side, value] of bounds) {
    let entry = out.find((t) => t.metric === metric && t[side] !== undefined) ?? out.find((t) => t.metric === metric);
    if (!entry && value === undefined) continue;
    if (!entry) {
      entry = { metric };
      out.push(entry);
    }
    if (value === undefined) delete entry[side];
    else entry[side] = value;
    out = out.filter((t) => t.lower !== undefined || t.upper !== undefined);
  }
  return out;
}

/** Only the fields that differ from the current policy, nested like the policy. */
function patchOf(policy, data) {
  const patch = {};
  const gate = {};
  const approvers = String(data.get('approvers') ?? '')
    .split(/[\s,]+/)
    .filter(Boolean);
  if (JSON.stringify(approvers) !== JSON.stringify(policy.approvers)) patch.approvers = approvers;
  const canary = numberOf(data.get('canaryPercent'));
  if (canary !== policy.canaryPercent) patch.canaryPercent = canary ?? null;
  for (const key of ['autoApprove', 'requireDistinctApprover']) {
    const checked = data.get(key) !== null;
    if (checked !== policy[key]) patch[key] = checked;
  }
  const scale = String(data.get('gate.scale') ?? '');
  if (scale !== policy.gate.scale) gate.scale = scale;
  const beat = data.get('gate.mustBeatBaseline') !== null;
  if (beat !== policy.gate.mustBeatBaseline) gate.mustBeatBaseline = beat;
  const thresholds = withBounds(policy.gate.valueThresholds, [
    ['r2', 'lower', numberOf(data.get('r2Lower'))],
    ['mape', 'upper', numberOf(data.get('mapeUpper'))],
  ]);
  if (JSON.stringify(thresholds) !== JSON.stringify(policy.gate.valueThresholds)) gate.valueThresholds = thresholds;
  if (Object.keys(gate).length > 0) patch.gate = gate;
  return patch;
}

async function submit(view, form, rerender) {
  const data = new FormData(form);
  const patch = patchOf(view.policy, data);
  if (Object.keys(patch).length === 0) return show('bad', 'Nothing to send: no field differs from the current policy.');
  const reason = String(data.get('reason') ?? '').trim();
  const command = {
    type: 'policy.update',
    modelId: view.modelId,
    actor: String(data.get('actor') ?? '').trim(),
    policy: patch,
    ...(reason ? { reason } : {}),
  };
  const ok = await confirmAction({
    title: 'Update the policy?',
    confirmLabel: 'Update policy',
    summary: `This publishes a policy.update for ${view.modelId} as ${command.actor}, changing ${changedPaths(patch).join(', ')}.`,
    details: [JSON.stringify(command, null, 2)],
  });
  if (!ok) return;
  show('pending', 'Sending the policy update…');
  const done = await publishAndAwait('promotions', command, () =>
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
    const outcome = recorded.outcome ?? {};
    if (recorded.status === 'rejected')
      return show('bad', `Refused by the platform: ${outcome.code ?? ''} ${outcome.message ?? outcome.reason ?? ''}`);
    if (outcome.kind === 'policy-unchanged') show('ok', 'Nothing changed: the policy already had these values.');
    else show('ok', `Policy updated: ${(outcome.changed ?? []).join(', ')}.`);
    rerender();
    return;
  }
  show('pending', 'No outcome recorded yet; it may still be processing. See the Audit page.');
}

function changedPaths(patch, prefix = '') {
  return Object.entries(patch).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? changedPaths(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

function show(tone, text, issues) {
  result.className = `result ${tone}`;
  result.replaceChildren(
    ...[
      h('p', { 'data-testid': 'policy-outcome' }, text),
      issues?.length
        ? h(
            'ul',
            { 'data-testid': 'issues' },
            issues.map((i) => h('li', {}, h('code', {}, i.path || '(message)'), `: ${i.message}`)),
          )
        : null,
    ].filter(Boolean),
  );
}
