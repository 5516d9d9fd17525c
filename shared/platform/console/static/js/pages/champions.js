/** Champion history: who held production, from when to when, why it changed; and the traffic revisions. */
import { getJson } from '../api.js';
import { empty, h, num, pageHeader, table, time } from '../dom.js';

export const title = 'Champion history';
/** Re-renders on lifecycle events. */
export const refresh = 'events';

/** Render the page. */
export async function render({ modelId }) {
  if (!modelId) return [pageHeader(title), empty('No model yet.')];
  const model = await getJson(`/api/models/${encodeURIComponent(modelId)}`);
  const history = [...model.championHistory].reverse();
  return [
    pageHeader(title, `Who held production for ${modelId}, from when to when, and why it changed. Newest first.`),
    history.length === 0
      ? empty('No version has held production yet.')
      : h('ol', { class: 'timeline', 'data-testid': 'champion-timeline' }, history.map(entry)),
    h('h2', {}, 'Traffic revisions'),
    trafficTable(model.deployment),
  ];
}

function entry(e) {
  const metrics = e.evidence?.metrics;
  return h(
    'li',
    { class: e.to ? '' : 'current', 'data-champion': e.version },
    h('h3', { style: 'margin:0' }, `${e.version}${e.to ? '' : ' — current champion'}`),
    h(
      'p',
      { style: 'margin:.2rem 0' },
      'From ',
      time(e.from),
      ' to ',
      e.to ? time(e.to) : 'now',
      ` (${duration(e.from, e.to)})`,
    ),
    h(
      'p',
      { style: 'margin:.2rem 0' },
      h('strong', {}, 'Why: '),
      e.reason,
      h('span', { class: 'muted' }, ` — by ${e.actor}`),
    ),
    metrics
      ? h(
          'p',
          { class: 'muted', style: 'margin:.2rem 0' },
          `Evidence: R² ${num(metrics.r2)}, MAPE ${num(metrics.mape)} %, gate ${e.evidence.gate ?? '—'}`,
        )
      : null,
  );
}

function duration(from, to) {
  const ms = Date.parse(to ?? new Date().toISOString()) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const min = Math.round(ms / 60000);
  if (min < 60) return `${min} min`;
  if (min < 2880) return `${(min / 60).toFixed(1)} h`;
  return `${(min / 1440).toFixed(1)} days`;
}

function trafficTable(deployment) {
  if (!deployment || deployment.history.length === 0) return empty('No traffic changes yet.');
  return table(
    null,
    ['Revision', 'Split', 'At', 'Actor', 'Reason'],
    [...deployment.history].reverse().map((r) => [
      String(r.revision),
      Object.entries(r.split)
        .map(([v, p]) => `${v} ${p}%`)
        .join(', ') || '(nothing)',
      time(r.at),
      r.actor,
      r.reason,
    ]),
    { id: 'traffic-history' },
  );
}
