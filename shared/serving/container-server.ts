/**
 * The serving container's HTTP behaviour (Vertex AI custom container contract), transport only:
 * the composition root (shared/composition/serving.ts) loads the model, builds the prediction log
 * and listens.
 *
 * - GET <health route>: 200 `{ status: 'READY', ... }` once the model is loaded; 503 while loading,
 *   after a failed load and while shutting down (so Vertex stops routing to this replica).
 * - POST <predict route>: `{ instances, parameters? }` -> `{ predictions, deployedModelId, metadata }`;
 *   each instance is queued for the prediction log (never awaited on the request path).
 * - POST <explain route>: `{ explanations, predictions, deployedModelId }` when the model explains,
 *   else 501; explanations are not logged as predictions.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { PermanentError, errorMessage } from '../domain/errors.js';
import type { Logger } from '../ports/logger.js';
import type { PredictionRecord } from '../ports/prediction-log.js';
import { canExplain, explainRows, explainUnsupported } from './explainable.js';
import {
  REQUEST_ID_HEADER,
  readJsonBody,
  requestIdOf,
  sendError,
  sendFailure,
  sendJson,
  statusOf,
} from './http-json.js';
import { explainResponse, parseInstancesRequest, predictResponse, type Instance } from './vertex-protocol.js';

/** What the container serves with: any model that predicts one number per raw row. */
export interface ContainerModel {
  predict(rows: readonly Instance[]): number[] | Promise<number[]>;
  /** Model family (e.g. `mlp`), reported by the health route when the model says. */
  family?: string;
}

/** Routes, identity and collaborators of the container. */
export interface ContainerServerOptions {
  routes: { health: string; predict: string; explain: string };
  modelId: string;
  /** Semantic version logged with each prediction. */
  version: string;
  endpointId: string;
  /** Returned as `deployedModelId` (Vertex's id of this deployment). */
  deployedModelId: string;
  /** Where predictions are queued; absent when logging is off. */
  log?: { add(rows: PredictionRecord[]): void };
  logger: Logger;
  clock?: () => Date;
  newRequestId?: () => string;
}

/** Lifecycle of the container, as the health route reports it. */
export const CONTAINER_STATES = ['LOADING', 'READY', 'FAILED', 'STOPPING'] as const;
/** A container state. */
export type ContainerState = (typeof CONTAINER_STATES)[number];

/** The container's request handler and lifecycle switches. */
export interface ContainerServer {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The model is loaded: start serving. */
  ready(model: ContainerModel): void;
  /** Loading failed for good: health reports it until the process exits. */
  failed(err: unknown): void;
  /** Shutdown began: health answers 503 so no new traffic is routed here. */
  stopping(): void;
  state(): ContainerState;
}

/** Build the container server. */
export function createContainerServer(options: ContainerServerOptions): ContainerServer {
  const clock = options.clock ?? (() => new Date());
  const newRequestId = options.newRequestId ?? randomUUID;
  let state: ContainerState = 'LOADING';
  let model: ContainerModel | undefined;
  let failure = '';

  function serving(): ContainerModel {
    // A replica that is stopping still answers the requests already routed to it.
    if ((state === 'READY' || state === 'STOPPING') && model) return model;
    throw new PermanentError(
      'SERVING.NO_DEPLOYMENT',
      state === 'LOADING' ? 'the model is still loading; retry shortly' : `the model is not serving (${state})`,
    );
  }

  function health(res: ServerResponse): void {
    const identity = { modelId: options.modelId, version: options.version, deployedModelId: options.deployedModelId };
    if (state === 'READY')
      return sendJson(res, 200, { status: state, ...identity, ...(model?.family ? { family: model.family } : {}) });
    sendJson(res, 503, { status: state, ...identity, ...(state === 'FAILED' ? { error: failure } : {}) });
  }

  async function predict(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { instances, requestId: bodyId } = parseInstancesRequest(await readJsonBody(req));
    const current = serving();
    const requestId = requestIdOf(req, bodyId, newRequestId);
    const predictedAt = clock().toISOString();
    const started = performance.now();
    const predictions = checked(await current.predict(instances), instances.length);
    const latencyMs = performance.now() - started;
    const body = predictResponse(predictions, options.deployedModelId, requestId, options.version);
    options.log?.add(
      instances.map((features, i) => ({
        requestId: body.metadata.requestIds[i],
        modelId: options.modelId,
        version: options.version,
        endpointId: options.endpointId,
        features,
        prediction: predictions[i],
        predictedAt,
        latencyMs,
        ...(typeof features.market_condition === 'string' ? { marketCondition: features.market_condition } : {}),
      })),
    );
    sendJson(res, 200, body, { [REQUEST_ID_HEADER]: requestId });
  }

  async function explain(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { instances } = parseInstancesRequest(await readJsonBody(req), 'explain request');
    const current = serving();
    if (!canExplain(current))
      throw explainUnsupported(
        `model ${options.modelId}@${options.version}${current.family ? ` (${current.family})` : ''}`,
      );
    const explanations = await explainRows(current, instances);
    const predictions = checked(await current.predict(instances), instances.length);
    sendJson(res, 200, explainResponse(explanations, predictions, options.deployedModelId));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://container').pathname;
    const handlers: Record<string, { method: string; run: () => Promise<void> | void }> = {
      [options.routes.health]: { method: 'GET', run: () => health(res) },
      [options.routes.predict]: { method: 'POST', run: () => predict(req, res) },
      [options.routes.explain]: { method: 'POST', run: () => explain(req, res) },
    };
    const handler = handlers[path];
    if (!handler)
      return sendError(
        res,
        404,
        `no route ${path}; predict at POST ${options.routes.predict}, explain at POST ${options.routes.explain}, health at GET ${options.routes.health}`,
      );
    if (req.method !== handler.method)
      return sendError(
        res,
        405,
        `${req.method ?? 'this method'} is not allowed on ${path}; use ${handler.method}`,
        [],
        { allow: handler.method },
      );
    try {
      await handler.run();
    } catch (err) {
      if (statusOf(err) === 500) options.logger.log('ERROR', `${path} failed: ${errorMessage(err)}`);
      sendFailure(res, err);
    }
  }

  return {
    handle: (req, res) => void route(req, res).catch((err: unknown) => sendFailure(res, err)),
    ready(loaded) {
      model = loaded;
      // A SIGTERM during the load wins: the replica stays out of rotation.
      if (state === 'LOADING') state = 'READY';
    },
    failed(err) {
      failure = errorMessage(err);
      state = 'FAILED';
    },
    stopping() {
      state = 'STOPPING';
    },
    state: () => state,
  };
}

/** One finite number per instance, or a 500 naming the first bad instance (a NaN valuation is a model bug). */
function checked(predictions: number[], count: number): number[] {
  if (predictions.length !== count)
    throw new Error(`the model returned ${predictions.length} predictions for ${count} instances`);
  const bad = predictions.findIndex((p) => typeof p !== 'number' || !Number.isFinite(p));
  if (bad >= 0)
    throw new Error(`the model produced a non-finite prediction (${predictions[bad]}) for instances[${bad}]`);
  return predictions;
}
