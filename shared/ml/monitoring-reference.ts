/**
 * The monitor's view of a trained version: its training reference (fitted once per artifact URI and
 * cached in memory) and the statistics of a serving window against it — data drift of the raw
 * columns, training-serving skew of the model inputs, and prediction drift.
 *
 * The reference sample is the training split of the training CSV (`lineage.dataset.uri`, periods up
 * to `lineage.split.train[1]`), so KS / Wasserstein / PSI / JS run on real values. When that file is
 * gone, drift falls back to the binned distributions in `baseline.json` (JS on the training bins).
 */
import {
  driftReport,
  fitNumericBaseline,
  jensenShannonDistance,
  lInfinityDistance,
  psiFromProportions,
  type CategoricalBaseline,
  type DriftPolicy,
  type DriftReport,
  type FeatureDriftResult,
  type NumericBaseline,
} from '../domain/stats/index.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { PredictionRecord } from '../ports/prediction-log.js';
import type { ModelPolicy } from '../domain/lifecycle/index.js';
import {
  binProportions,
  type BaselineDistributions,
  type CategoricalDistribution,
  type NumericDistribution,
} from './baseline-distributions.js';
import type { DataContract } from './contract.js';
import { parseCsv } from './csv.js';
import { computeFeatures } from './features.js';
import { buildFrame, frameFromRecords, parsePeriod, type Frame, type RawCell } from './frame.js';
import type { Lineage } from './lineage.js';
import { categoryOf, type Preprocessing } from './preprocessing.js';

// Names as in ARTIFACT_FILES (shared/ml/artifacts.ts), repeated so the monitor does not load TensorFlow.js.
const FILES = { lineage: 'lineage.json', baseline: 'baseline.json', preprocessing: 'preprocessing.json' } as const;

/** Everything the monitor compares a serving window with. */
export interface MonitoringReference {
  artifactUri: string;
  contract: DataContract;
  preprocessing: Preprocessing;
  distributions: BaselineDistributions;
  /** Fitted training baselines of the monitored raw columns, or null when the training CSV is unreadable. */
  columns: Record<string, NumericBaseline | CategoricalBaseline> | null;
  /** Where the drift reference came from. */
  source: 'training-csv' | 'baseline-bins';
  note?: string;
}

const MAX_CACHED = 8;
/** Drift threshold on training bins when no reference sample is available (JS distance, Evidently's 0.1). */
export const BINNED_DRIFT_THRESHOLD = 0.1;
const cache = new Map<string, Promise<MonitoringReference>>();

async function readJson<T>(artifacts: ArtifactStore, uri: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await artifacts.read(uri))) as T;
}

/** The reference of the version at `artifactUri`, fitted once per URI (artifacts are immutable). */
export function loadReference(artifacts: ArtifactStore, artifactUri: string): Promise<MonitoringReference> {
  const hit = cache.get(artifactUri);
  if (hit) return hit;
  const loading = fitReference(artifacts, artifactUri);
  cache.set(artifactUri, loading);
  loading.catch(() => cache.delete(artifactUri));
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return loading;
}

async function fitReference(artifacts: ArtifactStore, artifactUri: string): Promise<MonitoringReference> {
  const base = artifactUri.replace(/\/+$/, '');
  const [lineage, distributions, preprocessing] = await Promise.all([
    readJson<Lineage>(artifacts, `${base}/${FILES.lineage}`),
    readJson<BaselineDistributions>(artifacts, `${base}/${FILES.baseline}`),
    readJson<Preprocessing>(artifacts, `${base}/${FILES.preprocessing}`),
  ]);
  const contract = preprocessing.contract;
  const ref = { artifactUri, contract, preprocessing, distributions };
  let text: string;
  try {
    text = new TextDecoder().decode(await artifacts.read(lineage.dataset.uri));
  } catch (err) {
    return {
      ...ref,
      columns: null,
      source: 'baseline-bins',
      note: `training data ${lineage.dataset.uri} unreadable (${(err as Error).message}); drift judged on baseline.json bins`,
    };
  }
  return { ...ref, columns: trainingColumns(text, contract, lineage.split.train[1]), source: 'training-csv' };
}

/** Raw columns the monitor judges for drift: numeric and categorical, except the target. */
export function monitoredColumns(contract: DataContract): DataContract['columns'] {
  return contract.columns.filter(
    (c) => (c.type === 'numeric' || c.type === 'categorical') && c.name !== contract.target.column,
  );
}

