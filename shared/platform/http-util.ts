/**
 * The local platform's HTTP helpers on top of shared/http.ts: JSON bodies and replies with security headers, the error shape
 * (`{ error: { code, message, issues? } }`) on both sides of the wire (the server sends it, the CLI
 * turns it back into the same errors).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ValidationError, errorMessage, type Issue } from '../domain/errors.js';
import { HttpError, readBody, sendJsonText } from '../http.js';

/** Largest request body accepted (operators' commands and incidents are small). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Read and parse a JSON body; a clear 400 when it is not JSON. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
  if (text.trim() === '')
    throw new HttpError(400, 'HTTP.EMPTY_BODY', 'body: expected a JSON document, got an empty body');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, 'HTTP.INVALID_JSON', `body: not valid JSON (${errorMessage(err)})`);
  }
}

/** Headers every reply carries: no MIME sniffing, no framing by other pages (clickjacking), no referrer leaks. */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
} as const;

/** Send a JSON reply. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendJsonText(res, status, JSON.stringify(body, null, 2), {
    ...SECURITY_HEADERS,
    'cache-control': 'no-store',
    ...headers,
  });
}

/** Send a redirect. */
export function sendRedirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(302, { ...SECURITY_HEADERS, location, 'cache-control': 'no-store', ...headers });
  res.end();
}

/** Map any thrown value to a JSON error reply that names the problem. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) return sendJson(res, err.status, { error: { code: err.code, message: err.message } });
  if (err instanceof ValidationError)
    return sendJson(res, 400, { error: { code: err.code, message: err.message, issues: err.issues } });
  if (err instanceof AppError)
    return sendJson(res, err.retryable ? 503 : 422, { error: { code: err.code, message: err.message } });
  sendJson(res, 500, { error: { code: 'INTERNAL', message: errorMessage(err) } });
}

/** The error body the platform sends. */
export interface ErrorBody {
  error?: { code?: string; message?: string; issues?: Issue[] };
}

/** The error a client raises for a non-2xx reply: the inverse of `sendError` (issues keep their paths). */
export function errorFromReply(status: number, body: unknown): Error {
  const error = typeof body === 'object' && body !== null ? (body as ErrorBody).error : undefined;
  const code = error?.code ?? `HTTP.${status}`;
  if (error?.issues && error.issues.length > 0) return new ValidationError('command', error.issues, code);
  return new AppError(code, error?.message ?? `HTTP ${status}`, status >= 500);
}
