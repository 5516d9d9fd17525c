/**
 * Traffic-split arithmetic for an endpoint: whole percentages per version that always sum to 100.
 * Versions with 0% are dropped, so a split lists exactly the versions that serve traffic.
 */
import { PermanentError, ValidationError, type Issue } from '../errors.js';
import { compareSemver, isSemver } from './semver.js';

/** Version -> whole percent of traffic; the values sum to 100. */
export type TrafficSplit = Readonly<Record<string, number>>;

/** One version whose share changed between two splits. */
export interface SplitChange {
  version: string;
  before: number;
  after: number;
  delta: number;
}

/** Sum of a split's percentages. */
export function splitSum(split: TrafficSplit): number {
  return Object.values(split).reduce((a, b) => a + b, 0);
}

/** Throw `TRAFFIC.INVALID` unless the split is whole, non-negative percentages summing to 100. */
export function assertSplit(split: TrafficSplit): void {
  const issues = splitIssues(split);
  if (issues.length > 0) throw new ValidationError('Traffic split', issues, 'TRAFFIC.INVALID');
}

/** A split containing only versions with traffic, keyed in ascending version order. */
export function normalizeSplit(split: TrafficSplit): TrafficSplit {
  const versions = Object.keys(split)
    .filter((v) => split[v] > 0)
    .sort(byVersion);
  return Object.fromEntries(versions.map((v) => [v, split[v]]));
}

/**
 * `candidate` at `percent`; the other versions share the rest in proportion to their current shares
 * (largest remainder, so the total stays exactly 100). With nothing serving, the candidate gets 100.
 */
export function canarySplit(current: TrafficSplit, candidate: string, percent: number): TrafficSplit {
  if (!Number.isInteger(percent) || percent < 1 || percent > 99) {
    throw new ValidationError(
      'Canary',
      [{ path: 'percent', message: `must be a whole number from 1 to 99, got ${percent}` }],
      'TRAFFIC.INVALID',
    );
  }
  const others = Object.fromEntries(Object.entries(current).filter(([v, p]) => v !== candidate && p > 0));
  if (Object.keys(others).length === 0) return { [candidate]: 100 };
  return normalizeSplit({ ...scaleTo(others, 100 - percent), [candidate]: percent });
}

/** The split after promoting `version`: 100% to it. */
export function promoteSplit(version: string): TrafficSplit {
  return { [version]: 100 };
}

/** Take `badVersion` out of the split and give its share to `lastKnownGood`; throws when there is nowhere to go. */
export function rollbackSplit(
  current: TrafficSplit,
  badVersion: string,
  lastKnownGood: string | undefined,
): TrafficSplit {
  const share = current[badVersion] ?? 0;
  if (share <= 0) {
    throw new PermanentError('TRAFFIC.NOT_SERVING', `Cannot roll back ${badVersion}: it receives no traffic`, {
      version: badVersion,
      split: current,
    });
  }
  if (lastKnownGood === undefined || lastKnownGood === badVersion) {
    throw new PermanentError(
      'PROMOTION.NO_LAST_KNOWN_GOOD',
      `Cannot roll back ${badVersion}: no last known-good version to return traffic to`,
      {
        version: badVersion,
      },
    );
  }
  const rest = Object.fromEntries(Object.entries(current).filter(([v]) => v !== badVersion));
  return normalizeSplit({ ...rest, [lastKnownGood]: (rest[lastKnownGood] ?? 0) + share });
}

/** What serves now: the champion (production) and the live canaries. */
export interface LiveVersions {
  champion?: string;
  canaries: readonly string[];
}

/**
 * Validate an operator's requested split; throws `TRAFFIC.INVALID` listing every problem. A split only
 * redistributes traffic among the versions that serve: the champion and every live canary keep at least
 * 1 % (giving a canary everything is a promotion, taking one out is a rollback, so those go through
 * their own commands with their own checks), and no other version may receive traffic.
 */
export function setTraffic(requested: Readonly<Record<string, unknown>>, live: LiveVersions): TrafficSplit {
  const issues: Issue[] = [];
  const split: Record<string, number> = {};
  const serving = [...(live.champion === undefined ? [] : [live.champion]), ...live.canaries];
  for (const [version, value] of Object.entries(requested)) {
    if (!serving.includes(version))
      issues.push({
        path: `traffic.${version}`,
        message: `does not serve (serving: ${serving.join(', ') || 'none'}); canary a version before giving it traffic`,
      });
    if (typeof value !== 'number') issues.push({ path: `traffic.${version}`, message: 'must be a number' });
    else split[version] = value;
  }
  issues.push(...splitIssues(split));
  // A version left out gets 0; a value that is not a number was reported above.
  const keeps = (v: string): boolean =>
    v in requested ? typeof requested[v] !== 'number' || (requested[v] as number) >= 1 : false;
  if (live.champion !== undefined && !keeps(live.champion)) {
    issues.push({
      path: `traffic.${live.champion}`,
      message: `the champion keeps at least 1%; to give a canary all traffic, promote it`,
    });
  }
  for (const canary of live.canaries.filter((c) => !keeps(c))) {
    issues.push({
      path: `traffic.${canary}`,
      message: `canary ${canary} keeps at least 1%; to take it out, roll it back`,
    });
  }
  if (issues.length > 0) throw new ValidationError('Traffic split', issues, 'TRAFFIC.INVALID');
  return normalizeSplit(split);
}

/** The versions whose share changed from `before` to `after`, in version order. */
export function diffSplit(before: TrafficSplit, after: TrafficSplit): SplitChange[] {
  const versions = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(byVersion);
  return versions
    .map((version) => ({ version, before: before[version] ?? 0, after: after[version] ?? 0 }))
    .filter((c) => c.before !== c.after)
    .map((c) => ({ ...c, delta: c.after - c.before }));
}

function splitIssues(split: TrafficSplit): Issue[] {
  const issues: Issue[] = [];
  for (const [version, p] of Object.entries(split)) {
    if (!Number.isInteger(p)) issues.push({ path: `traffic.${version}`, message: `must be a whole percent, got ${p}` });
    else if (p < 0 || p > 100)
      issues.push({ path: `traffic.${version}`, message: `must be between 0 and 100, got ${p}` });
  }
  const sum = splitSum(split);
  if (Object.keys(split).length === 0) issues.push({ path: 'traffic', message: 'must name at least one version' });
  else if (sum !== 100) issues.push({ path: 'traffic', message: `percentages must sum to 100, got ${sum}` });
  return issues;
}

/** Scale shares to a new integer total with the largest-remainder method (ties go to the larger share, then the lower version). */
function scaleTo(shares: TrafficSplit, total: number): Record<string, number> {
  const sum = splitSum(shares);
  const exact = Object.entries(shares).map(([v, p]) => ({ v, p, x: (p * total) / sum }));
  const out: Record<string, number> = Object.fromEntries(exact.map((e) => [e.v, Math.floor(e.x)]));
  let left = total - Object.values(out).reduce((a, b) => a + b, 0);
  const order = [...exact].sort(
    (a, b) => b.x - Math.floor(b.x) - (a.x - Math.floor(a.x)) || b.p - a.p || byVersion(a.v, b.v),
  );
  for (const e of order) {
    if (left <= 0) break;
    out[e.v] += 1;
    left -= 1;
  }
  return out;
}

/** Semantic-version order, falling back to string order for keys that are not versions. */
function byVersion(a: string, b: string): number {
  return isSemver(a) && isSemver(b) ? compareSemver(a, b) : a < b ? -1 : a > b ? 1 : 0;
}
