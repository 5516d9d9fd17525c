/**
 * The scheduled monitor and the confirmation of external alerts. For the production version it
 * measures data drift of the recent serving window against the training reference, training-serving
 * skew of the model inputs, prediction drift, performance on labelled predictions (R² floor) and data
 * freshness; it writes those and the business metrics, and sends every crossed threshold through the
 * alert decision path. A live canary's experiment is analysed in the same tick.
 */
import type { DriftSignal } from '../domain/contracts/index.js';
import { alertSlot, parsePolicy, type ModelPolicy } from '../domain/lifecycle/index.js';
import { COLLECTIONS, type ModelDoc, SCHEMAS } from '../domain/state.js';
import type { MetricPoint } from '../ports/metrics-sink.js';
import type { LabelledPrediction, PredictionRecord } from '../ports/prediction-log.js';
import {
  quantileSorted,
  type CategoricalBaseline,
  type FeatureDriftResult,
  type NumericBaseline,
} from '../domain/stats/index.js';
import { absolutePercentError, ErrorAccumulator } from '../domain/stats/error-metrics.js';
import {
  dataDrift,
  loadReference,
  predictionShift,
  servedFeatures,
  trainingServingSkew,
  type MonitoringReference,
} from '../ml/monitoring-reference.js';
import type { ServiceDeps } from './context.js';
import { handleAlert } from './drift-alert.service.js';
import { checkExperiment } from './experiment.service.js';
import type { MessageIdentity, Processed } from './processing.js';
import { getDoc } from './documents.js';

/** A finding of the monitor: a signal over its threshold, with its evidence. */
export interface Finding {
  signal: DriftSignal;
  summary: string;
  evidence: Record<string, unknown>;
}

/** R² of predictions against actuals (undefined when fewer than 2 rows or no variance). */
export function rSquared(actual: readonly number[], predicted: readonly number[]): number | undefined {
  if (actual.length < 2) return undefined;
  const mean = actual.reduce((a, b) => a + b, 0) / actual.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < actual.length; i++) {
    ssRes += (actual[i] - predicted[i]) ** 2;
    ssTot += (actual[i] - mean) ** 2;
  }
  return ssTot === 0 ? undefined : 1 - ssRes / ssTot;
}

/** The per-feature part of the evidence, compact enough for an alert document. */
function verdicts(features: readonly FeatureDriftResult[]): Record<string, unknown>[] {
  return features.map((f) => ({
    feature: f.feature,
    method: f.method,
    statistic: f.statistic,
    ...(f.pValue === undefined ? {} : { pValue: f.pValue }),
    threshold: f.threshold,
    drifted: f.drifted,
    nCurrent: f.nCurrent,
    missingRate: f.missingRate,
    ...(f.note ? { note: f.note } : {}),
  }));
}

async function artifactUriOf(deps: ServiceDeps, model: ModelDoc, version: string): Promise<string | undefined> {
  if (model.champion?.version === version) return model.champion.artifactUri;
  return (await getDoc(deps.store, SCHEMAS.VersionDoc, COLLECTIONS.versions(model.modelId), version))?.artifactUri;
}

async function reference(
  deps: ServiceDeps,
  model: ModelDoc,
  version: string,
): Promise<MonitoringReference | undefined> {
  const uri = await artifactUriOf(deps, model, version);
  if (!uri) return undefined;
  try {
    return await loadReference(deps.artifacts, uri);
  } catch (err) {
    deps.logger.log(
      'WARNING',
      `monitor: no training reference for ${model.modelId}@${version} at ${uri}: ${(err as Error).message}`,
      { modelId: model.modelId },
    );
    return undefined;
  }
}