/** Fit the monitored columns on the training rows of a CSV (target present, period ≤ the last training period). */
export function trainingColumns(
  csvText: string,
  contract: DataContract,
  lastTrainPeriod: string,
): Record<string, NumericBaseline | CategoricalBaseline> {
  const table = parseCsv(csvText);
  const raw: Record<string, RawCell[]> = {};
  table.header.forEach((h, j) => (raw[h] = table.rows.map((r) => r[j])));
  const { frame } = buildFrame(raw, table.rows.length, contract);
  const end = parsePeriod(lastTrainPeriod) ?? Infinity;
  const target = frame.numeric[contract.target.column];
  const rows: number[] = [];
  for (let i = 0; i < frame.n; i++) {
    const usable = Number.isFinite(target[i]) && (contract.target.transform !== 'log' || target[i] > 0);
    if (usable && frame.timeKey[i] <= end) rows.push(i);
  }
  return columnBaselines(frame, contract, rows);
}

/** Baselines of the monitored columns over some rows of a frame. */
export function columnBaselines(
  frame: Frame,
  contract: DataContract,
  rows: readonly number[],
): Record<string, NumericBaseline | CategoricalBaseline> {
  const out: Record<string, NumericBaseline | CategoricalBaseline> = {};
  for (const c of monitoredColumns(contract)) {
    if (c.type === 'numeric') {
      const values = rows.map((r) => frame.numeric[c.name][r]).filter((v) => !Number.isNaN(v));
      if (values.length > 0) out[c.name] = fitNumericBaseline(values);
    } else {
      const counts: Record<string, number> = {};
      for (const r of rows) {
        const v = frame.text[c.name][r];
        if (v !== null) counts[v] = (counts[v] ?? 0) + 1;
      }
      if (Object.keys(counts).length > 0) out[c.name] = { kind: 'categorical', counts };
    }
  }
  return out;
}

/** The current window's monitored columns (numbers with NaN for missing, categories with null). */
export function currentColumns(frame: Frame, contract: DataContract): Record<string, Float64Array | (string | null)[]> {
  const out: Record<string, Float64Array | (string | null)[]> = {};
  for (const c of monitoredColumns(contract))
    out[c.name] = c.type === 'numeric' ? frame.numeric[c.name] : frame.text[c.name];
  return out;
}

/** Data drift of a window against fitted column baselines (Evidently's defaults unless the policy overrides). */
export function columnDrift(
  baseline: Record<string, NumericBaseline | CategoricalBaseline>,
  current: Record<string, Float64Array | (string | null)[]>,
  policy: ModelPolicy['drift'],
): DriftReport {
  const overrides: Record<string, DriftPolicy[string]> = {};
  for (const [f, b] of Object.entries(baseline)) {
    const kindDefault = b.kind === 'numeric' ? policy.numericDefault : policy.categoricalDefault;
    const own = policy.features[f] ?? {};
    // A feature's own method without its own threshold takes that method's default threshold.
    overrides[f] = own.method !== undefined && own.method !== kindDefault.method ? own : { ...kindDefault, ...own };
  }
  return driftReport({ baseline, current, policy: overrides, driftShare: policy.driftShare });
}

/** Drift of the window's raw columns against the version's training reference. */
export function dataDrift(ref: MonitoringReference, frame: Frame, policy: ModelPolicy['drift']): DriftReport {
  const current = currentColumns(frame, ref.contract);
  if (ref.columns) return columnDrift(ref.columns, current, policy);
  const features = Object.entries(ref.distributions.columns)
    .filter(([name]) => name in current)
    .map(([name, dist]) =>
      binnedVerdict(
        name,
        dist,
        current[name],
        policy.features[name]?.threshold ?? BINNED_DRIFT_THRESHOLD,
        'jensen_shannon',
      ),
    );
  const nDrifted = features.filter((f) => f.drifted).length;
  const driftedShare = features.length === 0 ? 0 : nDrifted / features.length;
  return {
    features,
    dataset: {
      driftedShare,
      drifted: driftedShare >= policy.driftShare,
      nFeatures: features.length,
      nDrifted,
      driftShare: policy.driftShare,
    },
  };
}

