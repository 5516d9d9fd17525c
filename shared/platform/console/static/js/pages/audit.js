/** Audit: the append-only log of lifecycle decisions and refused messages, with filters (kept in the URL). */
import { getJson, query } from '../api.js';
import { empty, h, pageHeader, table, time } from '../dom.js';

export const title = 'Audit';
/** Not refreshed by itself: the operator is reading and filtering. */
export const refresh = 'none';

const FILTERS = ['action', 'actor', 'subject.kind', 'subject.id', 'limit'];

/** Render the page. */
export async function render({ modelId, params, navigate }) {
  const values = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? '']));
  const scope = params.get('all') === '1' ? {} : { modelId };
  const [rows, vocabulary] = await Promise.all([
    getJson(`/api/audit${query({ ...scope, ...values, limit: values.limit || 100 })}`),
    getJson('/api/audit/vocabulary'),
  ]);
  return [
    pageHeader(
      title,
      'The append-only log: every lifecycle decision with who, why and evidence, and every refused command. Newest first.',
    ),
    filterForm(values, vocabulary, params.get('all') === '1', navigate),
    h(
      'p',
      { role: 'status', 'data-testid': 'audit-count' },
      `${rows.length} record(s)${values.action ? ` with action ${values.action}` : ''}.`,
    ),
    rows.length === 0
      ? empty('No records match these filters.')
      : table(null, ['At', 'Action', 'Subject', 'Change', 'Actor', 'Reason', 'Evidence'], rows.map(row), {
          id: 'audit',
        }),
  ];
}

function row(r) {
  const evidence = r.evidence ?? (r.code ? { code: r.code } : undefined);
  return [
    time(r.at),
    h('strong', {}, r.action),
    r.subject ? h('code', {}, `${r.subject.kind} ${r.subject.id}`) : '—',
    r.from || r.to ? `${r.from ?? '∅'} → ${r.to ?? '∅'}` : '—',
    r.actor ?? '—',
    r.reason ?? '—',
    evidence
      ? h(
          'details',
          {},
          h('summary', {}, 'show'),
          h('pre', { class: 'mono', style: 'white-space:pre-wrap;max-width:40rem' }, JSON.stringify(evidence, null, 2)),
        )
      : '—',
  ];
}

function filterForm(values, vocabulary, all, navigate) {
  const field = (label, control) => h('label', { class: 'field' }, label, control);
  const select = (name, options) =>
    h(
      'select',
      { name },
      h('option', { value: '' }, 'any'),
      options.map((o) => h('option', { value: o, selected: values[name] === o }, o)),
    );
  const form = h(
    'form',
    {
      class: 'filters',
      'aria-label': 'Audit filters',
      onsubmit: (e) => {
        e.preventDefault();
        const data = new FormData(form);
        navigate('audit', {
          ...Object.fromEntries(FILTERS.map((f) => [f, String(data.get(f) ?? '').trim()])),
          all: data.get('all') ? '1' : '',
        });
      },
    },
    field('Action', select('action', vocabulary.actions)),
    field('Actor', h('input', { name: 'actor', value: values.actor, placeholder: 'e.g. operator@local' })),
    field('Subject kind', select('subject.kind', vocabulary.subjectKinds)),
    field('Subject id', h('input', { name: 'subject.id', value: values['subject.id'], placeholder: 'e.g. 1.2.0' })),
    field(
      'Limit',
      h('input', {
        name: 'limit',
        type: 'number',
        min: '1',
        max: '1000',
        value: values.limit || '100',
        style: 'width:6rem',
      }),
    ),
    h(
      'label',
      { class: 'field', style: 'flex-direction:row;align-items:center' },
      h('input', { type: 'checkbox', name: 'all', value: '1', checked: all }),
      'all models and refused messages',
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Filter'),
    h('button', { type: 'button', onclick: () => navigate('audit') }, 'Clear'),
  );
  return form;
}
