/**
 * Authenticating commands the control plane sends itself. A command whose actor is `automation`
 * carries a `signature` attribute: HMAC-SHA256 with the command signing key over the topic and the
 * canonical JSON of the payload (keys sorted, `idempotencyKey` included, so a replay is a duplicate
 * and a tampered field breaks the signature). Anyone can type `"actor": "automation"`; only holders
 * of the key can sign.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The actor name of the control plane's own commands. */
export const AUTOMATION_ACTOR = 'automation';

/** The message attribute carrying a command's signature. */
export const SIGNATURE_ATTRIBUTE = 'signature';

/** Shortest signing key accepted (bytes of text): shorter keys are refused rather than trusted. */
export const MIN_SIGNING_KEY_LENGTH = 32;

/** JSON with object keys sorted at every level and `undefined` properties left out: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The hex HMAC-SHA256 signature of a command payload on a topic. */
export function signCommand(key: string, topic: string, payload: unknown): string {
  return createHmac('sha256', key)
    .update(`${topic}\n${canonicalJson(payload)}`)
    .digest('hex');
}

/** Whether `signature` is the valid signature of `payload` on `topic` (constant-time; false for a missing or too short key). */
export function verifyCommandSignature(
  key: string,
  topic: string,
  payload: unknown,
  signature: string | undefined,
): boolean {
  if (signature === undefined || key.length < MIN_SIGNING_KEY_LENGTH) return false;
  const expected = Buffer.from(signCommand(key, topic, payload), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
