/**
 * The one node:http JSON plumbing every HTTP surface builds on (the local platform's API and console,
 * the local prediction endpoint, the serving container): size-capped body reading, JSON replies, and
 * an error carrying its HTTP status and code. Each surface keeps only its own error body shape
 * (the platform's `{ error: { code, message, issues } }`, Google's on the prediction routes).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error with an HTTP status and a machine-readable code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Read a request body; 413 (`HTTP.TOO_LARGE`) past `limit` bytes, refused from Content-Length before reading when it says so. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit)
    throw new HttpError(413, 'HTTP.TOO_LARGE', `request body of ${declared} bytes exceeds the ${limit}-byte limit`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'HTTP.TOO_LARGE', `request body exceeds the ${limit}-byte limit`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Send JSON text as a reply (nothing if headers already went out). */
export function sendJsonText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
