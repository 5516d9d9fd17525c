/** Small helpers for untrusted, already-parsed JSON: object checks, base64 and JSON text decoding. */
import type { Issue } from '../errors.js';

/** A plain JSON object. */
export type JsonObject = Record<string, unknown>;

/** Whether a value is a non-null, non-array object (a Buffer is not). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Canonical base64 (standard alphabet, padded); `Buffer.from` never throws, so check first. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decode strict base64, or report the issue at `path`. */
export function decodeBase64(value: unknown, path: string, issues: Issue[]): Buffer | undefined {
  if (typeof value !== 'string') {
    issues.push({ path, message: `must be a base64 string (got ${describe(value)})` });
    return undefined;
  }
  if (!BASE64.test(value)) {
    issues.push({ path, message: 'not valid base64 (standard alphabet, padded to a multiple of 4 characters)' });
    return undefined;
  }
  return Buffer.from(value, 'base64');
}

/** Parse JSON text (string or bytes), or report `not valid JSON` at `path`. */
export function parseJsonText(value: string | Uint8Array, path: string, issues: Issue[]): unknown {
  const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  if (text.trim() === '') {
    issues.push({ path, message: 'not valid JSON (empty)' });
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    issues.push({ path, message: `not valid JSON (${err instanceof Error ? err.message : String(err)})` });
    return undefined;
  }
}

/** An object given as an object, JSON text or JSON bytes; reports an issue at `path` otherwise. */
export function asJsonObject(value: unknown, path: string, issues: Issue[]): JsonObject | undefined {
  const before = issues.length;
  const parsed = typeof value === 'string' || value instanceof Uint8Array ? parseJsonText(value, path, issues) : value;
  if (issues.length > before) return undefined;
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
