/**
 * Actuals ingestion: `{ "actuals": [{ "requestId", "actualValue", "observedAt"? }] }` joined to logged
 * predictions through the prediction log (BigQuery `actuals` on Google Cloud, SQLite locally).
 * The core is transport-free; {@link ingestActuals} wraps it as a functions-framework HTTP handler
 * (entry point `ingestActuals`), and the local endpoint serves it at POST /v1/actuals.
 *
 * Idempotent on requestId: duplicates inside one body collapse to the last one; a retried body
 * writes rows with the same insertId (`requestId@observedAt`, deduplicated by BigQuery on a best-effort
 * basis), and every reader keeps only the latest actual per request id, so a retry never counts twice.
 */
import { ValidationError, errorMessage, isRetryable, type Issue } from '../domain/errors.js';
import type { ActualRecord, PredictionLog } from '../ports/prediction-log.js';
import { describe, isJsonObject as isObject, parseJsonText } from '../domain/envelopes/json-value.js';
import { errorBody, isRequestId } from './vertex-protocol.js';

/** Most actuals accepted in one request. */
export const MAX_ACTUALS = 10_000;

/** One actual as sent by the caller. */
export interface ActualInput {
  requestId: string;
  actualValue: number;
  observedAt?: string;
}

/** What ingestion needs: where actuals go, which model they belong to, and the time. */
export interface ActualsDeps {
  log: Pick<PredictionLog, 'recordActuals'>;
  modelId: string;
  clock?: () => Date;
}

/** What ingestion reports. */
export interface ActualsResult {
  received: number;
  matched: number;
  /** Request ids with no logged prediction: nothing was written for them (send again once logged). */
  unknownRequestIds: string[];
}

/** A transport-free HTTP result. */
export interface HttpResult {
  status: number;
  body: unknown;
}

/** Validate an actuals body, listing every bad entry and field; duplicates collapse (last wins). */
export function parseActuals(body: unknown): ActualInput[] {
  const actuals = isObject(body) ? body.actuals : undefined;
  if (!Array.isArray(actuals) || actuals.length === 0)
    throw invalid([{ path: 'actuals', message: 'must be a non-empty array' }]);
  if (actuals.length > MAX_ACTUALS)
    throw invalid([{ path: 'actuals', message: `at most ${MAX_ACTUALS} per request, got ${actuals.length}` }]);
  const issues: Issue[] = [];
  actuals.forEach((a: unknown, i) => {
    const at = `actuals[${i}]`;
    if (!isObject(a)) return issues.push({ path: at, message: `must be an object, got ${describe(a)}` });
    if (!isRequestId(a.requestId))
      issues.push({ path: `${at}.requestId`, message: 'must be a non-empty string of at most 256 characters' });
    if (typeof a.actualValue !== 'number' || !Number.isFinite(a.actualValue))
      issues.push({ path: `${at}.actualValue`, message: 'must be a finite number' });
    if (a.observedAt !== undefined && (typeof a.observedAt !== 'string' || Number.isNaN(Date.parse(a.observedAt)))) {
      issues.push({ path: `${at}.observedAt`, message: 'must be an ISO time when given' });
    }
  });
  if (issues.length > 0) throw invalid(issues);
  const byId = new Map<string, ActualInput>();
  for (const a of actuals as ActualInput[]) {
    byId.delete(a.requestId);
    byId.set(a.requestId, {
      requestId: a.requestId,
      actualValue: a.actualValue,
      ...(a.observedAt === undefined ? {} : { observedAt: a.observedAt }),
    });
  }
  return [...byId.values()];
}

/** Validate and record actuals; throws ValidationError on bad input, the log's errors otherwise. */
export async function recordActuals(body: unknown, deps: ActualsDeps): Promise<ActualsResult> {
  const parsed = parseActuals(body);
  const now = (deps.clock ?? (() => new Date()))().toISOString();
  const rows: ActualRecord[] = parsed.map((a) => ({ ...a, modelId: deps.modelId, observedAt: a.observedAt ?? now }));
  const { matched, unknownRequestIds } = await deps.log.recordActuals(rows);
  return { received: rows.length, matched, unknownRequestIds };
}

/** Handle one HTTP call: 200 with the result, 400 naming every bad field, 503 when the log is unavailable. */
export async function handleActuals(req: { method: string; body: unknown }, deps: ActualsDeps): Promise<HttpResult> {
  if (req.method !== 'POST')
    return {
      status: 405,
      body: errorBody(
        405,
        `${req.method} is not allowed; POST {"actuals":[{"requestId","actualValue","observedAt"?}]}`,
      ),
    };
  try {
    return { status: 200, body: await recordActuals(decodeBody(req.body), deps) };
  } catch (err) {
    if (err instanceof ValidationError) return { status: 400, body: errorBody(400, err.message, err.issues) };
    return isRetryable(err)
      ? { status: 503, body: errorBody(503, `actuals not recorded, send again: ${errorMessage(err)}`) }
      : { status: 500, body: errorBody(500, `actuals not recorded: ${errorMessage(err)}`) };
  }
}

/** The part of an Express / functions-framework request the handler reads. */
export interface HttpRequestLike {
  method: string;
  body: unknown;
}
/** The part of an Express / functions-framework response the handler writes. */
export interface HttpResponseLike {
  status(code: number): { json(body: unknown): unknown };
}

/** The functions-framework HTTP handler (`functions.http('ingestActuals', ingestActuals(getDeps))`). */
export function ingestActuals(getDeps: () => Promise<ActualsDeps>) {
  return async (req: HttpRequestLike, res: HttpResponseLike): Promise<void> => {
    let result: HttpResult;
    try {
      result = await handleActuals(req, await getDeps());
    } catch (err) {
      result = { status: 503, body: errorBody(503, `actuals ingestion is not ready: ${errorMessage(err)}`) };
    }
    res.status(result.status).json(result.body);
  };
}

/** functions-framework parses JSON bodies; a body sent with another content type arrives as text or bytes. */
function decodeBody(body: unknown): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  const issues: Issue[] = [];
  const parsed = parseJsonText(body, '', issues);
  if (issues.length > 0) throw invalid(issues);
  return parsed;
}

function invalid(issues: Issue[]): ValidationError {
  return new ValidationError('actuals', issues, 'SERVING.INVALID_REQUEST');
}
