/** Time helpers for the pure lifecycle layer: time always arrives as a parameter, never from a clock. */
import { PermanentError } from '../errors.js';

/** A point in time as callers pass it: an ISO-8601 string or a Date. */
export type Instant = string | Date;

/** Milliseconds since the epoch of an instant; throws `LIFECYCLE.INVALID_TIME` naming the field when unparsable. */
export function toMillis(value: Instant, field = 'time'): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new PermanentError('LIFECYCLE.INVALID_TIME', `${field} is not a valid ISO-8601 time: ${String(value)}`, {
      field,
    });
  }
  return ms;
}

/** The ISO-8601 string of an instant shifted by a number of minutes. */
export function addMinutes(value: Instant, minutes: number, field = 'time'): string {
  return new Date(toMillis(value, field) + minutes * 60_000).toISOString();
}

/** Minutes elapsed from `earlier` to `later` (negative when `later` is before `earlier`). */
export function minutesBetween(earlier: Instant, later: Instant): number {
  return (toMillis(later, 'later') - toMillis(earlier, 'earlier')) / 60_000;
}
