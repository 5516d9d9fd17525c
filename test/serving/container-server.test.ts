/** The container's HTTP behaviour in-process, with stub models (the real model runs in container.test.ts). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors.js';
import { silentLogger } from '../../shared/logging.js';
import type { PredictionRecord } from '../../shared/ports/prediction-log.js';
import {
  createContainerServer,
  type ContainerModel,
  type ContainerServer,
} from '../../shared/serving/container-server.js';
import type { Explanation, Instance } from '../../shared/serving/vertex-protocol.js';

const ROUTES = {
  health: '/v1/endpoints/e1/deployedModels/d1',
  predict: '/v1/endpoints/e1/deployedModels/d1:predict',
  explain: '/v1/endpoints/e1/deployedModels/d1:explain',
};
const NOW = new Date('2024-05-01T12:00:00.000Z');

/** Predicts revenue * 2; like the real model, a row without revenue is PREDICT.INPUT_INVALID naming it. */
const doubler: ContainerModel = {
  family: 'stub',
  predict(rows) {
    const issues = rows.flatMap((r, i) =>
      r.revenue === undefined ? [{ path: `instances[${i}].revenue`, message: 'is required' }] : [],
    );
    if (issues.length > 0) throw new ValidationError('prediction rows', issues, 'PREDICT.INPUT_INVALID');
    return rows.map((r) => Number(r.revenue) * 2);
  },
};
const explaining = {
  ...doubler,
  explain: (rows: readonly Instance[]): Explanation[] =>
    rows.map((r) => ({
      attributions: [
        {
          baselineOutputValue: 0,
          instanceOutputValue: Number(r.revenue) * 2,
          featureAttributions: { revenue: Number(r.revenue) * 2 },
          outputIndex: [-1],
          approximationError: 0,
        },
      ],
    })),
};

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function start(): Promise<{ base: string; container: ContainerServer; logged: PredictionRecord[] }> {
  const logged: PredictionRecord[] = [];
  let n = 0;
  const container = createContainerServer({
    routes: ROUTES,
    modelId: 'ipo-valuation',
    version: '1.2.0',
    endpointId: 'e1',
    deployedModelId: 'd1',
    log: { add: (rows) => void logged.push(...rows) },
    logger: silentLogger,
    clock: () => NOW,
    newRequestId: () => `gen-${(n += 1)}`,
  });
  server = createServer((req, res) => container.handle(req, res));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, container, logged };
}

async function call(base: string, path: string, body?: unknown, init: RequestInit = {}) {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    ...init,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}
const errorOf = (r: { body: Record<string, unknown> }) =>
  r.body.error as { code: number; status: string; message: string; details: { path: string; message: string }[] };

