/** Small helpers for untrusted, already-parsed JSON: object checks, base64 and JSON text decoding, within the input limits. */
import type { Issue } from '../errors.js';
import { MAX_MESSAGE_BYTES, checkDepth, jsonSyntaxProblem } from './limits.js';

/** A plain JSON object. */
export type JsonObject = Record<string, unknown>;

/** Whether a value is a non-null, non-array object (a Buffer is not). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Base64 text longer than this decodes to more than {@link MAX_MESSAGE_BYTES}. */
const MAX_BASE64_CHARS = Math.ceil(MAX_MESSAGE_BYTES / 3) * 4;

/**
 * Whether a string is canonical base64 (standard alphabet, padded to a multiple of 4). A linear scan:
 * a regular expression with a repeated group overflows the stack on multi-megabyte input.
 */
export function isCanonicalBase64(value: string): boolean {
  if (value.length % 4 !== 0) return false;
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  const body = value.length - padding;
  for (let i = 0; i < body; i++) {
    const c = value.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (!ok) return false;
  }
  return true;
}

/** Decode strict base64 within the message size limit, or report the issue at `path`. */
export function decodeBase64(value: unknown, path: string, issues: Issue[]): Buffer | undefined {
  if (typeof value !== 'string') {
    issues.push({ path, message: `must be a base64 string (got ${describe(value)})` });
    return undefined;
  }
  if (value.length > MAX_BASE64_CHARS) {
    issues.push({
      path,
      message: `too large: more than ${MAX_MESSAGE_BYTES} bytes once decoded (the Pub/Sub maximum)`,
    });
    return undefined;
  }
  if (!isCanonicalBase64(value)) {
    issues.push({ path, message: 'not valid base64 (standard alphabet, padded to a multiple of 4 characters)' });
    return undefined;
  }
  return Buffer.from(value, 'base64');
}

/** Parse JSON text (string or bytes) within the size and depth limits, or report the problem at `path` (never quoting the text). */
export function parseJsonText(value: string | Uint8Array, path: string, issues: Issue[]): unknown {
  const size = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.byteLength;
  if (size > MAX_MESSAGE_BYTES) {
    issues.push({ path, message: `too large: ${size} bytes, more than ${MAX_MESSAGE_BYTES} (the Pub/Sub maximum)` });
    return undefined;
  }
  const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  if (text.trim() === '') {
    issues.push({ path, message: 'not valid JSON (empty)' });
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (err) {
    issues.push({ path, message: `not valid JSON (${jsonSyntaxProblem(err)})` });
    return undefined;
  }
  return checkDepth(parsed, path, issues) ? parsed : undefined;
}

/** An object given as an object, JSON text or JSON bytes; reports an issue at `path` otherwise. */
export function asJsonObject(value: unknown, path: string, issues: Issue[]): JsonObject | undefined {
  const before = issues.length;
  const text = typeof value === 'string' || value instanceof Uint8Array;
  // Text is depth-checked as it is parsed; an object handed over already parsed is checked here.
  const parsed = text ? parseJsonText(value, path, issues) : value;
  if (issues.length > before || (!text && !checkDepth(parsed, path, issues))) return undefined;
  if (!isJsonObject(parsed)) {
    issues.push({ path, message: `must be a JSON object (got ${describe(parsed)})` });
    return undefined;
  }
  return parsed;
}

/** The first string among candidate fields (e.g. `messageId` / `message_id`). */
export function firstString(obj: JsonObject, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const v = obj[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/** A short description of a value's JSON type for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}
