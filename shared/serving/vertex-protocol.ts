/**
 * Vertex AI's online prediction shapes, shared by the local endpoint and the serving container:
 * `{ instances, parameters? }` in; `{ predictions, deployedModelId, metadata }` and
 * `{ explanations, predictions, deployedModelId }` out (google.cloud.aiplatform.v1 PredictResponse /
 * ExplainResponse); errors as Google's JSON error `{ error: { code, status, message, details } }`.
 * Pure: validation and response building only, no transport.
 */
import { describe, isJsonObject as isObject } from '../domain/envelopes/json-value.js';
import { ValidationError, type Issue } from '../domain/errors.js';

/** Most instances accepted in one request. */
export const MAX_INSTANCES = 1000;
/** Largest request body: Vertex AI caps online prediction requests at 1.5 MB. */
export const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** Longest caller-chosen request id (header or `parameters.requestId`). */
export const MAX_REQUEST_ID_LENGTH = 256;

/** One instance: feature name -> raw value, as the caller sent it. */
export type Instance = Record<string, unknown>;

/** A validated predict or explain request. */
export interface InstancesRequest {
  instances: Instance[];
  /** `parameters` as sent (an object), or empty. */
  parameters: Record<string, unknown>;
  /** `parameters.requestId`, when the caller chose the request id in the body. */
  requestId?: string;
}

/** One feature attribution of one output (google.cloud.aiplatform.v1.Attribution). */
export interface Attribution {
  baselineOutputValue: number;
  instanceOutputValue: number;
  featureAttributions: Record<string, number>;
  outputIndex?: number[] | number;
  approximationError?: number;
}

/** The explanation of one instance (google.cloud.aiplatform.v1.Explanation). */
export interface Explanation {
  attributions: Attribution[];
}

/** Request-level metadata returned with predictions: the ids to send actuals with, and the version. */
export interface PredictMetadata {
  requestId: string;
  /** The id instance `i` was logged under (join key for actuals). */
  requestIds: string[];
  modelVersion: string;
}

/** A predict response body. */
export interface PredictResponseBody {
  predictions: number[];
  deployedModelId: string;
  metadata: PredictMetadata;
}

/** An explain response body. */
export interface ExplainResponseBody {
  explanations: Explanation[];
  predictions: number[];
  deployedModelId: string;
}

/** HTTP status -> Google's canonical status name used in error bodies. */
export const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
};

/** Google's JSON error body. */
export interface ErrorBody {
  error: { code: number; status: string; message: string; details: Issue[] };
}

/** Build Google's JSON error body for a status. */
export function errorBody(code: number, message: string, issues: Issue[] = []): ErrorBody {
  return { error: { code, status: STATUS_NAMES[code] ?? 'UNKNOWN', message, details: issues } };
}

/** Validate a predict / explain body; every problem is listed with its field path. */
export function parseInstancesRequest(body: unknown, what = 'predict request'): InstancesRequest {
  const fail = (issues: Issue[]): never => {
    throw new ValidationError(what, issues, 'SERVING.INVALID_REQUEST');
  };
  if (!isObject(body))
    return fail([{ path: '', message: `must be a JSON object with "instances", got ${describe(body)}` }]);
  const { instances, parameters } = body;
  if (!Array.isArray(instances)) return fail([{ path: 'instances', message: 'must be an array of objects' }]);
  if (instances.length === 0) return fail([{ path: 'instances', message: 'must not be empty' }]);
  if (instances.length > MAX_INSTANCES)
    return fail([
      { path: 'instances', message: `at most ${MAX_INSTANCES} instances per request, got ${instances.length}` },
    ]);
  const issues: Issue[] = [];
  instances.forEach((instance: unknown, i) => {
    if (!isObject(instance))
      issues.push({
        path: `instances[${i}]`,
        message: `must be an object of feature values, got ${describe(instance)}`,
      });
    else if (instance.market_condition !== undefined && typeof instance.market_condition !== 'string') {
      issues.push({ path: `instances[${i}].market_condition`, message: 'must be a string' });
    }
  });
  if (parameters !== undefined && !isObject(parameters))
    issues.push({ path: 'parameters', message: `must be an object when given, got ${describe(parameters)}` });
  const requestId = isObject(parameters) ? parameters.requestId : undefined;
  if (requestId !== undefined && !isRequestId(requestId)) {
    issues.push({
      path: 'parameters.requestId',
      message: `must be a non-empty string of at most ${MAX_REQUEST_ID_LENGTH} characters`,
    });
  }
  if (issues.length > 0) return fail(issues);
  return {
    instances: instances as Instance[],
    parameters: isObject(parameters) ? parameters : {},
    ...(typeof requestId === 'string' ? { requestId } : {}),
  };
}

/** Whether a value can be a request id. */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_REQUEST_ID_LENGTH;
}

/** The request id logged for instance `index` of a request with `count` instances. */
export function instanceRequestId(requestId: string, index: number, count: number): string {
  return count === 1 ? requestId : `${requestId}:${index}`;
}

/** The predict response; `metadata.requestIds` are the ids actuals join on. */
export function predictResponse(
  predictions: number[],
  deployedModelId: string,
  requestId: string,
  modelVersion: string,
): PredictResponseBody {
  const requestIds = predictions.map((_, i) => instanceRequestId(requestId, i, predictions.length));
  return { predictions, deployedModelId, metadata: { requestId, requestIds, modelVersion } };
}

/** The explain response: one explanation per instance, with the predictions. */
export function explainResponse(
  explanations: Explanation[],
  predictions: number[],
  deployedModelId: string,
): ExplainResponseBody {
  return { explanations, predictions, deployedModelId };
}
