/**
 * Monitoring: per-feature drift statistics over time against their thresholds, dataset drift and
 * skew shares, prediction drift, R² on actuals, and the four business metrics, as uPlot charts.
 */
import { getJson } from '../api.js';
import { lineChart } from '../charts.js';
import { empty, h, pageHeader } from '../dom.js';
import { featureThreshold, monitoringThresholds } from '../thresholds.js';

export const title = 'Monitoring';
/** Re-renders on lifecycle events (a monitor tick that opens an alert publishes one). */
export const refresh = 'events';

const RANGES = { '1d': 1, '7d': 7, '30d': 30, '90d': 90 };
const METRICS = [
  'feature_drift',
  'drift_share',
  'skew_share',
  'prediction_drift',
  'r2_on_actuals',
  'labelled_count',
  'accuracy_by_sector',
  'valuation_error_quantile',
  'model_confidence',
  'prediction_volume',
];

/** Render the page. */
export async function render({ modelId, params, navigate }) {
  if (!modelId) return [pageHeader(title), empty('No model yet.')];
  const range = RANGES[params.get('range')] ? params.get('range') : '30d';
  const since = new Date(Date.now() - RANGES[range] * 86_400_000).toISOString();
  const [model, ...series] = await Promise.all([
    getJson(`/api/models/${encodeURIComponent(modelId)}`),
    // One metric failing to load leaves its chart with the error and the others drawn.
    ...METRICS.map((m) =>
      getJson(`/api/metrics/${encodeURIComponent(modelId)}/${m}?since=${encodeURIComponent(since)}`).catch((err) =>
        Object.assign([], { error: err }),
      ),
    ),
  ]);
  const data = Object.fromEntries(METRICS.map((m, i) => [m, series[i]]));
  const t = monitoringThresholds(model.policy);
  return [
    pageHeader(
      title,
      `Written by the scheduled monitor for the production version of ${modelId}. Dashed red lines are the policy thresholds.`,
    ),
    rangePicker(range, navigate),
    h('h2', {}, 'Data drift per feature'),
    featureCharts(data.feature_drift, model.policy),
    h(
      'div',
      { class: 'grid' },
      lineChart({
        id: 'drift-share',
        title: 'Share of drifted columns',
        note: `dataset drift at ≥ ${t.driftShare}`,
        points: data.drift_share,
        threshold: { value: t.driftShare, label: 'drift share threshold' },
      }),
      lineChart({
        id: 'skew-share',
        title: 'Share of skewed model inputs',
        note: `skew at ≥ ${t.skewShare}`,
        points: data.skew_share,
        threshold: { value: t.skewShare, label: 'skew share threshold' },
      }),
    ),
    h('h2', {}, 'Prediction drift and performance'),
    h(
      'div',
      { class: 'grid' },
      lineChart({
        id: 'prediction-drift',
        title: 'Prediction drift (Jensen-Shannon distance)',
        note: `drift at ≥ ${t.predictionThreshold}`,
        points: data.prediction_drift,
        threshold: { value: t.predictionThreshold, label: 'prediction drift threshold' },
      }),
      lineChart({
        id: 'r2-on-actuals',
        title: 'R² on actuals',
        note: `alert below ${t.r2Floor}`,
        points: data.r2_on_actuals,
        threshold: { value: t.r2Floor, label: 'R² floor' },
      }),
      lineChart({ id: 'labelled-count', title: 'Labelled predictions', points: data.labelled_count }),
    ),
    h('h2', {}, 'Business metrics'),
    h(
      'div',
      { class: 'grid' },
      lineChart({
        id: 'accuracy-by-sector',
        title: 'Accuracy by sector (MAPE %)',
        note: 'lower is better',
        points: data.accuracy_by_sector,
        seriesOf: (p) => `${p.labels.value}`,
      }),
      lineChart({
        id: 'valuation-error-quantile',
        title: 'Valuation error quantiles (signed %)',
        note: 'p10 / p50 / p90',
        points: data.valuation_error_quantile,
        seriesOf: (p) => p.labels.quantile ?? 'value',
      }),
      lineChart({
        id: 'model-confidence',
        title: 'Model confidence',
        note: 'in-range share and prediction spread',
        points: data.model_confidence,
        seriesOf: (p) => p.labels.kind ?? 'value',
      }),
      lineChart({
        id: 'prediction-volume',
        title: 'Prediction volume by market condition',
        points: data.prediction_volume,
        seriesOf: (p) => p.labels.market_condition ?? 'unspecified',
      }),
    ),
  ];
}

function rangePicker(range, navigate) {
  const select = h(
    'select',
    { id: 'range', name: 'range' },
    Object.keys(RANGES).map((r) =>
      h('option', { value: r, selected: r === range }, `last ${r.replace('d', ' day(s)')}`),
    ),
  );
  return h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        navigate('monitoring', { range: select.value });
      },
    },
    h('label', { class: 'field', for: 'range' }, 'Period', select),
    h('button', { type: 'submit' }, 'Show'),
  );
}

function featureCharts(points, policy) {
  if (points.error) return lineChart({ id: 'feature-drift', title: 'Feature drift', points });
  const byFeature = new Map();
  for (const p of points)
    byFeature.set(p.labels.feature ?? '(unnamed)', [...(byFeature.get(p.labels.feature ?? '(unnamed)') ?? []), p]);
  if (byFeature.size === 0) return lineChart({ id: 'feature-drift', title: 'Feature drift', points: [] });
  return h(
    'div',
    { class: 'grid' },
    [...byFeature.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([feature, pts]) => {
        const method = pts[pts.length - 1].labels.method ?? 'psi';
        const th = featureThreshold(policy, feature, method);
        // The monitor records a test's statistic, not its p-value, so a p-value threshold cannot be drawn on it.
        if (th.direction === 'below') {
          return lineChart({
            id: `feature-drift-${feature}`,
            title: `Drift of ${feature}`,
            note: `${method} statistic; drift when its p-value < ${th.value} (see the alert evidence)`,
            points: pts,
            seriesOf: () => `${feature} (${method})`,
          });
        }
        return lineChart({
          id: `feature-drift-${feature}`,
          title: `Drift of ${feature}`,
          note: `${method}; drift when ≥ ${th.value}`,
          points: pts,
          seriesOf: () => `${feature} (${method})`,
          threshold: { value: th.value, label: `${method} threshold` },
        });
      }),
  );
}
