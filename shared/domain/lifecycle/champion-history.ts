/**
 * The champion history: who held production, from when to when, on what evidence. Append-only; the
 * open entry (no `to`) is the current champion. Answers "who held production at time T" and
 * "what is the last known-good version" for rollbacks.
 */
import { PermanentError } from '../errors.js';
import type { ChampionEntry } from '../state.js';
import { toMillis, type Instant } from './time.js';

/** A new champion as recorded by a promotion or a rollback. */
export interface NewChampion {
  version: string;
  /** When it took production (ISO-8601). */
  at: string;
  actor: string;
  reason: string;
  evidence?: Record<string, unknown>;
}

/** The open entry (the current champion), if any. */
export function currentChampion(history: readonly ChampionEntry[]): ChampionEntry | undefined {
  const last = history.at(-1);
  return last !== undefined && last.to === undefined ? last : undefined;
}

/** Append a champion, closing the open entry at `entry.at`; re-appending the current champion is a no-op. */
export function appendChampion(history: readonly ChampionEntry[], entry: NewChampion): ChampionEntry[] {
  const at = toMillis(entry.at, 'entry.at');
  const open = currentChampion(history);
  if (open?.version === entry.version) return [...history];
  const last = history.at(-1);
  const lastTime = last === undefined ? undefined : (last.to ?? last.from);
  if (lastTime !== undefined && at < toMillis(lastTime, 'history.at')) {
    throw new PermanentError(
      'HISTORY.OUT_OF_ORDER',
      `Cannot make ${entry.version} champion at ${entry.at}: the history already has an entry at ${lastTime}`,
      { version: entry.version, at: entry.at, last: lastTime },
    );
  }
  const closed = history.map((e) => (e === open ? { ...e, to: entry.at } : e));
  return [
    ...closed,
    {
      version: entry.version,
      from: entry.at,
      actor: entry.actor,
      reason: entry.reason,
      evidence: entry.evidence ?? {},
    },
  ];
}

/** Close the open entry at `at` (production retired with no successor); unchanged when nothing is open. */
export function closeChampion(history: readonly ChampionEntry[], at: string): ChampionEntry[] {
  const open = currentChampion(history);
  if (open === undefined) return [...history];
  if (toMillis(at, 'at') < toMillis(open.from, 'history.from')) {
    throw new PermanentError(
      'HISTORY.OUT_OF_ORDER',
      `Cannot close ${open.version} at ${at}: it became champion at ${open.from}`,
      { at },
    );
  }
  return history.map((e) => (e === open ? { ...e, to: at } : e));
}

/** The most recent champion whose version is not excluded (e.g. the bad version and earlier rolled-back ones). */
export function lastKnownGood(
  history: readonly ChampionEntry[],
  excluding: string | readonly string[],
): string | undefined {
  const skip = typeof excluding === 'string' ? [excluding] : excluding;
  for (let i = history.length - 1; i >= 0; i -= 1) {
    if (!skip.includes(history[i].version)) return history[i].version;
  }
  return undefined;
}

/** The entry that held production at `time` (from inclusive, to exclusive), if any. */
export function holderAt(history: readonly ChampionEntry[], time: Instant): ChampionEntry | undefined {
  const t = toMillis(time, 'time');
  return history.find((e) => toMillis(e.from, 'from') <= t && (e.to === undefined || t < toMillis(e.to, 'to')));
}
