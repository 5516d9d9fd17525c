/**
 * The unified, debounced retrain policy: every trigger (new data, schedule, freshness, drift,
 * performance, manual) goes through one decision with minimum new rows, cooldown, freshness and
 * at most one run in flight per model (later requests coalesce into one follow-up).
 */
import type { RetrainReason } from '../contracts/retrain-requests.js';
import type { ModelPolicy } from './policy.js';
import { addMinutes, minutesBetween, toMillis, type Instant } from './time.js';

/** A retrain request as the policy sees it. */
export interface RetrainRequestFacts {
  reason: RetrainReason;
  requestedAt: Instant;
  dataUri?: string;
  /** Rows in the data that the champion has not trained on (newer than its snapshot); unknown counts as 0. */
  newRows?: number;
}

/** What the control plane knows about the model and its champion. */
export interface RetrainModelFacts {
  championTrainedAt?: Instant;
  /** Time of the newest row the champion trained on; falls back to `championTrainedAt`. */
  championDataSnapshotAt?: Instant;
  championRows?: number;
  lastRunFinishedAt?: Instant;
  /** Time of the newest row available for training. */
  latestDataAt?: Instant;
}

/** The model's run in flight, with the reasons already queued for its follow-up. */
export interface InFlightRunFacts {
  runId: string;
  pendingReasons: readonly RetrainReason[];
}

/** Everything `decideRetrain` needs. */
export interface RetrainDecisionInput {
  request: RetrainRequestFacts;
  model: RetrainModelFacts;
  inFlightRun?: InFlightRunFacts;
  policy: ModelPolicy;
  now: Instant;
}

/** Start a run now, queue the request on the run in flight (one follow-up), or skip it. */
export type RetrainDecision =
  | { kind: 'start'; reasons: RetrainReason[]; note: string }
  | { kind: 'coalesce'; runId: string; reasons: RetrainReason[]; note: string }
  | { kind: 'skip'; reason: string };

/** Reasons that skip the minimum-new-rows rule: they are about model quality, not data volume. */
const BYPASS_MIN_ROWS: readonly RetrainReason[] = ['drift', 'performance', 'manual'];
/** Reasons that skip the cooldown: a human asked explicitly. */
const BYPASS_COOLDOWN: readonly RetrainReason[] = ['manual'];

/** Whether the champion trained on data older than `freshnessDays` while newer data exists. */
export function isChampionStale(model: RetrainModelFacts, policy: ModelPolicy, now: Instant): boolean {
  const snapshot = model.championDataSnapshotAt ?? model.championTrainedAt;
  if (snapshot === undefined || model.latestDataAt === undefined) return false;
  const newerDataExists =
    toMillis(model.latestDataAt, 'model.latestDataAt') > toMillis(snapshot, 'model.championDataSnapshotAt');
  return newerDataExists && minutesBetween(snapshot, now) > policy.retrain.freshnessDays * 24 * 60;
}

/** Decide what to do with a retrain request (eligibility first, then in-flight coalescing, then cooldown). */
export function decideRetrain(input: RetrainDecisionInput): RetrainDecision {
  const { request, model, inFlightRun, policy, now } = input;
  const reason = request.reason;
  const hasChampion = model.championTrainedAt !== undefined || model.championDataSnapshotAt !== undefined;
  const stale = isChampionStale(model, policy, now);

  if (hasChampion && !BYPASS_MIN_ROWS.includes(reason)) {
    const newRows = request.newRows ?? 0;
    const enoughRows = reason !== 'freshness' && newRows >= policy.retrain.minNewRows;
    if (!enoughRows && !stale) {
      const base = model.championRows === undefined ? '' : ` (champion trained on ${model.championRows} rows)`;
      return {
        kind: 'skip',
        reason:
          reason === 'freshness'
            ? `champion data is not older than ${policy.retrain.freshnessDays} days, or no newer data exists`
            : `${newRows} new rows since the champion's snapshot${base}; need ${policy.retrain.minNewRows}, and the champion is not stale`,
      };
    }
  }

  const reasons: RetrainReason[] = stale && reason !== 'freshness' ? [reason, 'freshness'] : [reason];
  if (inFlightRun !== undefined) {
    const merged = [...new Set([...inFlightRun.pendingReasons, ...reasons])];
    return {
      kind: 'coalesce',
      runId: inFlightRun.runId,
      reasons: merged,
      note: `run ${inFlightRun.runId} is in flight; queued for its follow-up`,
    };
  }

  if (model.lastRunFinishedAt !== undefined && !BYPASS_COOLDOWN.includes(reason)) {
    const since = minutesBetween(model.lastRunFinishedAt, now);
    if (since < policy.retrain.cooldownMinutes) {
      return {
        kind: 'skip',
        reason: `cooldown: last run finished ${Math.max(0, Math.floor(since))} min ago; ${reason} requests wait ${policy.retrain.cooldownMinutes} min`,
      };
    }
  }

  const note = hasChampion ? `${reasons.join(' + ')} retrain` : 'first model: no champion yet';
  return { kind: 'start', reasons, note };
}

/** Everything `decideRunFailure` needs. */
export interface RunFailureInput {
  /** Attempts made so far, including the one that just failed (1 after the first failure). */
  attempts: number;
  policy: ModelPolicy;
  now: Instant;
}

/** Retry the run at `retryAt`, or give up (the champion stays untouched either way). */
export type RunFailureDecision =
  { kind: 'retry'; attempt: number; retryAt: string; delayMinutes: number } | { kind: 'give-up'; reason: string };

/** Decide whether a failed run is retried and when (backoff list, last entry repeats). */
export function decideRunFailure(input: RunFailureInput): RunFailureDecision {
  const { attempts, policy, now } = input;
  const max = policy.retrain.maxRunAttempts;
  if (attempts >= max) return { kind: 'give-up', reason: `failed ${attempts} of ${max} allowed attempts` };
  const backoff = policy.retrain.retryBackoffMinutes;
  const delayMinutes = backoff[Math.min(Math.max(attempts, 1), backoff.length) - 1];
  return { kind: 'retry', attempt: attempts + 1, retryAt: addMinutes(now, delayMinutes, 'now'), delayMinutes };
}
