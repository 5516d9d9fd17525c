/** Small helpers for the local platform's node:http server: JSON bodies, JSON replies, errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ValidationError, errorMessage } from '../domain/errors.js';

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

/** Send a JSON reply. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
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
