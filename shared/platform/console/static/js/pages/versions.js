/**
 * Versions: state, semver, metrics against the gate thresholds, gate verdict and evidence, global
 * feature importances, lineage, approvals.
 */
import { getJson } from '../api.js';
import { badge, empty, h, hash, kv, num, pageHeader, table, time } from '../dom.js';

export const title = 'Versions';
/** Re-renders on lifecycle events. */
export const refresh = 'events';

/** Render the page. */
export async function render({ modelId }) {
  if (!modelId) return [pageHeader('Versions'), empty('No model yet.')];
  const model = await getJson(`/api/models/${encodeURIComponent(modelId)}`);
  const importances = await Promise.all(model.versions.map((v) => loadImportances(modelId, v.version)));
  return [
    pageHeader(
      'Versions',
      `Every registered version of ${modelId}, newest first, with the evidence the gate recorded.`,
    ),
    model.versions.length === 0 ? empty('No version registered yet.') : overviewTable(model),
    model.versions.map((v, i) => versionSection(v, model, importances[i])),
  ];
}

/** A version's importances never change (they are saved with its artifacts): fetched once per page load. */
const importanceCache = new Map();

async function loadImportances(modelId, version) {
  const key = `${modelId}@${version}`;
  if (importanceCache.has(key)) return importanceCache.get(key);
  const path = `/api/models/${encodeURIComponent(modelId)}/versions/${encodeURIComponent(version)}/importances`;
  const loaded = await getJson(path).then(
    (body) => ({ kind: 'found', importances: body.importances }),
    (err) => (err.code === 'API.NO_IMPORTANCES' ? { kind: 'none' } : { kind: 'error', error: err }),
  );
  if (loaded.kind !== 'error') importanceCache.set(key, loaded);
  return loaded;
}

function overviewTable(model) {
  const split = model.deployment?.split ?? {};
  return table(
    'All versions',
    [
      'Version',
      'State',
      'Gate',
      { node: 'R²', class: 'num' },
      { node: 'MAPE %', class: 'num' },
      { node: 'Traffic', class: 'num' },
      'Created',
    ],
    model.versions.map((v) => [
      h('a', { href: `#v-${v.version}`, onclick: (e) => jump(e, v.version) }, v.version),
      badge(v.state),
      badge(v.gate.verdict),
      { node: num(v.metrics.r2), class: 'num' },
      { node: num(v.metrics.mape), class: 'num' },
      { node: split[v.version] !== undefined ? `${split[v.version]}%` : '—', class: 'num' },
      time(v.createdAt),
    ]),
    { id: 'versions' },
  );
}

function jump(e, version) {
  // Hash routes own location.hash, so in-page links scroll and focus instead of navigating.
  e.preventDefault();
  const target = document.getElementById(`v-${version}`);
  target?.scrollIntoView();
  target?.querySelector('h2')?.focus();
}

function versionSection(v, model, importances) {
  const lineage = v.lineage ?? {};
  return h(
    'section',
    {
      class: 'card',
      id: `v-${v.version}`,
      'data-version': v.version,
      'aria-labelledby': `v-${v.version}-h`,
      style: 'margin-top:1rem',
    },
    h(
      'h2',
      { id: `v-${v.version}-h`, tabindex: '-1' },
      `Version ${v.version} `,
      badge(v.state),
      ' ',
      h(
        'span',
        { 'data-testid': 'gate-verdict' },
        badge(`gate: ${v.gate.verdict}`, v.gate.verdict === 'blessed' ? 'ok' : 'bad'),
      ),
    ),
    kv([
      ['Semver', v.version],
      ['State', v.state],
      ['Run', h('code', {}, v.runId)],
      ['Created', time(v.createdAt)],
      ['Artifact', h('code', {}, v.artifactUri)],
    ]),
    v.gate.reasons.length
      ? h(
          'div',
          { class: 'result bad' },
          h('strong', {}, 'Gate refused it because:'),
          h(
            'ul',
            {},
            v.gate.reasons.map((r) => h('li', {}, r)),
          ),
        )
      : null,
    h('h3', {}, 'Metrics against the gate thresholds'),
    metricsTable(v, model.policy?.gate ?? {}),
    h('h3', {}, 'Gate evidence'),
    evidenceTable(v.gate.evidence ?? []),
    h('h3', {}, 'Global feature importances'),
    importancesView(v.version, importances),
    h('h3', {}, 'Lineage'),
    kv([
      ['Dataset fingerprint', hash(lineage.datasetFingerprint)],
      ['Contract hash', hash(lineage.contractHash)],
      ['Contract', lineage.contract ? `${lineage.contract.name} ${lineage.contract.version}` : undefined],
      ['Rows', lineage.rows !== undefined ? String(lineage.rows) : undefined],
      ['Data', lineage.dataUri ? h('code', {}, lineage.dataUri) : undefined],
      ['Data snapshot', lineage.dataSnapshotAt ? time(lineage.dataSnapshotAt) : undefined],
      [
        'Split',
        lineage.split
          ? `${lineage.split.kind} on ${lineage.split.column}: train ${(lineage.split.train ?? []).join('–')}, validation ${(lineage.split.validation ?? []).join('–')}, test ${(lineage.split.test ?? []).join('–')}`
          : undefined,
      ],
      ['Reasons', (lineage.reasons ?? []).join(', ')],
      [
        'Code',
        lineage.code
          ? Object.entries(lineage.code)
              .map(([k, x]) => `${k} ${x}`)
              .join(', ')
          : undefined,
      ],
    ]),
    parameters(lineage.parameters),
    h('h3', {}, 'Approvals'),
    v.approvals.length === 0
      ? empty('No approvals.')
      : table(
          null,
          ['Actor', 'At', 'Reason'],
          v.approvals.map((a) => [a.actor, time(a.at), a.reason ?? '—']),
        ),
    h(
      'details',
      {},
      h('summary', {}, `State history (${v.stateHistory.length} transitions)`),
      table(
        null,
        ['At', 'From', 'To', 'Actor', 'Reason'],
        v.stateHistory.map((s) => [time(s.at), s.from ?? '—', s.to, s.actor, s.reason]),
      ),
    ),
  );
}