/** Drift, skew and prediction drift of the serving window; metrics appended to `points`. */
function distributionChecks(
  model: ModelDoc,
  version: string,
  at: string,
  policy: ModelPolicy,
  ref: MonitoringReference,
  recent: readonly PredictionRecord[],
  points: MetricPoint[],
): Finding[] {
  const d = policy.drift;
  const point = (metric: MetricPoint['metric'], value: number, labels: Record<string, string> = {}): void => {
    if (Number.isFinite(value)) points.push({ modelId: model.modelId, version, metric, labels, value, at });
  };
  if (recent.length < d.minWindow) return [];
  const { frame, inputs } = servedFeatures(ref, recent);
  const drift = dataDrift(ref, frame, d);
  const skew = trainingServingSkew(ref, inputs, d);
  const prediction = predictionShift(
    ref,
    recent.map((r) => r.prediction),
    d.predictionThreshold,
  );
  point('drift_share', drift.dataset.driftedShare);
  for (const f of drift.features) point('feature_drift', f.statistic ?? NaN, { feature: f.feature, method: f.method });
  point('skew_share', skew.skewedShare);
  for (const f of skew.features) point('feature_skew', f.statistic ?? NaN, { feature: f.feature, method: f.method });
  point('prediction_drift', prediction.statistic ?? NaN, { method: prediction.method });
  const window = {
    predictions: recent.length,
    from: recent[recent.length - 1].predictedAt,
    to: recent[0].predictedAt,
    reference: ref.source,
    ...(ref.note ? { note: ref.note } : {}),
  };
  const findings: Finding[] = [];
  if (drift.dataset.drifted) {
    const names = drift.features.filter((f) => f.drifted).map((f) => f.feature);
    findings.push({
      signal: 'drift',
      summary: `data drift: ${drift.dataset.nDrifted} of ${drift.dataset.nFeatures} columns drifted (${names.join(', ')}), share ${drift.dataset.driftedShare.toFixed(2)} ≥ ${d.driftShare}`,
      evidence: {
        ...drift.dataset,
        window,
        features: verdicts(drift.features),
        predictionDrift: verdicts([prediction])[0],
      },
    });
  }
  if (skew.skewed) {
    const names = skew.features.filter((f) => f.drifted).map((f) => f.feature);
    findings.push({
      signal: 'skew',
      summary: `training-serving skew: ${skew.nSkewed} of ${skew.features.length} model inputs skewed (${names.join(', ')}), share ${skew.skewedShare.toFixed(2)} ≥ ${d.skewShare}`,
      evidence: {
        skewedShare: skew.skewedShare,
        skewShare: d.skewShare,
        nSkewed: skew.nSkewed,
        window,
        features: verdicts(skew.features),
      },
    });
  }
  return findings;
}

/** Input of the business metrics. */
export interface BusinessInput {
  modelId: string;
  version: string;
  at: string;
  recent: readonly PredictionRecord[];
  labelled: readonly LabelledPrediction[];
  /** Columns whose values slice accuracy (the contract's `sliceColumns`, e.g. sector). */
  sliceColumns: readonly string[];
  /** Training baselines of the raw columns, for the in-range share; null when unavailable. */
  reference: Record<string, NumericBaseline | CategoricalBaseline> | null;
}

/**
 * The guide's business metrics: MAPE by slice value (`accuracy_by_sector`), p10/p50/p90 of the signed
 * percentage error (`valuation_error_quantile`), the model confidence proxies (`model_confidence`:
 * `in_range_share` = share of served rows whose numeric inputs all lie within the training range,
 * i.e. no extrapolation; `prediction_spread` = coefficient of variation of the window's predictions)
 * and the prediction volume by market condition.
 */
