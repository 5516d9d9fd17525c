/**
 * The console shell: hash routes (`#/page?param=value`), the model picker, live refresh from the
 * lifecycle event stream (polling when it is down), and error display. Pages are modules exporting
 * `{ title, render(ctx), refresh }` where `refresh` says when a page re-renders by itself.
 */
import { getJson } from './api.js';
import { pruneCharts } from './charts.js';
import { h } from './dom.js';
import { connectLive } from './live.js';
import * as overview from './pages/overview.js';
import * as versions from './pages/versions.js';
import * as champions from './pages/champions.js';
import * as monitoring from './pages/monitoring.js';
import * as experiments from './pages/experiments.js';
import * as audit from './pages/audit.js';
import * as actions from './pages/actions.js';
import * as alerts from './pages/alerts.js';
import * as policy from './pages/policy.js';

const PAGES = { overview, versions, champions, monitoring, alerts, experiments, audit, actions, policy };
const POLL_MS = { live: 15000, polling: 5000 };
const main = document.getElementById('main');
const picker = document.getElementById('model-select');
const liveState = document.getElementById('live-state');
const state = { modelId: null, live: 'connecting', recentEvents: [], renderId: 0, pollTimer: null };

function route() {
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const name = PAGES[path] ? path : 'overview';
  return { name, page: PAGES[name], params: new URLSearchParams(search) };
}

/** Navigate within the console (updates the hash; the router renders). */
export function navigate(name, params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString();
  location.hash = `#/${name}${q ? `?${q}` : ''}`;
}

async function loadModels() {
  const status = await getJson('/api/status');
  const ids = status.models.map((m) => m.modelId);
  const wanted = new URLSearchParams(location.search).get('model') ?? localStorage.getItem('console.model');
  state.modelId = ids.includes(wanted) ? wanted : (ids[0] ?? null);
  picker.replaceChildren(
    ...(ids.length ? ids : ['(no model yet)']).map((id) =>
      h('option', { value: id, selected: id === state.modelId }, id),
    ),
  );
  picker.disabled = ids.length <= 1;
}

async function render({ focus }) {
  const { name, page, params } = route();
  const id = ++state.renderId;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${page.title} · ipo-mlops console`;
  if (!state.modelId) await loadModels().catch(() => undefined);
  let nodes;
  try {
    nodes = await page.render({
      modelId: state.modelId,
      params,
      navigate,
      recentEvents: state.recentEvents,
      rerender: () => render({ focus: false }),
    });
  } catch (err) {
    nodes = [
      h('h1', { tabindex: '-1', id: 'page-title' }, page.title),
      h(
        'div',
        { class: 'error-box', role: 'alert' },
        h('strong', {}, `Could not load this page: ${err.code ?? 'error'}`),
        h('p', {}, err.message),
      ),
    ];
  }
  if (id !== state.renderId) return; // a newer render started while this one was loading
  const scroll = window.scrollY;
  main.replaceChildren(...[nodes].flat(Infinity).filter(Boolean));
  pruneCharts();
  if (focus) document.getElementById('page-title')?.focus();
  else window.scrollTo(0, scroll);
  main.dataset.page = name;
  main.dataset.rendered = String(id);
  schedulePoll();
}

function schedulePoll() {
  clearTimeout(state.pollTimer);
  const { page } = route();
  const ms =
    page.refresh === 'poll'
      ? 3000
      : page.refresh === 'events'
        ? POLL_MS[state.live === 'live' ? 'live' : 'polling']
        : 0;
  if (ms > 0) state.pollTimer = setTimeout(() => void render({ focus: false }), ms);
}

let eventTimer;
function onEvent(event) {
  state.recentEvents.unshift(event);
  state.recentEvents.length = Math.min(state.recentEvents.length, 50);
  if (!state.modelId) void loadModels().catch(() => undefined);
  const { page } = route();
  if (page.refresh !== 'poll' && page.refresh !== 'events') return;
  clearTimeout(eventTimer);
  eventTimer = setTimeout(() => void render({ focus: false }), 250); // a decision publishes several events at once
}

function setLive(s) {
  state.live = s;
  liveState.dataset.state = s;
  liveState.textContent =
    s === 'live' ? 'live (event stream)' : s === 'polling' ? 'polling (event stream down)' : 'connecting…';
}

picker.addEventListener('change', () => {
  state.modelId = picker.value;
  localStorage.setItem('console.model', picker.value);
  void render({ focus: false });
});
window.addEventListener('hashchange', () => void render({ focus: true }));
connectLive({ onEvent, onState: setLive });
void loadModels()
  .catch(() => undefined)
  .then(() => render({ focus: false }));
