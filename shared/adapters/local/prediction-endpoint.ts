/**
 * The local prediction endpoint as a composable `node:http` handler, speaking Vertex AI's REST shape:
 *
 * - `POST /v1/projects/{p}/locations/{l}/endpoints/{e}:predict` with `{ instances: [...] }` returns
 *   `{ predictions, deployedModelId }` and logs one prediction per instance. The request id comes from
 *   the `x-request-id` header (or is generated) and is echoed in that header; instance `i` of a
 *   multi-instance request is logged as `{id}:{i}` (see {@link instanceRequestId}).
 * - `POST /v1/actuals` with `{ actuals: [{ requestId, actualValue, observedAt? }] }` joins realised
 *   values to logged predictions and returns `{ matched, unknownRequestIds }`.
 *
 * Errors use Google's JSON error shape `{ error: { code, status, message, details } }`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { AppError, ValidationError, errorMessage, type Issue } from '../../domain/errors.js';
import type { PredictionLog, PredictionRecord } from '../../ports/prediction-log.js';
import type { LocalModelServing } from './local.model-serving.js';

/** Most instances accepted in one predict request (Vertex's online prediction limit is similar). */
export const MAX_INSTANCES = 1000;
/** Most actuals accepted in one ingestion request. */
export const MAX_ACTUALS = 10_000;
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const PREDICT_PATH = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/endpoints\/([^/:]+):predict$/;

/** Dependencies and identity of one endpoint. */
export interface PredictionHandlerOptions {
  serving: Pick<LocalModelServing, 'predict'>;
  log: PredictionLog;
  endpointId: string;
  modelId: string;
  projectId: string;
  location: string;
  /** Time of predictions and default time of actuals. */
  clock?: () => Date;
  /** Request ids for requests without `x-request-id`; default random UUIDs. */
  newRequestId?: () => string;
}

/** Handles a request if the route is its own; resolves false for any other route. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** The request id logged for instance `index` of a request with `count` instances. */
export function instanceRequestId(requestId: string, index: number, count: number): string {
  return count === 1 ? requestId : `${requestId}:${index}`;
}

/** Build the handler; compose it into the platform's HTTP server. */
export function createPredictionHandler(options: PredictionHandlerOptions): RouteHandler {
  const clock = options.clock ?? (() => new Date());
  const newRequestId = options.newRequestId ?? randomUUID;

  async function predict(req: IncomingMessage, res: ServerResponse, endpointId: string): Promise<void> {
    if (endpointId !== options.endpointId) {
      return sendError(res, 404, `endpoint ${endpointId} not found (this server serves ${options.endpointId})`);
    }
    const instances = validateInstances(await readJson(req));
    const requestId = headerRequestId(req) ?? newRequestId();
    const predictedAt = clock().toISOString();
    const started = performance.now();
    const served = await options.serving.predict(endpointId, instances, requestId);
    const latencyMs = performance.now() - started;
    const rows: PredictionRecord[] = instances.map((features, i) => ({
      requestId: instanceRequestId(requestId, i, instances.length), modelId: options.modelId, version: served.deployedModelId,
      endpointId, features, prediction: served.predictions[i], predictedAt, latencyMs,
      ...(typeof features.market_condition === 'string' ? { marketCondition: features.market_condition } : {}),
    }));
    // Logged before answering: a prediction that cannot be joined with its actual later is not served.
    await options.log.record(rows);
    res.setHeader('x-request-id', requestId);
    sendJson(res, 200, { predictions: served.predictions, deployedModelId: served.deployedModelId });
  }

  async function actuals(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const observedAt = clock().toISOString();
    const rows = validateActuals(await readJson(req)).map((a) => ({ ...a, modelId: options.modelId, observedAt: a.observedAt ?? observedAt }));
    sendJson(res, 200, await options.log.recordActuals(rows));
  }

  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const match = PREDICT_PATH.exec(path);
    const ours = match !== null && decodeURIComponent(match[1]) === options.projectId && decodeURIComponent(match[2]) === options.location;
    if (!ours && path !== '/v1/actuals') return false;
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendError(res, 405, `${req.method ?? 'this method'} is not allowed on ${path}; use POST`);
      return true;
    }
    try {
      await (match ? predict(req, res, decodeURIComponent(match[3])) : actuals(req, res));
    } catch (err) {
      sendFailure(res, err);
    }
    return true;
  };
}

