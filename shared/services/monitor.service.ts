/**
 * The scheduled monitor and the confirmation of external alerts. For the production version it
 * measures performance on labelled predictions (R² floor) and data freshness, writes the metrics,
 * and sends every crossed threshold through the alert decision path.
 */
import { parsePolicy } from '../domain/lifecycle/index.js';
import { COLLECTIONS, type ModelDoc } from '../domain/state.js';
import type { MetricPoint } from '../ports/metrics-sink.js';
import type { ServiceDeps } from './context.js';
import { handleAlert, type AlertInput, type AlertSignal } from './drift-alert.service.js';
import type { MessageIdentity, Processed } from './processing.js';

/** A finding of the monitor: a signal over its threshold, with its evidence. */
export interface Finding {
  signal: AlertSignal;
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

/** Measure the production version and return what crossed a threshold (metrics are written as a side effect). */
export async function measure(deps: ServiceDeps, model: ModelDoc): Promise<Finding[]> {
  const policy = parsePolicy(model.policy);
  const version = model.championVersion;
  if (!version) return [];
  const now = deps.clock();
  const at = now.toISOString();
  const findings: Finding[] = [];
  const points: MetricPoint[] = [];
  const labelled = await deps.predictionLog.labelled(model.modelId, { version, limit: 5000 });
  points.push({ modelId: model.modelId, version, metric: 'labelled_count', labels: {}, value: labelled.length, at });
  if (labelled.length >= policy.monitoring.minLabelled) {
    const r2 = rSquared(labelled.map((p) => p.actualValue), labelled.map((p) => p.prediction));
    if (r2 !== undefined) {
      points.push({ modelId: model.modelId, version, metric: 'r2_on_actuals', labels: {}, value: r2, at });
      if (r2 < policy.monitoring.r2Floor) {
        findings.push({ signal: 'performance', summary: `R² on ${labelled.length} labelled predictions is ${r2.toFixed(3)}, below the floor ${policy.monitoring.r2Floor}`, evidence: { r2, floor: policy.monitoring.r2Floor, labelled: labelled.length } });
      }
    }
  }
  const snapshot = model.champion?.dataSnapshotAt;
  if (snapshot && model.lastDataAt && model.lastDataAt > snapshot) {
    const ageDays = (now.getTime() - Date.parse(snapshot)) / 86_400_000;
    points.push({ modelId: model.modelId, version, metric: 'data_age_days', labels: {}, value: ageDays, at });
    if (ageDays > policy.retrain.freshnessDays) {
      findings.push({ signal: 'freshness', summary: `champion trained on data ${ageDays.toFixed(0)} days old while newer data exists`, evidence: { ageDays, freshnessDays: policy.retrain.freshnessDays } });
    }
  }
  await deps.metrics.write(points);
  return findings;
}

/** The scheduled check: measure, then route each finding through the alert path (debounced there). */
export async function runScheduledCheck(deps: ServiceDeps, identity: MessageIdentity, modelId: string): Promise<Processed> {
  const model = await deps.store.get<ModelDoc>(COLLECTIONS.models, modelId);
  if (!model) return { outcome: { kind: 'ignored', reason: `model ${modelId} does not exist` }, status: 'applied', duplicate: false };
  const findings = await measure(deps, model);
  const results: Record<string, unknown>[] = [];
  for (const f of findings) {
    const alert: AlertInput = { alertKey: `${identity.dedupeKey}:${f.signal}`, source: 'monitor', modelId, state: 'open', signal: f.signal, summary: f.summary, evidence: f.evidence };
    const r = await handleAlert(deps, { ...identity, dedupeKey: `${identity.dedupeKey}:${f.signal}` }, alert);
    results.push({ signal: f.signal, ...r.outcome });
  }
  return { outcome: { kind: 'checked', findings: results }, status: 'applied', duplicate: false };
}

/** Confirm an external alert with the monitor's own measurements before it may trigger a retrain. */
export async function confirmExternalAlert(deps: ServiceDeps, modelId: string, signal: AlertSignal): Promise<{ confirmed: boolean; evidence: Record<string, unknown> } | undefined> {
  const model = await deps.store.get<ModelDoc>(COLLECTIONS.models, modelId);
  if (!model?.championVersion) return undefined;
  const findings = await measure(deps, model);
  const match = findings.find((f) => f.signal === signal || (signal === 'skew' && f.signal === 'drift'));
  return { confirmed: match !== undefined, evidence: { signal, findings: findings.map((f) => ({ signal: f.signal, summary: f.summary })) } };
}
