/**
 * Endpoint capacity and cost planning from request-rate history: average, peak, p95 and linear
 * trend of the rate; replicas for the champion = ⌈p95 · headroom / perReplicaCapacity⌉ clamped to
 * [min, max]; challengers at the minimum; retired versions undeployed.
 */
import { quantileSorted } from './numeric-baseline.js';
import { invalid } from './validation.js';
import { ValidationError, type Issue } from '../errors.js';
import { linearRegression, mean } from 'simple-statistics';

/** Roles a deployed version can play in the plan. */
export const DEPLOYMENT_ROLES = ['champion', 'challenger', 'retired'] as const;
/** A deployed version's role. */
export type DeploymentRole = (typeof DEPLOYMENT_ROLES)[number];

/** Requests counted over the interval that ends at `timestampMs`. */
export interface RequestCountPoint {
  timestampMs: number;
  count: number;
}

/** Input of `planCapacity`. */
export interface CapacityInput {
  /** Request counts, one per interval (any order; sorted by time internally). */
  series: readonly RequestCountPoint[];
  /** Length of each interval in seconds (rates are requests per second). */
  intervalSeconds: number;
  /** Sustainable requests per second of one replica (from a load test). */
  perReplicaCapacity: number;
  /** Multiplier on p95 kept in reserve (default 1.2). */
  headroom?: number;
  minReplicas: number;
  maxReplicas: number;
  /** Versions on the endpoint and their roles. */
  deployments: readonly { versionId: string; role: DeploymentRole }[];
}

/** Rate statistics in requests per second; trend in requests per second per hour. */
export interface RateStats {
  points: number;
  average: number;
  peak: number;
  p95: number;
  trendPerHour: number;
}

/** One action of the plan. */
export type CapacityAction =
  | { kind: 'set_replicas'; versionId: string; replicas: number; reason: string }
  | { kind: 'undeploy'; versionId: string; reason: string };

/** The plan and its reasoning. */
export interface CapacityPlan {
  stats: RateStats;
  recommendedReplicas: number;
  actions: CapacityAction[];
  reasons: string[];
}

/** Least-squares slope of y on x. 0 when x has no spread (a single point). */
/** Average, peak, p95 (numpy linear rule) and hourly trend of the request rate. */
export function rateStats(series: readonly RequestCountPoint[], intervalSeconds: number): RateStats {
  if (series.length === 0) invalid('capacity input', 'series', 'is empty');
  if (!(intervalSeconds > 0)) invalid('capacity input', 'intervalSeconds', `must be > 0, got ${intervalSeconds}`);
  const bad = series.findIndex((p) => !(p.count >= 0) || !Number.isFinite(p.timestampMs));
  if (bad >= 0) invalid('capacity input', `series.${bad}`, 'needs a finite timestampMs and a count >= 0');
  const sorted = [...series].sort((a, b) => a.timestampMs - b.timestampMs);
  const rates = sorted.map((p) => p.count / intervalSeconds);
  const asc = Float64Array.from(rates).sort();
  return {
    points: rates.length,
    average: mean(rates),
    peak: asc[asc.length - 1],
    p95: quantileSorted(asc, 0.95),
    // Least-squares slope; a single point (or one timestamp) has no trend.
    trendPerHour:
      rates.length > 1 && sorted[0].timestampMs !== sorted[sorted.length - 1].timestampMs
        ? linearRegression(sorted.map((p, i) => [p.timestampMs / 3_600_000, rates[i]])).m
        : 0,
  };
}

/**
 * Plan replicas and undeploys. Throws one `ValidationError` listing every bad input (capacity ≤ 0,
 * headroom < 1, min > max, min < 0, a version listed twice, an empty series).
 */
export function planCapacity(input: CapacityInput): CapacityPlan {
  const headroom = input.headroom ?? 1.2;
  const issues: Issue[] = [];
  if (!(input.perReplicaCapacity > 0))
    issues.push({ path: 'perReplicaCapacity', message: `must be > 0, got ${input.perReplicaCapacity}` });
  if (!(headroom >= 1)) issues.push({ path: 'headroom', message: `must be >= 1, got ${headroom}` });
  if (!(Number.isInteger(input.minReplicas) && input.minReplicas >= 0))
    issues.push({ path: 'minReplicas', message: 'must be an integer >= 0' });
  if (!(Number.isInteger(input.maxReplicas) && input.maxReplicas >= input.minReplicas))
    issues.push({ path: 'maxReplicas', message: 'must be an integer >= minReplicas' });
  const seen = new Set<string>();
  input.deployments.forEach((d, i) => {
    if (seen.has(d.versionId))
      issues.push({ path: `deployments.${i}.versionId`, message: `${d.versionId} is listed twice` });
    seen.add(d.versionId);
  });
  if (issues.length > 0) throw new ValidationError('capacity input', issues, 'STATS.INPUT_INVALID');

  const stats = rateStats(input.series, input.intervalSeconds);
  const needed = Math.ceil((stats.p95 * headroom) / input.perReplicaCapacity);
  const recommendedReplicas = Math.min(input.maxReplicas, Math.max(input.minReplicas, needed));
  const reasons = [
    `p95 rate ${stats.p95.toFixed(3)} req/s × headroom ${headroom} / ${input.perReplicaCapacity} req/s per replica = ${needed} replica(s)`,
    `clamped to [${input.minReplicas}, ${input.maxReplicas}] → ${recommendedReplicas}`,
    `average ${stats.average.toFixed(3)} req/s, peak ${stats.peak.toFixed(3)} req/s, trend ${stats.trendPerHour >= 0 ? '+' : ''}${stats.trendPerHour.toFixed(4)} req/s per hour over ${stats.points} points`,
  ];
  if (stats.peak * headroom > recommendedReplicas * input.perReplicaCapacity) {
    reasons.push(
      `peak exceeds the recommended capacity (${(recommendedReplicas * input.perReplicaCapacity).toFixed(3)} req/s): rely on autoscaling up to ${input.maxReplicas}`,
    );
  }
  const actions: CapacityAction[] = input.deployments.map((d): CapacityAction => {
    if (d.role === 'retired')
      return { kind: 'undeploy', versionId: d.versionId, reason: 'retired versions serve no traffic' };
    if (d.role === 'challenger')
      return {
        kind: 'set_replicas',
        versionId: d.versionId,
        replicas: input.minReplicas,
        reason: 'challengers run at the minimum replica count',
      };
    return {
      kind: 'set_replicas',
      versionId: d.versionId,
      replicas: recommendedReplicas,
      reason: 'champion sized for p95 load with headroom',
    };
  });
  return { stats, recommendedReplicas, actions, reasons };
}