export function businessMetrics(input: BusinessInput): MetricPoint[] {
  const { modelId, version, at } = input;
  const points: MetricPoint[] = [];
  const point = (metric: MetricPoint['metric'], value: number, labels: Record<string, string>): void => {
    if (Number.isFinite(value)) points.push({ modelId, version, metric, labels, value, at });
  };
  // The one error rule (domain/stats/error-metrics): MAPE over the pairs whose actual is not zero.
  const withActual = input.labelled.filter((p) => absolutePercentError(p.prediction, p.actualValue) !== undefined);
  for (const column of input.sliceColumns) {
    const groups = new Map<string, ErrorAccumulator>();
    for (const p of withActual) {
      const key = String(p.features[column] ?? '(missing)');
      const errors = groups.get(key) ?? new ErrorAccumulator();
      errors.add(p.prediction, p.actualValue);
      groups.set(key, errors);
    }
    for (const [value, errors] of groups)
      point('accuracy_by_sector', errors.result().mape ?? NaN, { slice: column, value }); // no count label: a label whose value changes every tick would create a new time series each time
  }
  if (withActual.length > 0) {
    const pct = Float64Array.from(
      withActual,
      (p) => (100 * (p.prediction - p.actualValue)) / Math.abs(p.actualValue),
    ).sort();
    for (const q of [10, 50, 90])
      point('valuation_error_quantile', quantileSorted(pct, q / 100), { quantile: `p${q}` });
  }
  const preds = input.recent.map((r) => r.prediction);
  if (preds.length > 1) {
    const mean = preds.reduce((a, b) => a + b, 0) / preds.length;
    const sd = Math.sqrt(preds.reduce((a, b) => a + (b - mean) ** 2, 0) / (preds.length - 1));
    point('model_confidence', mean === 0 ? NaN : sd / Math.abs(mean), { kind: 'prediction_spread' });
  }
  const ranges = Object.entries(input.reference ?? {}).flatMap(([name, b]) =>
    b.kind === 'numeric' ? [{ name, min: b.min, max: b.max }] : [],
  );
  if (ranges.length > 0 && input.recent.length > 0) {
    const inRange = input.recent.filter((r) =>
      ranges.every(({ name, min, max }) => {
        const v = Number(r.features[name]);
        return (
          r.features[name] === null ||
          r.features[name] === undefined ||
          r.features[name] === '' ||
          Number.isNaN(v) ||
          (v >= min && v <= max)
        );
      }),
    );
    point('model_confidence', inRange.length / input.recent.length, { kind: 'in_range_share' });
  }
  const volume = new Map<string, number>();
  for (const r of input.recent)
    volume.set(r.marketCondition ?? 'unspecified', (volume.get(r.marketCondition ?? 'unspecified') ?? 0) + 1);
  for (const [condition, count] of volume) point('prediction_volume', count, { market_condition: condition });
  return points;
}

/** What a measurement found, and which signals it could check at all (a clean check may close their open alerts). */
export interface Measurement {
  findings: Finding[];
  checked: DriftSignal[];
}

/** Measure the production version and return what crossed a threshold (metrics are written as a side effect). */
export async function measure(deps: ServiceDeps, model: ModelDoc): Promise<Finding[]> {
  return (await measureAll(deps, model)).findings;
}

/** {@link measure}, also saying which signals were measured (enough labelled rows, a training reference, a full window). */
export async function measureAll(deps: ServiceDeps, model: ModelDoc): Promise<Measurement> {
  const policy = parsePolicy(model.policy);
  const version = model.championVersion;
  if (!version) return { findings: [], checked: [] };
  const checked: DriftSignal[] = [];
  const now = deps.clock();
  const at = now.toISOString();
  const findings: Finding[] = [];
  const points: MetricPoint[] = [];
  const labelled = await deps.predictionLog.labelled(model.modelId, { version, limit: 5000 });
  points.push({ modelId: model.modelId, version, metric: 'labelled_count', labels: {}, value: labelled.length, at });
  if (labelled.length >= policy.monitoring.minLabelled) {
    const r2 = rSquared(
      labelled.map((p) => p.actualValue),
      labelled.map((p) => p.prediction),
    );
    if (r2 !== undefined) {
      checked.push('performance');
      points.push({ modelId: model.modelId, version, metric: 'r2_on_actuals', labels: {}, value: r2, at });
      if (r2 < policy.monitoring.r2Floor) {
        findings.push({
          signal: 'performance',
          summary: `R² on ${labelled.length} labelled predictions is ${r2.toFixed(3)}, below the floor ${policy.monitoring.r2Floor}`,
          evidence: { r2, floor: policy.monitoring.r2Floor, labelled: labelled.length },
        });
      }
    }
  }
  const snapshot = model.champion?.dataSnapshotAt;
  if (snapshot) checked.push('freshness');
  if (snapshot && model.lastDataAt && model.lastDataAt > snapshot) {
    const ageDays = (now.getTime() - Date.parse(snapshot)) / 86_400_000;
    points.push({ modelId: model.modelId, version, metric: 'data_age_days', labels: {}, value: ageDays, at });
    if (ageDays > policy.retrain.freshnessDays) {
      findings.push({
        signal: 'freshness',
        summary: `champion trained on data ${ageDays.toFixed(0)} days old while newer data exists`,
        evidence: { ageDays, freshnessDays: policy.retrain.freshnessDays },
      });
    }
  }
  const since =
    policy.drift.windowHours === undefined
      ? undefined
      : new Date(now.getTime() - policy.drift.windowHours * 3_600_000).toISOString();
  const recent = await deps.predictionLog.recent(model.modelId, {
    version,
    limit: policy.drift.windowSize,
    ...(since ? { since } : {}),
  });
  const ref = await reference(deps, model, version);
  if (ref) findings.push(...distributionChecks(model, version, at, policy, ref, recent, points));
  if (ref && recent.length >= policy.drift.minWindow) checked.push('drift', 'skew');
  points.push(
    ...businessMetrics({
      modelId: model.modelId,
      version,
      at,
      recent,
      labelled,
      sliceColumns: ref?.contract.sliceColumns ?? [],
      reference: ref?.columns ?? null,
    }),
  );
  await deps.metrics.write(points);
  return { findings, checked };
}

