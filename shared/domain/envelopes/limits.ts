/**
 * Explicit limits on untrusted input, checked before anything recursive or expensive touches it, and
 * the one way a decode error may quote input: a short, sanitized prefix (message bodies and file
 * contents are never echoed into errors, logs or the ledger's reason).
 */
import type { Issue } from '../errors.js';

/** Pub/Sub's own maximum message size is 10 MB; nothing larger can be a legitimate message. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * Deepest nesting a message may have. Firestore refuses maps nested deeper than 20 levels, and a
 * payload's objects are stored a few levels down (alert evidence, audit evidence); real shapes
 * (incidents, log entries) nest 4 to 6 deep.
 */
export const MAX_JSON_DEPTH = 16;

/** How much of an input value an error message may quote. */
export const MAX_QUOTED_CHARS = 40;

/** A short, printable rendering of an input value for an error message (control characters removed, truncated). */
export function quoteInput(value: unknown, max = MAX_QUOTED_CHARS): string {
  const text = typeof value === 'string' ? value : String(value);
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return JSON.stringify(clean.length > max ? `${clean.slice(0, max)}…` : clean);
}

/** The nesting depth of a parsed JSON value (iterative: a hostile depth cannot overflow the stack). Stops counting past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: Array<{ v: unknown; d: number }> = [{ v: value, d: 0 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: unknown; d: number };
    if (typeof v !== 'object' || v === null || v instanceof Uint8Array) continue;
    const depth = d + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push({ v: child, d: depth });
  }
  return deepest;
}

/** Report an issue at `path` when `value` nests deeper than {@link MAX_JSON_DEPTH}; returns whether it is within the limit. */
export function checkDepth(value: unknown, path: string, issues: Issue[]): boolean {
  if (jsonDepth(value) <= MAX_JSON_DEPTH) return true;
  issues.push({ path, message: `nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep` });
  return false;
}

/** A JSON.parse error message without the input V8 quotes into it (position kept when given). */
export function jsonSyntaxProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const position = /position (\d+)/.exec(message)?.[1];
  if (/Unexpected end|Unterminated/i.test(message))
    return `unexpected end of input${position ? ` at position ${position}` : ''}`;
  if (/control character/i.test(message))
    return `a control character inside a string${position ? ` at position ${position}` : ''}`;
  return `syntax error${position ? ` at position ${position}` : ''}`;
}