/** Binned proportions of current values against a training distribution (same bins / categories). */
function binned(
  dist: NumericDistribution | CategoricalDistribution,
  values: ArrayLike<number | string | null>,
): { reference: number[]; current: number[]; n: number; missingRate: number } {
  const present: (number | string)[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && !(typeof v === 'number' && !Number.isFinite(v))) present.push(v);
  }
  const missingRate = values.length === 0 ? 0 : 1 - present.length / values.length;
  if (dist.kind === 'numeric') {
    return {
      reference: dist.proportions,
      current: binProportions(dist.edges, present as number[]),
      n: present.length,
      missingRate,
    };
  }
  const counts: Record<string, number> = {};
  for (const v of present) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
  const keys = [...new Set([...Object.keys(dist.frequencies), ...Object.keys(counts)])];
  return {
    reference: keys.map((k) => dist.frequencies[k] ?? 0),
    current: keys.map((k) => (counts[k] ?? 0) / Math.max(1, present.length)),
    n: present.length,
    missingRate,
  };
}

/** A drift verdict on training bins: JS distance (or L-infinity for categories), PSI alongside. */
function binnedVerdict(
  feature: string,
  dist: NumericDistribution | CategoricalDistribution,
  values: ArrayLike<number | string | null>,
  threshold: number,
  method: 'jensen_shannon' | 'l_infinity',
): FeatureDriftResult {
  const b = binned(dist, values);
  const base = {
    feature,
    kind: dist.kind,
    method,
    threshold,
    nReference: dist.count,
    nCurrent: b.n,
    missingRate: b.missingRate,
  };
  if (b.n === 0)
    return { ...base, statistic: null, drifted: true, note: 'no non-missing values in the current window' };
  const statistic =
    method === 'l_infinity' ? lInfinityDistance(b.reference, b.current) : jensenShannonDistance(b.reference, b.current);
  return {
    ...base,
    statistic,
    drifted: statistic >= threshold,
    note: `PSI ${psiFromProportions(b.reference, b.current).toFixed(4)} on training bins`,
  };
}

/** Training-serving skew: per model input, serving vs training distributions in baseline.json. */
export interface SkewReport {
  features: FeatureDriftResult[];
  nSkewed: number;
  skewedShare: number;
  skewed: boolean;
}

/**
 * Recompute the model's inputs on the served rows exactly as serving did: rows of one request form
 * the entity histories (grouped by request id and time; instance `i` of a request is `{id}:{i}`).
 */
export function servedFeatures(
  ref: MonitoringReference,
  records: readonly PredictionRecord[],
): { frame: Frame; inputs: Record<string, ArrayLike<number | string | null>> } {
  const { contract, preprocessing } = ref;
  const { frame } = frameFromRecords(
    records.map((r) => r.features as Record<string, RawCell>),
    contract,
  );
  const entity = frame.text[contract.entityColumn];
  const grouped: Frame = {
    ...frame,
    text: {
      ...frame.text,
      [contract.entityColumn]: records.map(
        (r, i) => `${r.requestId.replace(/:\d+$/, '')}@${r.predictedAt}|${entity[i] ?? ''}`,
      ),
    },
  };
  const features = computeFeatures(grouped, contract);
  const inputs: Record<string, ArrayLike<number | string | null>> = {};
  for (const t of preprocessing.inputs) {
    inputs[t.name] =
      t.kind === 'numeric' ? features.numeric[t.name] : records.map((_, i) => categoryOf(t, features, i));
  }
  return { frame, inputs };
}

/** Skew of the served model inputs against the training inputs' distributions. */
export function trainingServingSkew(
  ref: MonitoringReference,
  inputs: Record<string, ArrayLike<number | string | null>>,
  policy: ModelPolicy['drift'],
): SkewReport {
  const features = Object.entries(ref.distributions.features)
    .filter(([name]) => name in inputs)
    .map(([name, dist]) =>
      dist.kind === 'numeric'
        ? binnedVerdict(name, dist, inputs[name], policy.skewThreshold, 'jensen_shannon')
        : binnedVerdict(name, dist, inputs[name], policy.skewCategoricalThreshold, 'l_infinity'),
    );
  const nSkewed = features.filter((f) => f.drifted).length;
  const skewedShare = features.length === 0 ? 0 : nSkewed / features.length;
  return { features, nSkewed, skewedShare, skewed: skewedShare >= policy.skewShare };
}

/** Prediction drift: the window's predictions on the training prediction bins. */
export function predictionShift(
  ref: MonitoringReference,
  predictions: readonly number[],
  threshold: number,
): FeatureDriftResult {
  return binnedVerdict('prediction', ref.distributions.prediction, predictions, threshold, 'jensen_shannon');
}
