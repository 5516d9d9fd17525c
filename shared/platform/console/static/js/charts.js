/**
 * Time-series charts with uPlot (served from the installed package, no CDN). Each chart groups
 * metric points into series by a label, draws an optional threshold line, and shows an empty-state
 * message when there are no points. Instances are kept in `window.consoleCharts` by id so the
 * browser tests can read what was drawn.
 */
import { empty, h } from './dom.js';

/** Chart instances by id; those no longer in the document are destroyed by `pruneCharts`. */
export const charts = new Map();
window.consoleCharts = charts;
/** Every instance still alive, with its resize observer (a re-render creates a new one per id). */
const alive = new Map();

const PALETTE = ['#0a58a8', '#b3261e', '#17632a', '#8a4b00', '#6b2fa0', '#00727a', '#a0155a', '#4a5160'];

/** Destroy the charts that left the document (called after each render swaps the page in). */
export function pruneCharts() {
  for (const [chart, observer] of alive) {
    if (chart.root.isConnected) continue;
    observer.disconnect();
    chart.destroy();
    alive.delete(chart);
  }
  for (const [id, chart] of charts) if (!alive.has(chart)) charts.delete(id);
}

/** Align points into uPlot's columnar data: x = unique times (seconds), one column per series. */
export function alignSeries(points, seriesOf) {
  const names = [...new Set(points.map(seriesOf))].sort();
  const times = [...new Set(points.map((p) => Date.parse(p.at) / 1000))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = names.map(() => times.map(() => null));
  for (const p of points) columns[names.indexOf(seriesOf(p))][index.get(Date.parse(p.at) / 1000)] = p.value;
  return { names, data: [times, ...columns] };
}

/**
 * A line chart figure. `threshold` = `{ value, label }` draws a dashed line; `seriesOf` names a
 * point's series (default: one series called `name`).
 */
export function lineChart({ id, title, note, points, seriesOf = () => title, threshold, yLabel = '' }) {
  const caption = h(
    'figcaption',
    { id: `${id}-title` },
    title,
    note ? h('span', { class: 'threshold-note' }, ` — ${note}`) : null,
  );
  const figure = h(
    'figure',
    { class: 'chart card', 'data-chart': id, 'data-points': String(points.length), 'aria-labelledby': `${id}-title` },
    caption,
  );
  if (points.error) {
    figure.append(
      h('p', { class: 'error-box' }, `Could not load this metric: ${points.error.code ?? ''} ${points.error.message}`),
    );
    return figure;
  }
  if (points.length === 0) {
    figure.append(empty('No data yet: the scheduled monitor has not written this metric for the selected period.'));
    return figure;
  }
  const { names, data } = alignSeries(points, seriesOf);
  const series = [
    {},
    ...names.map((name, i) => ({
      label: name,
      stroke: PALETTE[i % PALETTE.length],
      width: 2,
      points: { show: true, size: 6 },
      spanGaps: true,
    })),
  ];
  if (threshold && Number.isFinite(threshold.value)) {
    data.push(data[0].map(() => threshold.value));
    series.push({
      label: threshold.label ?? `threshold ${threshold.value}`,
      stroke: '#a11a1a',
      dash: [6, 4],
      width: 1.5,
      points: { show: false },
    });
  }
  const box = h('div', {
    class: 'chart-box',
    role: 'img',
    'aria-label': `${title}: ${points.length} points in ${names.length} series (${names.join(', ')})`,
  });
  figure.append(box, summaryTable(names, data));
  const width = () => Math.max(260, Math.floor(box.clientWidth || Math.min(window.innerWidth - 60, 640)));
  const chart = new window.uPlot(
    {
      width: width(),
      height: 220,
      series,
      axes: [{}, { label: yLabel, size: 60 }],
      // A single tick would otherwise stretch the time axis over years.
      scales: { x: { time: true, range: (_u, min, max) => (min === max ? [min - 3600, max + 3600] : [min, max]) } },
      legend: { live: false },
    },
    data,
    box,
  );
  charts.set(id, chart);
  const observer = new ResizeObserver(() => chart.setSize({ width: width(), height: 220 }));
  observer.observe(box);
  alive.set(chart, observer);
  return figure;
}

/** The latest value of every series, as text for people who do not read charts. */
function summaryTable(names, data) {
  const last = (col) => {
    for (let i = col.length - 1; i >= 0; i--) if (col[i] !== null) return col[i];
    return null;
  };
  const text = names.map((name, i) => `${name}: ${formatValue(last(data[i + 1]))}`).join(' · ');
  return h('p', { class: 'muted', style: 'margin:.3rem 0 0;font-size:.88rem' }, `Latest: ${text}`);
}

function formatValue(v) {
  return v === null ? '—' : Number(v.toPrecision(3)).toString();
}