function validateInstances(body: unknown): Record<string, unknown>[] {
  const instances = isObject(body) ? body.instances : undefined;
  if (!Array.isArray(instances)) throw invalid('predict request', [{ path: 'instances', message: 'must be an array of objects' }]);
  if (instances.length === 0) throw invalid('predict request', [{ path: 'instances', message: 'must not be empty' }]);
  if (instances.length > MAX_INSTANCES) {
    throw invalid('predict request', [{ path: 'instances', message: `at most ${MAX_INSTANCES} instances per request, got ${instances.length}` }]);
  }
  const issues: Issue[] = [];
  instances.forEach((instance: unknown, i) => {
    if (!isObject(instance)) issues.push({ path: `instances[${i}]`, message: `must be an object of feature values, got ${describe(instance)}` });
    else if (instance.market_condition !== undefined && typeof instance.market_condition !== 'string') {
      issues.push({ path: `instances[${i}].market_condition`, message: 'must be a string' });
    }
  });
  if (issues.length > 0) throw invalid('predict request', issues);
  return instances as Record<string, unknown>[];
}

function validateActuals(body: unknown): { requestId: string; actualValue: number; observedAt?: string }[] {
  const actuals = isObject(body) ? body.actuals : undefined;
  if (!Array.isArray(actuals) || actuals.length === 0) throw invalid('actuals', [{ path: 'actuals', message: 'must be a non-empty array' }]);
  if (actuals.length > MAX_ACTUALS) throw invalid('actuals', [{ path: 'actuals', message: `at most ${MAX_ACTUALS} per request, got ${actuals.length}` }]);
  const issues: Issue[] = [];
  actuals.forEach((a: unknown, i) => {
    const at = `actuals[${i}]`;
    if (!isObject(a)) return issues.push({ path: at, message: `must be an object, got ${describe(a)}` });
    if (typeof a.requestId !== 'string' || a.requestId === '') issues.push({ path: `${at}.requestId`, message: 'must be a non-empty string' });
    if (typeof a.actualValue !== 'number' || !Number.isFinite(a.actualValue)) issues.push({ path: `${at}.actualValue`, message: 'must be a finite number' });
    if (a.observedAt !== undefined && (typeof a.observedAt !== 'string' || Number.isNaN(Date.parse(a.observedAt)))) {
      issues.push({ path: `${at}.observedAt`, message: 'must be an ISO time when given' });
    }
  });
  if (issues.length > 0) throw invalid('actuals', issues);
  return actuals as { requestId: string; actualValue: number; observedAt?: string }[];
}

function headerRequestId(req: IncomingMessage): string | undefined {
  const value = req.headers['x-request-id'];
  const id = Array.isArray(value) ? value[0] : value;
  return id !== undefined && id.trim() !== '' ? id.trim().slice(0, 256) : undefined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw invalid('request body', [{ path: '', message: `not valid JSON (${errorMessage(err)})` }]);
  }
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 413: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE',
};

function sendFailure(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) return sendError(res, err.status, err.message);
  if (err instanceof ValidationError) return sendError(res, 400, err.message, err.issues);
  if (err instanceof AppError && (err.code === 'SERVING.NO_DEPLOYMENT' || err.retryable)) return sendError(res, 503, err.message);
  sendError(res, 500, `prediction failed: ${errorMessage(err)}`);
}

function sendError(res: ServerResponse, code: number, message: string, issues: Issue[] = []): void {
  sendJson(res, code, { error: { code, status: STATUS_NAMES[code] ?? 'UNKNOWN', message, details: issues } });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function invalid(what: string, issues: Issue[]): ValidationError {
  return new ValidationError(what, issues, 'SERVING.INVALID_REQUEST');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
