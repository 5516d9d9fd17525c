/** Waiting for a sent command's recorded outcome, and saying it in one line. */
import type { Outcome, Sent } from './operator-client.js';

/** Outcome kinds that mean "recorded, but what was asked did not happen" (the command exits non-zero). */
export const NOT_DONE_KINDS = ['skipped', 'rejected'] as const;

/** How a wait ended. */
export type Settled =
  | { kind: 'done'; recorded: Outcome }
  | { kind: 'not-done'; recorded: Outcome }
  | { kind: 'refused'; recorded: Outcome }
  | { kind: 'timeout' };

/** Classify a recorded outcome. */
export function settle(recorded: Outcome): Exclude<Settled, { kind: 'timeout' }> {
  if (recorded.status === 'rejected') return { kind: 'refused', recorded };
  const kind = String(recorded.outcome.kind ?? '');
  return (NOT_DONE_KINDS as readonly string[]).includes(kind)
    ? { kind: 'not-done', recorded }
    : { kind: 'done', recorded };
}

/** Poll `read` until an outcome is recorded or `timeoutMs` passed (polls every `intervalMs`, backing off to 1 s). */
export async function waitForOutcome(
  read: (sent: Sent) => Promise<Outcome | undefined>,
  sent: Sent,
  timeoutMs: number,
  clock: { now: () => number; sleep: (ms: number) => Promise<void> } = {
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  },
  intervalMs = 100,
): Promise<Settled> {
  const deadline = clock.now() + timeoutMs;
  let wait = intervalMs;
  for (;;) {
    const recorded = await read(sent);
    if (recorded !== undefined) return settle(recorded);
    const left = deadline - clock.now();
    if (left <= 0) return { kind: 'timeout' };
    await clock.sleep(Math.min(wait, left));
    wait = Math.min(wait * 2, 1000);
  }
}

const scalar = (v: unknown): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v);

/** One line for an outcome: its kind, then its reason or message, then its other plain fields. */
export function describeOutcome(outcome: Record<string, unknown>): string {
  const { kind, reason, message, code, ...rest } = outcome;
  const why = [reason, message].filter(scalar).join('; ');
  const details = Object.entries(rest).flatMap(([k, v]) => {
    if (scalar(v)) return [`${k} ${String(v)}`];
    if (Array.isArray(v) && v.every(scalar)) return [`${k} ${v.join(', ')}`];
    if (v !== null && typeof v === 'object' && Object.values(v).every(scalar))
      return [
        `${k} ${Object.entries(v)
          .map(([a, b]) => `${a}=${String(b)}`)
          .join(' ')}`,
      ];
    return [];
  });
  return [
    String(kind ?? 'recorded'),
    why && `: ${why}`,
    details.length ? ` (${details.join('; ')})` : '',
    scalar(code) ? ` [${String(code)}]` : '',
  ].join('');
}
