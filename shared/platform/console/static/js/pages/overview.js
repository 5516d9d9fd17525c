/** Overview: what serves (production, canary, traffic split), the run in progress, open alerts, last events. */
import { getJson } from '../api.js';
import { badge, empty, h, kv, num, pageHeader, table, time } from '../dom.js';

export const title = 'Overview';
/** Polls: a run's step and epoch progress changes without lifecycle events. */
export const refresh = 'poll';

/** Render the page. */
export async function render({ modelId }) {
  const status = await getJson('/api/status');
  const models = status.models.filter((m) => !modelId || m.modelId === modelId);
  return [
    pageHeader(
      'Overview',
      `What serves, why, and what the system is about to do. Updated ${status.at.slice(11, 19)}Z.`,
    ),
    models.length === 0
      ? empty('No model yet: land a CSV in the landing folder or request a retrain.')
      : models.map(modelCard),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'alerts-h' },
        h('h2', { id: 'alerts-h' }, `Open alerts (${status.openAlerts.length})`),
        alerts(status.openAlerts),
        h('p', {}, h('a', { href: '#/alerts' }, 'Acknowledge or close alerts')),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'events-h' },
        h('h2', { id: 'events-h' }, 'Last lifecycle events'),
        events(status.lastEvents),
      ),
    ),
    h('p', { class: 'muted' }, `Bus: ${status.deadLetters} dead letter(s).`),
  ];
}

function modelCard(m) {
  const split = m.deployment?.split ?? {};
  const pending = m.versions.filter((v) => v.state === 'blessed');
  return h(
    'section',
    { class: 'card', 'aria-labelledby': `model-${m.modelId}`, 'data-model': m.modelId },
    h('h2', { id: `model-${m.modelId}` }, m.modelId),
    h(
      'div',
      { class: 'grid' },
      h(
        'div',
        {},
        h('h3', {}, 'Serving'),
        kv([
          [
            'Production',
            m.championVersion
              ? h('span', { 'data-testid': 'production-version' }, m.championVersion, ' ', badge('production'))
              : 'nothing serves yet',
          ],
          [
            'Canary',
            m.canaryVersion
              ? h('span', { 'data-testid': 'canary-version' }, m.canaryVersion, ' ', badge('canary'))
              : 'none',
          ],
          ['Deployment revision', m.deployment ? String(m.deployment.revision) : undefined],
        ]),
        splitBar(split, m),
      ),
      h('div', {}, h('h3', {}, 'Run in progress'), run(m.inFlightRun)),
    ),
    pending.length > 0
      ? h(
          'p',
          { class: 'result pending' },
          `Waiting for approval: ${pending.map((v) => v.version).join(', ')}. `,
          h('a', { href: '#/actions' }, 'Approve or reject'),
        )
      : null,
  );
}

function splitBar(split, m) {
  const entries = Object.entries(split).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return empty('No traffic split: nothing is deployed.');
  const role = (v) => (v === m.championVersion ? 'production' : v === m.canaryVersion ? 'canary' : 'other');
  const text = entries.map(([v, pct]) => `${v} ${pct}%`).join(', ');
  return h(
    'div',
    { 'data-testid': 'traffic-split' },
    h(
      'div',
      { class: 'split', role: 'img', 'aria-label': `Traffic split: ${text}` },
      entries.map(([v, pct]) =>
        h('span', { class: role(v), style: `flex:${Math.max(pct, 4)}`, title: `${v}: ${pct}%` }, `${pct}%`),
      ),
    ),
    table(
      null,
      ['Version', 'Role', { node: 'Traffic', class: 'num' }],
      entries.map(([v, pct]) => [v, role(v), { node: `${pct}%`, class: 'num' }]),
    ),
  );
}

function run(r) {
  if (!r) return empty('No run in progress.');
  const p = r.progress ?? {};
  const epochs = Number(p.epochs);
  return h(
    'div',
    { 'data-testid': 'run-progress' },
    kv([
      ['Run', h('code', {}, r.runId)],
      ['State', badge(r.state)],
      ['Reasons', (r.reasons ?? []).join(', ')],
      ['Step', p.step ? `${p.step}${p.stepStatus ? ` (${p.stepStatus})` : ''}` : 'waiting to start'],
      ['Epoch', p.epoch !== undefined ? `${p.epoch} / ${p.epochs}` : undefined],
      ['Loss', p.loss !== undefined ? `${num(p.loss)} (validation ${num(p.valLoss)})` : undefined],
      ['Attempt', String(r.attempt ?? 1)],
    ]),
    Number.isFinite(epochs) && epochs > 0
      ? h('progress', {
          max: String(epochs),
          value: String(p.epoch ?? 0),
          'aria-label': `Training epoch ${p.epoch} of ${epochs}`,
        })
      : null,
  );
}

function alerts(list) {
  if (list.length === 0) return empty('No open alerts.');
  return table(
    null,
    ['Signal', 'Summary', 'Opened', 'Last decision'],
    list.map((a) => [badge(a.signal, 'bad'), a.summary, time(a.openedAt), a.decision ?? '—']),
  );
}

/** The last lifecycle events, newest first (shared with other pages). */
export function events(list) {
  if (list.length === 0) return empty('No lifecycle events yet.');
  return h(
    'ol',
    { class: 'events', 'data-testid': 'events' },
    list.map((e) =>
      h(
        'li',
        {},
        time(e.at ?? e.occurredAt),
        ' ',
        h('strong', {}, e.action ?? e.event),
        ' ',
        e.subject ? h('code', {}, `${e.subject.kind} ${e.subject.id}`) : null,
        e.from || e.to ? ` ${e.from ?? '∅'} → ${e.to ?? '∅'}` : '',
        h('div', { class: 'muted' }, `${e.actor ?? ''}: ${e.reason ?? ''}`),
      ),
    ),
  );
}
