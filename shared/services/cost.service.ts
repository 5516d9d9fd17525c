/**
 * Endpoint cost: the request-rate history from the prediction log -> average, peak, p95 and trend ->
 * a replica count for the champion from a measured per-replica capacity (see `cost recommend
 * --measure`, a load test of the in-process endpoint); challengers at the minimum replica count;
 * retired versions undeployed. Applied through the serving port, or returned as a plan (dry run).
 */
import { parsePolicy } from '../domain/lifecycle/index.js';
import { PermanentError } from '../domain/errors.js';
import { COLLECTIONS, SCHEMAS } from '../domain/state.js';
import { planCapacity, type CapacityPlan, type DeploymentRole, type RequestCountPoint } from '../domain/stats/index.js';
import type { DesiredDeployment } from '../ports/model-serving.js';
import type { ServiceDeps } from './context.js';
import { getDoc, queryDocs } from './documents.js';

/** Version states whose deployments serve no purpose any more. */
const RETIRED_STATES = ['retired', 'rolled_back', 'rejected'];

/** What the cost use case needs. */
export type CostDeps = Pick<ServiceDeps, 'store' | 'predictionLog' | 'serving' | 'clock'>;

/** Options of a recommendation. */
export interface CostOptions {
  /** Sustainable requests per second of one replica (measured by a load test). */
  perReplicaCapacity: number;
  /** Return the plan without applying it. */
  dryRun: boolean;
}

/** The plan, the deployment it leads to, and whether it was applied. */
export interface CostRecommendation {
  modelId: string;
  endpointId: string;
  dryRun: boolean;
  perReplicaCapacity: number;
  history: { since: string; bucketMinutes: number; buckets: number; requests: number };
  plan: CapacityPlan;
  desired: DesiredDeployment;
  applied?: { changed: boolean };
}

/** Request counts per bucket with the empty buckets between the first and the last filled with 0. */
export function denseSeries(
  rate: readonly { at: string; count: number }[],
  bucketMinutes: number,
  nowMs: number,
): RequestCountPoint[] {
  if (rate.length === 0) return [{ timestampMs: nowMs, count: 0 }];
  const step = bucketMinutes * 60_000;
  const byTime = new Map(rate.map((r) => [Date.parse(r.at), r.count]));
  const first = Date.parse(rate[0].at);
  const last = Date.parse(rate[rate.length - 1].at);
  const out: RequestCountPoint[] = [];
  for (let t = first; t <= last; t += step) out.push({ timestampMs: t, count: byTime.get(t) ?? 0 });
  return out;
}

/** Recommend (and unless `dryRun`, apply) replicas for a model's endpoint. */
export async function recommendCapacity(
  deps: CostDeps,
  modelId: string,
  options: CostOptions,
): Promise<CostRecommendation> {
  const model = await getDoc(deps.store, SCHEMAS.ModelDoc, COLLECTIONS.models, modelId);
  if (!model) throw new PermanentError('COST.UNKNOWN_MODEL', `model ${modelId} does not exist`);
  const policy = parsePolicy(model.policy).cost;
  const endpointId = model.endpointId;
  const deployment = await getDoc(deps.store, SCHEMAS.DeploymentDoc, COLLECTIONS.deployments, endpointId);
  const versions = new Map(
    (await queryDocs(deps.store, SCHEMAS.VersionDoc, COLLECTIONS.versions(modelId))).map((v) => [
      v.data.version,
      v.data,
    ]),
  );
  const live = await deps.serving.currentSplit(endpointId);
  const split = deployment?.split ?? {};
  const now = deps.clock().getTime();
  const since = new Date(now - policy.historyHours * 3_600_000).toISOString();
  const rate = await deps.predictionLog.requestRate(endpointId, since, policy.bucketMinutes);
  const deployed = [...new Set([...Object.keys(split), ...Object.keys(live)])];
  const roleOf = (v: string): DeploymentRole => {
    if (RETIRED_STATES.includes(versions.get(v)?.state ?? '') && !((split[v] ?? 0) > 0)) return 'retired';
    return v === model.championVersion ? 'champion' : 'challenger';
  };
  const plan = planCapacity({
    series: denseSeries(rate, policy.bucketMinutes, now),
    intervalSeconds: policy.bucketMinutes * 60,
    perReplicaCapacity: options.perReplicaCapacity,
    headroom: policy.headroom,
    minReplicas: policy.minReplicas,
    maxReplicas: policy.maxReplicas,
    deployments: deployed.map((versionId) => ({ versionId, role: roleOf(versionId) })),
  });
  const replicas: Record<string, { min: number; max: number }> = {};
  for (const a of plan.actions) {
    if (a.kind !== 'set_replicas') continue;
    replicas[a.versionId] =
      roleOf(a.versionId) === 'champion'
        ? { min: a.replicas, max: policy.maxReplicas }
        : { min: a.replicas, max: a.replicas };
  }
  const kept = Object.fromEntries(Object.entries(split).filter(([v]) => v in replicas));
  const desired: DesiredDeployment = {
    endpointId,
    modelId,
    split: kept,
    replicas,
    artifacts: Object.fromEntries(
      Object.keys(kept).map((v) => [v, deployment?.artifacts[v] ?? versions.get(v)?.artifactUri ?? '']),
    ),
  };
  const recommendation: CostRecommendation = {
    modelId,
    endpointId,
    dryRun: options.dryRun,
    perReplicaCapacity: options.perReplicaCapacity,
    history: {
      since,
      bucketMinutes: policy.bucketMinutes,
      buckets: rate.length,
      requests: rate.reduce((a, r) => a + r.count, 0),
    },
    plan,
    desired,
  };
  if (options.dryRun) return recommendation;
  return { ...recommendation, applied: await deps.serving.apply(desired) };
}