describe('serving container server', () => {
  it('reports LOADING, READY, STOPPING and FAILED on the health route, and serves only once a model is loaded', async () => {
    const { base, container } = await start();
    expect(await call(base, ROUTES.health)).toMatchObject({
      status: 503,
      body: { status: 'LOADING', version: '1.2.0' },
    });
    const early = await call(base, ROUTES.predict, { instances: [{ revenue: 1 }] });
    expect(early.status).toBe(503);
    expect(errorOf(early)).toMatchObject({
      status: 'UNAVAILABLE',
      message: 'the model is still loading; retry shortly',
    });
    container.ready(doubler);
    expect(await call(base, ROUTES.health)).toEqual(
      expect.objectContaining({
        status: 200,
        body: { status: 'READY', modelId: 'ipo-valuation', version: '1.2.0', deployedModelId: 'd1', family: 'stub' },
      }),
    );
    container.stopping();
    container.ready(doubler);
    expect(await call(base, ROUTES.health)).toMatchObject({ status: 503, body: { status: 'STOPPING' } });
    // Requests already routed to a stopping replica are still answered.
    expect((await call(base, ROUTES.predict, { instances: [{ revenue: 1 }] })).status).toBe(200);
    container.failed(new Error('no artifact at gs://b/x/model/model.json'));
    expect(await call(base, ROUTES.health)).toMatchObject({
      status: 503,
      body: { status: 'FAILED', error: 'no artifact at gs://b/x/model/model.json' },
    });
  });

  it('predicts in Vertex AI shape and queues one row per instance with version, endpoint, features and request ids', async () => {
    const { base, container, logged } = await start();
    container.ready(doubler);
    const res = await call(
      base,
      ROUTES.predict,
      { instances: [{ revenue: 2, market_condition: 'bull' }, { revenue: 5 }] },
      { headers: { 'content-type': 'application/json', 'x-request-id': 'abc' } },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      predictions: [4, 10],
      deployedModelId: 'd1',
      metadata: { requestId: 'abc', requestIds: ['abc:0', 'abc:1'], modelVersion: '1.2.0' },
    });
    expect(res.headers.get('x-request-id')).toBe('abc');
    expect(logged.map(({ latencyMs, ...r }) => (expect(latencyMs).toBeGreaterThanOrEqual(0), r))).toEqual([
      {
        requestId: 'abc:0',
        modelId: 'ipo-valuation',
        version: '1.2.0',
        endpointId: 'e1',
        features: { revenue: 2, market_condition: 'bull' },
        prediction: 4,
        predictedAt: NOW.toISOString(),
        marketCondition: 'bull',
      },
      {
        requestId: 'abc:1',
        modelId: 'ipo-valuation',
        version: '1.2.0',
        endpointId: 'e1',
        features: { revenue: 5 },
        prediction: 10,
        predictedAt: NOW.toISOString(),
      },
    ]);
    const generated = await call(base, ROUTES.predict, {
      instances: [{ revenue: 1 }],
      parameters: { requestId: 'mine' },
    });
    expect(generated.body.metadata).toEqual({ requestId: 'mine', requestIds: ['mine'], modelVersion: '1.2.0' });
    const plain = await call(base, ROUTES.predict, { instances: [{ revenue: 1 }] });
    expect((plain.body.metadata as { requestId: string }).requestId).toBe('gen-1');
  });

  it.each([
    [
      "a missing required field (the model's validation)",
      { instances: [{ revenue: 1 }, { sector: 'x' }] },
      'instances[1].revenue',
      /instances\[1\]\.revenue: is required/,
    ],
    ['an empty body', {}, 'instances', /instances: must be an array of objects/],
    [
      'instances that are not objects',
      { instances: [3] },
      'instances[0]',
      /must be an object of feature values, got number/,
    ],
    [
      'parameters that are not an object',
      { instances: [{ revenue: 1 }], parameters: [1] },
      'parameters',
      /must be an object when given/,
    ],
    ['invalid JSON', '{"instances":', '', /not valid JSON/],
  ])('answers 400 naming the field for %s, logging nothing', async (_name, body, path, message) => {
    const { base, container, logged } = await start();
    container.ready(doubler);
    const res = await call(base, ROUTES.predict, body);
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({
      code: 400,
      status: 'INVALID_ARGUMENT',
      message: expect.stringMatching(message),
    });
    expect(errorOf(res).details[0].path).toBe(path);
    expect(logged).toEqual([]);
  });

  it('answers 500 naming the instance when the model produces a non-finite valuation, logging nothing', async () => {
    const { base, container, logged } = await start();
    container.ready({ predict: (rows) => rows.map((_, i) => (i === 1 ? Number.NaN : 1)) });
    const res = await call(base, ROUTES.predict, { instances: [{}, {}] });
    expect(res.status).toBe(500);
    expect(errorOf(res).message).toMatch(/non-finite prediction \(NaN\) for instances\[1\]/);
    expect(logged).toEqual([]);
  });

  it('explains at the :explain sibling route in Vertex AI shape when the model explains, without logging', async () => {
    const { base, container, logged } = await start();
    container.ready(explaining);
    const res = await call(base, ROUTES.explain, { instances: [{ revenue: 1 }, { revenue: 3 }] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      deployedModelId: 'd1',
      predictions: [2, 6],
      explanations: [2, 6].map((v) => ({
        attributions: [
          {
            baselineOutputValue: 0,
            instanceOutputValue: v,
            featureAttributions: { revenue: v },
            outputIndex: [-1],
            approximationError: 0,
          },
        ],
      })),
    });
    expect(logged).toEqual([]);
    const invalid = await call(base, ROUTES.explain, { instances: [{}] });
    expect(errorOf(invalid).details).toEqual([{ path: 'instances[0].revenue', message: 'is required' }]);
  });

  it('answers 501 naming the model and family when the model has no explanations', async () => {
    const { base, container } = await start();
    container.ready(doubler);
    const res = await call(base, ROUTES.explain, { instances: [{ revenue: 1 }] });
    expect(res.status).toBe(501);
    expect(errorOf(res)).toMatchObject({
      status: 'UNIMPLEMENTED',
      message: 'model ipo-valuation@1.2.0 (stub) does not provide explanations (feature attributions); use :predict',
    });
  });

  it('answers 404 naming its routes, 405 with Allow for the wrong method, and 413 past 1.5 MB', async () => {
    const { base, container } = await start();
    container.ready(doubler);
    const missing = await call(base, '/predict', { instances: [{}] });
    expect(missing.status).toBe(404);
    expect(errorOf(missing).message).toContain(`predict at POST ${ROUTES.predict}`);
    const get = await call(base, ROUTES.predict);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await call(base, ROUTES.health, {})).status).toBe(405);
    const big = await call(base, ROUTES.predict, { instances: [{ revenue: 1, blob: 'x'.repeat(1_600_000) }] });
    expect(big.status).toBe(413);
    expect(errorOf(big).status).toBe('RESOURCE_EXHAUSTED');
  });
});
