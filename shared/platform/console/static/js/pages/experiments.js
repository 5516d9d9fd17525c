/** Experiments: per-version error metrics, test statistics, confidence interval, guardrails and decision. */
import { getJson } from '../api.js';
import { badge, empty, h, kv, num, pageHeader, table, time } from '../dom.js';

export const title = 'Experiments';
/** Re-renders on lifecycle events. */
export const refresh = 'events';

/** Render the page. */
export async function render({ modelId }) {
  const all = await getJson('/api/experiments?limit=200');
  const list = all
    .filter((x) => !modelId || x.modelId === modelId)
    .sort((a, b) => String(b.startedAt).localeCompare(String(a.startedAt)));
  return [
    pageHeader(title, 'Canary experiments: the candidate against the control on labelled predictions.'),
    list.length === 0
      ? empty('No experiment yet: one opens when a version goes to canary and the monitor runs.')
      : list.map(section),
  ];
}

function section(x) {
  const evidence = x.evidence ?? x.lastAnalysis?.evidence ?? {};
  const decision = x.outcome ?? x.lastAnalysis?.kind ?? 'waiting';
  const reasons = x.reasons ?? x.lastAnalysis?.reasons ?? [];
  return h(
    'section',
    {
      class: 'card',
      'data-experiment': x.experimentId,
      'aria-labelledby': `x-${x.experimentId}`,
      style: 'margin-bottom:1rem',
    },
    h('h2', { id: `x-${x.experimentId}` }, `${x.experimentId} `, badge(x.status)),
    kv([
      ['Control', x.control],
      ['Candidate', x.candidate],
      ['Started', time(x.startedAt)],
      ['Deadline', time(x.deadline)],
      ['Samples needed per arm', String(x.minSamplesPerArm)],
      ['Extensions', String(x.extensions ?? 0)],
      ['Decision', h('span', { 'data-testid': 'decision' }, badge(decision))],
      ['Concluded', x.concludedAt ? time(x.concludedAt) : undefined],
    ]),
    reasons.length
      ? h(
          'ul',
          {},
          reasons.map((r) => h('li', {}, r)),
        )
      : null,
    h('h3', {}, 'Error metrics per version'),
    arms(x, evidence),
    h('h3', {}, 'Test statistics'),
    tests(evidence),
    h('h3', {}, 'Guardrails breached'),
    (evidence.breachedGuardrails ?? []).length === 0
      ? h('p', {}, 'None.')
      : table(
          null,
          ['Guardrail', { node: 'Value', class: 'num' }, { node: 'Limit', class: 'num' }],
          evidence.breachedGuardrails.map((g) => [
            g.name,
            { node: num(g.value), class: 'num' },
            { node: num(g.limit), class: 'num' },
          ]),
        ),
  );
}

function arms(x, evidence) {
  const rows = [];
  if (evidence.control && evidence.candidate) {
    rows.push(['control', x.control, evidence.control], ['candidate', x.candidate, evidence.candidate]);
  } else {
    for (const a of x.lastAnalysis?.arms ?? evidence.sql ?? [])
      rows.push([a.version === x.candidate ? 'candidate' : 'control', a.version, a]);
  }
  if (rows.length === 0) return empty('No labelled predictions on either arm yet.');
  return table(
    null,
    [
      'Arm',
      'Version',
      { node: 'Count', class: 'num' },
      { node: 'MAE', class: 'num' },
      { node: 'RMSE', class: 'num' },
      { node: 'MAPE %', class: 'num' },
      { node: 'Correlation', class: 'num' },
    ],
    rows.map(([arm, version, a]) => [
      arm,
      version,
      ...[a.count, a.mae, a.rmse, a.mape, a.correlation].map((v) => ({ node: num(v), class: 'num' })),
    ]),
    { id: 'arms' },
  );
}

function tests(e) {
  const rows = [];
  if (e.welch)
    rows.push([
      "Welch's t-test (absolute errors)",
      num(e.welch.statistic),
      num(e.welch.pValue),
      `df ${num(e.welch.df)}`,
    ]);
  if (e.mannWhitney) rows.push(['Mann-Whitney U', num(e.mannWhitney.statistic), num(e.mannWhitney.pValue), '']);
  const ci = e.bootstrap;
  const parts = [];
  if (rows.length)
    parts.push(
      table(
        null,
        ['Test', { node: 'Statistic', class: 'num' }, { node: 'p-value', class: 'num' }, 'Note'],
        rows.map((r) => [r[0], { node: r[1], class: 'num' }, { node: r[2], class: 'num' }, r[3]]),
        { id: 'tests' },
      ),
    );
  if (ci)
    parts.push(
      h(
        'p',
        { 'data-testid': 'bootstrap-ci' },
        `MAE difference (candidate − control): ${num(ci.estimate)}, ${Math.round(ci.confidence * 100)}% bootstrap CI [${num(ci.lower)}, ${num(ci.upper)}] from ${ci.resamples} resamples.`,
      ),
    );
  if (e.alpha !== undefined) parts.push(h('p', { class: 'muted' }, `Significance level α = ${e.alpha}.`));
  return parts.length ? parts : empty('No test has run yet (not enough labelled predictions).');
}