function thresholdText(metric, gate) {
  const t = (gate.valueThresholds ?? []).filter((x) => x.metric === metric);
  return t
    .map((x) =>
      [x.lower !== undefined ? `≥ ${x.lower}` : null, x.upper !== undefined ? `≤ ${x.upper}` : null]
        .filter(Boolean)
        .join(' and '),
    )
    .join('; ');
}

function metricsTable(v, gate) {
  const checks = (v.gate.evidence ?? []).filter((e) => e.check === 'value-threshold');
  const metrics = Object.entries(v.metrics).filter(([, x]) => typeof x === 'number' || x === null);
  return table(
    null,
    [
      'Metric',
      { node: 'Candidate', class: 'num' },
      { node: 'Ridge baseline', class: 'num' },
      'Gate threshold',
      'Result',
    ],
    metrics.map(([name, value]) => {
      const check = checks.filter((c) => c.metric === name);
      const result =
        check.length === 0 ? '—' : check.every((c) => c.passed) ? badge('passed', 'ok') : badge('failed', 'bad');
      return [
        name,
        { node: num(value), class: 'num' },
        { node: num(v.baselineMetrics?.[name]), class: 'num' },
        thresholdText(name, gate) || '—',
        result,
      ];
    }),
    { id: `metrics-${v.version}` },
  );
}

function evidenceTable(evidence) {
  if (evidence.length === 0) return empty('No gate evidence recorded.');
  return table(
    null,
    [
      'Check',
      'Metric',
      { node: 'Observed', class: 'num' },
      'Rule',
      { node: 'Reference', class: 'num' },
      'Result',
      'Note',
    ],
    evidence.map((e) => [
      e.check,
      e.metric ?? '—',
      { node: num(e.observed), class: 'num' },
      `${e.change ? `${e.change} change ` : ''}${e.comparator} ${num(e.threshold)}`,
      { node: num(e.reference), class: 'num' },
      e.skipped ? badge('skipped', 'neutral') : e.passed ? badge('passed', 'ok') : badge('failed', 'bad'),
      e.note ?? '',
    ]),
    { id: 'gate-evidence' },
  );
}

function parameters(p) {
  if (!p) return null;
  const hp = Object.entries(p.hyperparameters ?? {});
  const rest = Object.entries(p).filter(([k]) => k !== 'hyperparameters');
  return table(
    'Parameters',
    ['Parameter', { node: 'Value', class: 'num' }],
    [...hp, ...rest].map(([k, x]) => [k, { node: typeof x === 'object' ? JSON.stringify(x) : num(x), class: 'num' }]),
  );
}

function importancesView(version, loaded) {
  const box = (...children) => h('div', { 'data-testid': 'importances', 'data-version': version }, children);
  if (loaded.kind === 'none') return box(empty('No importances recorded for this version.'));
  if (loaded.kind === 'error')
    return box(
      h(
        'div',
        { class: 'error-box', role: 'alert' },
        h('strong', {}, `Could not load the importances: ${loaded.error.code ?? 'error'}`),
        h('p', {}, loaded.error.message),
      ),
    );
  const imp = loaded.importances ?? {};
  const features = [...(imp.features ?? [])].sort(
    (a, b) => b.meanAbsAttribution - a.meanAbsAttribution || (a.feature < b.feature ? -1 : 1),
  );
  if (features.length === 0) return box(empty('No importances recorded for this version.'));
  const max = features[0].meanAbsAttribution;
  const total = features.reduce((a, f) => a + f.meanAbsAttribution, 0);
  const gain = features.some((f) => typeof f.gainShare === 'number');
  const scale = imp.scale === 'log' ? 'the log of the target' : 'the target scale';
  return box(
    h(
      'p',
      { class: 'muted' },
      `Mean |attribution| per feature (${imp.method ?? 'unknown method'}, ${imp.family ?? 'unknown'} model) over ${imp.rows ?? '?'} ${imp.split ?? ''} rows, on ${scale}; most important first.`,
    ),
    table(
      null,
      [
        'Feature',
        { node: 'Mean |attribution|', class: 'num' },
        { node: 'Share', class: 'num' },
        'Relative to the largest',
        gain ? { node: 'Gain share', class: 'num' } : null,
      ].filter(Boolean),
      features.map((f) =>
        [
          f.feature,
          { node: num(f.meanAbsAttribution), class: 'num' },
          { node: total > 0 ? `${((100 * f.meanAbsAttribution) / total).toFixed(1)}%` : '—', class: 'num' },
          bar(max > 0 ? f.meanAbsAttribution / max : 0),
          gain
            ? { node: typeof f.gainShare === 'number' ? `${(100 * f.gainShare).toFixed(1)}%` : '—', class: 'num' }
            : null,
        ].filter((c) => c !== null),
      ),
      { id: `importances-${version}` },
    ),
  );
}

/** A horizontal bar for a fraction in [0, 1]; the numbers beside it carry the value for screen readers. */
function bar(fraction) {
  return h(
    'span',
    { class: 'bar-track', 'aria-hidden': 'true' },
    h('span', { class: 'bar', style: `width:${Math.max(0, Math.min(1, fraction)) * 100}%` }),
  );
}
