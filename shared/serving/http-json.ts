/**
 * The prediction routes' HTTP layer (local endpoint and serving container) on top of shared/http.ts:
 * the JSON body reader with field-path errors, the request id header, and the one mapping from thrown errors to
 * HTTP statuses with Google's error body.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJsonText } from '../domain/envelopes/json-value.js';
import { AppError, ValidationError, errorMessage, type Issue } from '../domain/errors.js';
import { HttpError, readBody, sendJsonText } from '../http.js';
import { MAX_REQUEST_BYTES, errorBody, isRequestId } from './vertex-protocol.js';

/** Header carrying the request id in and out. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Error codes that mean "this deployment cannot do that", answered 501. */
export const UNSUPPORTED_CODES = ['SERVING.EXPLAIN_UNSUPPORTED'] as const;

/** Read and parse a JSON body; 413 past `limit` bytes, 400 when it is not JSON. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_REQUEST_BYTES): Promise<unknown> {
  const body = await readBody(req, limit);
  const issues: Issue[] = [];
  const parsed = parseJsonText(body, '', issues);
  if (issues.length > 0) throw new ValidationError('request body', issues, 'SERVING.INVALID_REQUEST');
  return parsed;
}

/** The request id: the body's, else the header's, else a new UUID. */
export function requestIdOf(
  req: IncomingMessage,
  fromBody: string | undefined,
  newRequestId: () => string = randomUUID,
): string {
  if (fromBody !== undefined) return fromBody.trim();
  const value = req.headers[REQUEST_ID_HEADER];
  const header = Array.isArray(value) ? value[0] : value;
  return isRequestId(header) ? header.trim() : newRequestId();
}

/** Send a JSON reply (nothing if headers already went out). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** Send Google's error body. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  issues: ValidationError['issues'] = [],
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, errorBody(status, message, issues), headers);
}

/** The HTTP status a thrown value maps to. */
export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof ValidationError) return 400;
  if (err instanceof AppError && (UNSUPPORTED_CODES as readonly string[]).includes(err.code)) return 501;
  if (err instanceof AppError && (err.code === 'SERVING.NO_DEPLOYMENT' || err.retryable)) return 503;
  return 500;
}

/** Map any thrown value to an error reply: 400 lists every issue with its field path. */
export function sendFailure(res: ServerResponse, err: unknown): void {
  const status = statusOf(err);
  // An oversized body is not read to its end: close the connection rather than drain it.
  if (status === 413) return sendError(res, 413, errorMessage(err), [], { connection: 'close' });
  if (status === 500) return sendError(res, 500, `prediction failed: ${errorMessage(err)}`);
  sendError(res, status, errorMessage(err), err instanceof ValidationError ? err.issues : []);
}