/**
 * The scheduled check: measure; each finding updates the open monitor alert of its signal (or opens one,
 * debounced there); a signal measured clean closes its open monitor alert; a live experiment is analysed.
 */
export async function runScheduledCheck(
  deps: ServiceDeps,
  identity: MessageIdentity,
  modelId: string,
): Promise<Processed> {
  const model = await getDoc(deps.store, SCHEMAS.ModelDoc, COLLECTIONS.models, modelId);
  if (!model)
    return {
      outcome: { kind: 'ignored', reason: `model ${modelId} does not exist` },
      status: 'applied',
      duplicate: false,
    };
  const { findings, checked } = await measureAll(deps, model);
  const results: Record<string, unknown>[] = [];
  for (const f of findings) {
    const r = await handleAlert(
      deps,
      { ...identity, dedupeKey: `${identity.dedupeKey}:${f.signal}` },
      { source: 'monitor', modelId, state: 'open', signal: f.signal, summary: f.summary, evidence: f.evidence },
    );
    results.push({ signal: f.signal, ...r.outcome });
  }
  const clean = checked.filter(
    (signal) =>
      !findings.some((f) => f.signal === signal) &&
      model.openAlerts?.[alertSlot('monitor', signal, undefined)] !== undefined,
  );
  for (const signal of clean) {
    const r = await handleAlert(
      deps,
      { ...identity, dedupeKey: `${identity.dedupeKey}:${signal}:clear` },
      { source: 'monitor', modelId, state: 'closed', signal, summary: `no ${signal} found by the scheduled check` },
    );
    results.push({ signal, ...r.outcome });
  }
  const experiment = await checkExperiment(deps, identity, modelId);
  return {
    outcome: { kind: 'checked', findings: results, ...(experiment ? { experiment } : {}) },
    status: 'applied',
    duplicate: false,
  };
}

/** Confirm an external alert with the monitor's own statistics before it may trigger a retrain; the evidence goes on the alert. */
export async function confirmExternalAlert(
  deps: ServiceDeps,
  modelId: string,
  signal: DriftSignal,
): Promise<{ confirmed: boolean; evidence: Record<string, unknown> } | undefined> {
  const model = await getDoc(deps.store, SCHEMAS.ModelDoc, COLLECTIONS.models, modelId);
  if (!model?.championVersion) return undefined;
  const findings = await measure(deps, model);
  const match = findings.find((f) => f.signal === signal || (signal === 'skew' && f.signal === 'drift'));
  return {
    confirmed: match !== undefined,
    evidence: {
      signal,
      version: model.championVersion,
      findings: findings.map((f) => ({ signal: f.signal, summary: f.summary, evidence: f.evidence })),
    },
  };
}
