/**
 * The local prediction endpoint as a composable `node:http` handler, speaking Vertex AI's REST shape
 * (shapes and errors in shared/serving/vertex-protocol.ts, shared with the serving container):
 *
 * - `POST /v1/projects/{p}/locations/{l}/endpoints/{e}:predict` with `{ instances, parameters? }` returns
 *   `{ predictions, deployedModelId, metadata: { requestId, requestIds, modelVersion } }` and logs one
 *   prediction per instance. The request id is `parameters.requestId`, else the `x-request-id` header,
 *   else generated; it is echoed in that header. Instance `i` of a multi-instance request is logged as
 *   `{id}:{i}` (`metadata.requestIds`).
 * - `POST .../endpoints/{e}:explain` returns `{ explanations, predictions, deployedModelId }` from the
 *   version the request id routes to (501 when that version's model has no explanations); not logged.
 * - `POST /v1/actuals` with `{ actuals: [{ requestId, actualValue, observedAt? }] }` joins realised
 *   values to logged predictions and returns `{ received, matched, unknownRequestIds }`.
 *
 * A model's input validation error (PREDICT.INPUT_INVALID) is a 400 naming the fields.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { PredictionLog, PredictionRecord } from '../../ports/prediction-log.js';
import { recordActuals } from '../../serving/actuals-ingestion.js';
import {
  REQUEST_ID_HEADER,
  readJsonBody,
  requestIdOf,
  sendError,
  sendFailure,
  sendJson,
} from '../../serving/http-json.js';
import { explainResponse, parseInstancesRequest, predictResponse } from '../../serving/vertex-protocol.js';
import type { LocalModelServing } from './local.model-serving.js';

const ENDPOINT_PATH = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/endpoints\/([^/:]+):(predict|explain)$/;

/** Dependencies and identity of one endpoint. */
export interface PredictionHandlerOptions {
  serving: Pick<LocalModelServing, 'predict'> & Partial<Pick<LocalModelServing, 'explain'>>;
  log: PredictionLog;
  endpointId: string;
  modelId: string;
  projectId: string;
  location: string;
  /** Time of predictions and default time of actuals. */
  clock?: () => Date;
  /** Request ids for requests without one; default random UUIDs. */
  newRequestId?: () => string;
}

/** Handles a request if the route is its own; resolves false for any other route. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Build the handler; compose it into the platform's HTTP server. */
export function createPredictionHandler(options: PredictionHandlerOptions): RouteHandler {
  const clock = options.clock ?? (() => new Date());

  async function predict(req: IncomingMessage, res: ServerResponse, endpointId: string): Promise<void> {
    const { instances, requestId: bodyId } = parseInstancesRequest(await readJsonBody(req));
    const requestId = requestIdOf(req, bodyId, options.newRequestId);
    const predictedAt = clock().toISOString();
    const started = performance.now();
    const served = await options.serving.predict(endpointId, instances, requestId);
    const latencyMs = performance.now() - started;
    const body = predictResponse(served.predictions, served.deployedModelId, requestId, served.deployedModelId);
    const rows: PredictionRecord[] = instances.map((features, i) => ({
      requestId: body.metadata.requestIds[i],
      modelId: options.modelId,
      version: served.deployedModelId,
      endpointId,
      features,
      prediction: served.predictions[i],
      predictedAt,
      latencyMs,
      ...(typeof features.market_condition === 'string' ? { marketCondition: features.market_condition } : {}),
    }));
    // Logged before answering: a prediction that cannot be joined with its actual later is not served.
    await options.log.record(rows);
    sendJson(res, 200, body, { [REQUEST_ID_HEADER]: requestId });
  }

  async function explain(req: IncomingMessage, res: ServerResponse, endpointId: string): Promise<void> {
    const { instances, requestId: bodyId } = parseInstancesRequest(await readJsonBody(req), 'explain request');
    const requestId = requestIdOf(req, bodyId, options.newRequestId);
    if (!options.serving.explain) return sendError(res, 501, 'this endpoint does not serve explanations');
    const served = await options.serving.explain(endpointId, instances, requestId);
    sendJson(res, 200, explainResponse(served.explanations, served.predictions, served.deployedModelId), {
      [REQUEST_ID_HEADER]: requestId,
    });
  }

  async function actuals(req: IncomingMessage, res: ServerResponse): Promise<void> {
    sendJson(
      res,
      200,
      await recordActuals(await readJsonBody(req), { log: options.log, modelId: options.modelId, clock }),
    );
  }

  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const match = ENDPOINT_PATH.exec(path);
    const ours =
      match !== null &&
      decodeURIComponent(match[1]) === options.projectId &&
      decodeURIComponent(match[2]) === options.location;
    if (!ours && path !== '/v1/actuals') return false;
    if (req.method !== 'POST') {
      sendError(res, 405, `${req.method ?? 'this method'} is not allowed on ${path}; use POST`, [], { allow: 'POST' });
      return true;
    }
    try {
      if (!match) await actuals(req, res);
      else if (decodeURIComponent(match[3]) !== options.endpointId) {
        sendError(
          res,
          404,
          `endpoint ${decodeURIComponent(match[3])} not found (this server serves ${options.endpointId})`,
        );
      } else await (match[4] === 'predict' ? predict : explain)(req, res, options.endpointId);
    } catch (err) {
      sendFailure(res, err);
    }
    return true;
  };
}
