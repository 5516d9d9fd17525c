/**
 * The lifecycle invariants, declared once: what must hold between a model's champion, its versions'
 * states, the endpoint's traffic split and its experiments after every command. The promotion service
 * checks them before it commits (a command that would break one is refused, never written) and the
 * property-based tests check them after every command of random sequences.
 */

/** The invariants, by name. */
export const LIFECYCLE_INVARIANTS = [
  /** The split is whole percentages in 1..100 summing to 100, and it is empty exactly when nothing serves production. */
  'split-sums-to-100',
  /** Only canary and production versions receive traffic. */
  'only-live-versions-serve',
  /** Every canary and production version receives traffic (no orphan 0 % canary). */
  'live-versions-serve',
  /** The champion is the one production version, and it serves. */
  'champion-is-production',
  /** At most one canary at a time, and only next to a champion. */
  'one-canary-beside-champion',
  /** A running experiment's candidate is in canary (experiments end when their version leaves canary). */
  'experiment-follows-canary',
] as const;
/** An invariant name. */
export type LifecycleInvariant = (typeof LIFECYCLE_INVARIANTS)[number];

/** The states that serve traffic. */
export const SERVING_STATES = ['canary', 'production'] as const;

/** What the invariants are checked on. `versions` must contain at least every canary and production version. */
export interface LifecycleSnapshot {
  championVersion?: string;
  versions: readonly { version: string; state: string }[];
  split: Readonly<Record<string, number>>;
  experiments?: readonly { experimentId: string; candidate: string; status: string }[];
}

/** One broken invariant, with the entity it is about and what is wrong. */
export interface LifecycleViolation {
  invariant: LifecycleInvariant;
  subject: string;
  message: string;
}

/** Every violated invariant (empty when the snapshot is consistent). */
export function lifecycleViolations(s: LifecycleSnapshot): LifecycleViolation[] {
  const out: LifecycleViolation[] = [];
  const add = (invariant: LifecycleInvariant, subject: string, message: string): void =>
    void out.push({ invariant, subject, message });
  const stateOf = new Map(s.versions.map((v) => [v.version, v.state]));
  const inState = (state: string): string[] => s.versions.filter((v) => v.state === state).map((v) => v.version);
  const production = inState('production');
  const canaries = inState('canary');
  const entries = Object.entries(s.split);

  for (const [version, pct] of entries) {
    if (!Number.isInteger(pct) || pct < 1 || pct > 100)
      add('split-sums-to-100', version, `share ${pct} is not a whole percent in 1..100`);
    const state = stateOf.get(version);
    if (!(SERVING_STATES as readonly string[]).includes(state ?? ''))
      add('only-live-versions-serve', version, `receives ${pct}% but is ${state ?? 'unknown'}`);
  }
  const sum = entries.reduce((a, [, p]) => a + p, 0);
  if (entries.length > 0 && sum !== 100) add('split-sums-to-100', 'split', `shares sum to ${sum}, not 100`);
  if (entries.length === 0 && s.championVersion !== undefined)
    add('split-sums-to-100', 'split', `champion ${s.championVersion} is set but nothing receives traffic`);
  for (const version of [...production, ...canaries]) {
    if (!((s.split[version] ?? 0) > 0))
      add('live-versions-serve', version, `is ${stateOf.get(version)} but receives no traffic`);
  }

  if (s.championVersion !== undefined && stateOf.get(s.championVersion) !== 'production') {
    add(
      'champion-is-production',
      s.championVersion,
      `is the champion but is ${stateOf.get(s.championVersion) ?? 'unknown'}`,
    );
  }
  for (const version of production.filter((v) => v !== s.championVersion)) {
    add('champion-is-production', version, `is in production but the champion is ${s.championVersion ?? 'none'}`);
  }

  if (canaries.length > 1) add('one-canary-beside-champion', canaries.join(','), `${canaries.length} canaries at once`);
  if (canaries.length > 0 && s.championVersion === undefined)
    add('one-canary-beside-champion', canaries.join(','), 'canary without a champion');

  for (const e of s.experiments ?? []) {
    if (e.status === 'running' && stateOf.get(e.candidate) !== 'canary') {
      add(
        'experiment-follows-canary',
        e.experimentId,
        `is running but its candidate ${e.candidate} is ${stateOf.get(e.candidate) ?? 'unknown'}`,
      );
    }
  }
  return out;
}

/** The violations in `after` that `before` did not already have (what a command would introduce). */
export function newViolations(
  before: readonly LifecycleViolation[],
  after: readonly LifecycleViolation[],
): LifecycleViolation[] {
  const seen = new Set(before.map((v) => `${v.invariant}|${v.subject}`));
  return after.filter((v) => !seen.has(`${v.invariant}|${v.subject}`));
}
