/** DOM helpers: build elements from data with textContent only (no HTML strings), and formatting. */

/** Create an element: `h('td', { class: 'num' }, '42')`; `on*` attributes become listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** A table with a header row; `rows` are arrays of cells (strings, nodes, or `{ node, class }`). */
export function table(caption, headers, rows, options = {}) {
  const cell = (tag, c) =>
    c && typeof c === 'object' && !(c instanceof Node) && !Array.isArray(c)
      ? h(tag, { class: c.class }, c.node)
      : h(tag, {}, c);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-table': options.id },
      caption ? h('caption', { class: 'muted', style: 'text-align:left' }, caption) : null,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((c) => cell('th', typeof c === 'string' ? c : c)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            {},
            r.map((c) => cell('td', c)),
          ),
        ),
      ),
    ),
  );
}

/** A badge whose tone follows a lifecycle state or verdict. */
export function badge(text, tone = toneOf(text)) {
  return h('span', { class: `badge ${tone}` }, text);
}

const TONES = {
  production: 'ok',
  blessed: 'info',
  approved: 'info',
  canary: 'warn',
  registered: 'neutral',
  rejected: 'bad',
  rolled_back: 'bad',
  retired: 'neutral',
  running: 'info',
  submitted: 'info',
  requested: 'neutral',
  succeeded: 'ok',
  evaluated: 'ok',
  failed: 'bad',
  open: 'bad',
  closed: 'neutral',
  concluded: 'ok',
  promote: 'ok',
  rollback: 'bad',
  inconclusive: 'warn',
  passed: 'ok',
  failed_check: 'bad',
};

/** The tone of a state word. */
export function toneOf(state) {
  return TONES[state] ?? 'neutral';
}

/** A definition list from `[label, value]` pairs (values skipped when undefined). */
export function kv(pairs) {
  return h(
    'dl',
    { class: 'kv' },
    pairs
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

/** An empty-state message. */
export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

/** A number for people: 4 significant digits, big values with separators. */
export function num(value, digits = 4) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1e5) return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return Number(value.toPrecision(digits)).toString();
}

/** A timestamp as `YYYY-MM-DD HH:MM:SS` UTC (unambiguous for operators in several zones). */
export function time(iso) {
  if (!iso) return '—';
  return h('time', { datetime: iso }, `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`);
}

/** A short hash with the full value in a title. */
export function hash(value) {
  if (!value) return '—';
  return h('code', { title: String(value) }, String(value).slice(0, 12));
}

/** A page heading and a container; the heading receives focus after navigation. */
export function pageHeader(title, intro) {
  return [h('h1', { tabindex: '-1', id: 'page-title' }, title), intro ? h('p', { class: 'muted' }, intro) : null];
}
