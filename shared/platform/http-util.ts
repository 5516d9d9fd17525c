/**
 * The local platform's one HTTP helper module: JSON bodies and replies, the error shape
 * (`{ error: { code, message, issues? } }`) on both sides of the wire (the server sends it, the CLI
 * turns it back into the same errors).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ValidationError, errorMessage, type Issue } from '../domain/errors.js';

/** Largest request body accepted (operators' commands and incidents are small). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Read a request body as text; 413 past the limit. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new HttpError(413, 'HTTP.TOO_LARGE', `body exceeds ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Read and parse a JSON body; a clear 400 when it is not JSON. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === '') throw new HttpError(400, 'HTTP.EMPTY_BODY', 'body: expected a JSON document, got an empty body');
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
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** Send a redirect. */
export function sendRedirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(302, { ...SECURITY_HEADERS, location, 'cache-control': 'no-store', ...headers });
  res.end();
}

/** An error with an HTTP status. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** Map any thrown value to a JSON error reply that names the problem. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) return sendJson(res, err.status, { error: { code: err.code, message: err.message } });
  if (err instanceof ValidationError) return sendJson(res, 400, { error: { code: err.code, message: err.message, issues: err.issues } });
  if (err instanceof AppError) return sendJson(res, err.retryable ? 503 : 422, { error: { code: err.code, message: err.message } });
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
