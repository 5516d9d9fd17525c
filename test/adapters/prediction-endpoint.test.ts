import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalModelServing, type Predictor } from '../../shared/adapters/local/local.model-serving.js';
import {
  createPredictionHandler,
  type PredictionHandlerOptions,
} from '../../shared/adapters/local/prediction-endpoint.js';
import { SqlitePredictionLog } from '../../shared/adapters/local/sqlite.prediction-log.js';
import { ValidationError } from '../../shared/domain/errors.js';
import { staticAuthClient } from '../support/fake-gcp-server.js';

const PREDICT = '/v1/projects/demo/locations/local/endpoints/ep:predict';
const EXPLAIN = '/v1/projects/demo/locations/local/endpoints/ep:explain';
const NOW = new Date('2024-05-01T12:00:00.000Z');

/**
 * Version 1 predicts revenue * 10, version 2 revenue * 20 (artifact URI `mem://<factor>`); like the real
 * model, a row without revenue is a PREDICT.INPUT_INVALID naming the field. Only version 2 explains
 * (all of the prediction is attributed to revenue).
 */
const loadPredictor = async (uri: string): Promise<Predictor> => {
  const factor = Number(uri.slice('mem://'.length));
  const predict = async (rows: Record<string, unknown>[]): Promise<number[]> => {
    const missing = rows.flatMap((r, i) =>
      r.revenue === undefined ? [{ path: `instances[${i}].revenue`, message: 'is required' }] : [],
    );
    if (missing.length > 0) throw new ValidationError('prediction rows', missing, 'PREDICT.INPUT_INVALID');
    return rows.map((r) => Number(r.revenue) * factor);
  };
  const explain = async (rows: Record<string, unknown>[]) =>
    (await predict(rows)).map((p) => ({
      attributions: [
        {
          baselineOutputValue: 0,
          instanceOutputValue: p,
          featureAttributions: { revenue: p },
          outputIndex: [-1],
          approximationError: 0,
        },
      ],
    }));
  return factor === 20 ? { predict, explain } : { predict };
};

interface Stack {
  base: string;
  serving: LocalModelServing;
  log: SqlitePredictionLog;
  server: Server;
}
let stack: Stack | undefined;

afterEach(async () => {
  if (!stack) return;
  const { server, log } = stack;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  log.close();
  stack = undefined;
});

async function start(
  split: Record<string, number> | undefined,
  over: Partial<PredictionHandlerOptions> = {},
): Promise<Stack> {
  const serving = new LocalModelServing({ loadPredictor });
  if (split)
    await serving.apply({
      endpointId: 'ep',
      modelId: 'ipo',
      split,
      artifacts: { '1.0.0': 'mem://10', '1.1.0': 'mem://20' },
    });
  const log = new SqlitePredictionLog({ path: ':memory:' });
  let n = 0;
  const handler = createPredictionHandler({
    serving,
    log,
    endpointId: 'ep',
    modelId: 'ipo',
    projectId: 'demo',
    location: 'local',
    clock: () => NOW,
    newRequestId: () => `gen-${(n += 1)}`,
    ...over,
  });
  const server = createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) res.writeHead(418).end('not mine');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stack = { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, serving, log, server };
  return stack;
}

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${(stack as Stack).base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe('prediction endpoint', () => {
  it('answers in Vertex AI shape and logs every instance with version, features, market condition and latency', async () => {
    const { log } = await start({ '1.0.0': 100 });
    const res = await post(
      PREDICT,
      { instances: [{ revenue: 2, market_condition: 'bull' }, { revenue: 3 }] },
      { 'x-request-id': 'abc' },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      predictions: [20, 30],
      deployedModelId: '1.0.0',
      metadata: { requestId: 'abc', requestIds: ['abc:0', 'abc:1'], modelVersion: '1.0.0' },
    });
    expect(res.headers.get('x-request-id')).toBe('abc');
    const logged = await log.recent('ipo', {});
    expect(
      logged.map((r) => [r.requestId, r.version, r.prediction, r.marketCondition, r.predictedAt, r.endpointId]).sort(),
    ).toEqual([
      ['abc:0', '1.0.0', 20, 'bull', NOW.toISOString(), 'ep'],
      ['abc:1', '1.0.0', 30, undefined, NOW.toISOString(), 'ep'],
    ]);
    expect(logged.find((r) => r.requestId === 'abc:0')?.features).toEqual({ revenue: 2, market_condition: 'bull' });
    expect(logged.every((r) => r.latencyMs >= 0)).toBe(true);
  });

  it('splits traffic by the deployment within tolerance and logs the version that served', async () => {
    const { log } = await start({ '1.0.0': 80, '1.1.0': 20 });
    const n = 400;
    const served: Record<string, number> = {};
    for (let batch = 0; batch < n; batch += 50) {
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => post(PREDICT, { instances: [{ revenue: 1 }] })),
      );
      for (const r of responses) {
        const version = r.body.deployedModelId as string;
        served[version] = (served[version] ?? 0) + 1;
        expect(r.body.predictions).toEqual([version === '1.0.0' ? 10 : 20]);
      }
    }
    // Binomial sd at n = 400, p = 0.2 is 2 points; 8 points is 4 sd (pickVersion's own test is tighter).
    expect(Math.abs(served['1.1.0'] / n - 0.2)).toBeLessThan(0.08);
    const logged = await log.recent('ipo', {});
    expect(logged).toHaveLength(n);
    expect(logged.filter((r) => r.version === '1.1.0')).toHaveLength(served['1.1.0']);
  });

  it('joins actuals to logged predictions and reports unknown request ids', async () => {
    const { log } = await start({ '1.0.0': 100 });
    await post(PREDICT, { instances: [{ revenue: 5 }] }, { 'x-request-id': 'r1' });
    await post(PREDICT, { instances: [{ revenue: 7 }] });
    const res = await post('/v1/actuals', {
      actuals: [
        { requestId: 'r1', actualValue: 55, observedAt: '2024-08-01T00:00:00Z' },
        { requestId: 'gen-1', actualValue: 60 },
        { requestId: 'ghost', actualValue: 1 },
      ],
    });
    expect(res).toMatchObject({ status: 200, body: { matched: 2, unknownRequestIds: ['ghost'] } });
    const labelled = await log.labelled('ipo', {});
    expect(labelled.map((r) => [r.requestId, r.prediction, r.actualValue, r.observedAt]).sort()).toEqual([
      ['gen-1', 70, 60, NOW.toISOString()],
      ['r1', 50, 55, '2024-08-01T00:00:00Z'],
    ]);
  });

  it.each([
    ['a body without instances', { rows: [] }, 'instances', /must be an array/],
    ['empty instances', { instances: [] }, 'instances', /must not be empty/],
    ['too many instances', { instances: Array.from({ length: 1001 }, () => ({})) }, 'instances', /at most 1000/],
    [
      'a non-object instance',
      { instances: [{ revenue: 1 }, [1, 2], 'x'] },
      'instances[1]',
      /instances\[2\]: must be an object of feature values, got string/,
    ],
    [
      'a non-string market condition',
      { instances: [{ market_condition: 3 }] },
      'instances[0].market_condition',
      /must be a string/,
    ],
    ['invalid JSON', '{"instances": [', '', /not valid JSON/],
  ])('rejects %s with 400 naming the field, logging nothing', async (_name, body, path, message) => {
    const { log } = await start({ '1.0.0': 100 });
    const res = await post(PREDICT, body);
    expect(res.status).toBe(400);
    const error = res.body.error as { status: string; message: string; details: { path: string }[] };
    expect(error.status).toBe('INVALID_ARGUMENT');
    expect(error.details[0].path).toBe(path);
    expect(error.message).toMatch(message);
    expect(await log.recent('ipo', {})).toEqual([]);
  });

  it('rejects invalid actuals naming each entry and field', async () => {
    await start({ '1.0.0': 100 });
    const res = await post('/v1/actuals', {
      actuals: [{ requestId: '', actualValue: 'big' }, { requestId: 'x', actualValue: 1, observedAt: 'later' }, 7],
    });
    expect(res.status).toBe(400);
    expect((res.body.error as { details: { path: string }[] }).details.map((d) => d.path)).toEqual([
      'actuals[0].requestId',
      'actuals[0].actualValue',
      'actuals[1].observedAt',
      'actuals[2]',
    ]);
  });

  it('returns 404 for another endpoint, 503 with nothing deployed, 405 for GET, and leaves other routes alone', async () => {
    await start(undefined);
    const other = await post('/v1/projects/demo/locations/local/endpoints/other:predict', { instances: [{}] });
    expect(other.status).toBe(404);
    expect((other.body.error as { status: string }).status).toBe('NOT_FOUND');
    const none = await post(PREDICT, { instances: [{ revenue: 1 }] });
    expect(none.status).toBe(503);
    expect((none.body.error as { message: string }).message).toMatch(/no model version is deployed/);
    expect((await fetch(`${(stack as Stack).base}${PREDICT}`)).status).toBe(405);
    expect(
      (
        await fetch(`${(stack as Stack).base}/v1/projects/elsewhere/locations/local/endpoints/ep:predict`, {
          method: 'POST',
        })
      ).status,
    ).toBe(418);
    expect((await fetch(`${(stack as Stack).base}/status`)).status).toBe(418);
  });

  it('returns 500 and serves nothing when the prediction cannot be logged', async () => {
    const failing = new SqlitePredictionLog({ path: ':memory:' });
    failing.close();
    await start({ '1.0.0': 100 }, { log: failing });
    const res = await post(PREDICT, { instances: [{ revenue: 1 }] });
    expect(res.status).toBe(500);
    expect(res.body).not.toHaveProperty('predictions');
  });

  it('takes the request id from parameters.requestId before the header, and logs under it', async () => {
    const { log } = await start({ '1.0.0': 100 });
    const res = await post(
      PREDICT,
      { instances: [{ revenue: 1 }], parameters: { requestId: 'from-body' } },
      { 'x-request-id': 'from-header' },
    );
    expect(res.headers.get('x-request-id')).toBe('from-body');
    expect((res.body.metadata as { requestIds: string[] }).requestIds).toEqual(['from-body']);
    expect((await log.recent('ipo', {})).map((r) => r.requestId)).toEqual(['from-body']);
    const bad = await post(PREDICT, { instances: [{ revenue: 1 }], parameters: { requestId: 7 } });
    expect((bad.body.error as { details: { path: string }[] }).details.map((d) => d.path)).toEqual([
      'parameters.requestId',
    ]);
  });

  it("maps the model's input validation error to 400 naming the instance and field, logging nothing", async () => {
    const { log } = await start({ '1.0.0': 100 });
    const res = await post(PREDICT, { instances: [{ revenue: 1 }, {}] });
    expect(res.status).toBe(400);
    const error = res.body.error as { status: string; message: string; details: { path: string; message: string }[] };
    expect(error.status).toBe('INVALID_ARGUMENT');
    expect(error.details).toEqual([{ path: 'instances[1].revenue', message: 'is required' }]);
    expect(error.message).toMatch(/instances\[1\]\.revenue: is required/);
    expect(await log.recent('ipo', {})).toEqual([]);
  });

  it("rejects a body over Vertex AI's 1.5 MB request limit with 413", async () => {
    await start({ '1.0.0': 100 });
    const res = await post(PREDICT, { instances: [{ revenue: 1, padding: 'x'.repeat(1.6 * 1024 * 1024) }] });
    expect(res.status).toBe(413);
    expect(res.body.error as { status: string; message: string }).toMatchObject({
      status: 'RESOURCE_EXHAUSTED',
      message: expect.stringMatching(/1572864-byte limit/),
    });
  });

  it('explains in Vertex AI shape with the version the request id routes to, without logging', async () => {
    const { log } = await start({ '1.1.0': 100 });
    const res = await post(EXPLAIN, { instances: [{ revenue: 2 }, { revenue: 3 }] }, { 'x-request-id': 'e1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      deployedModelId: '1.1.0',
      predictions: [40, 60],
      explanations: [40, 60].map((p) => ({
        attributions: [
          {
            baselineOutputValue: 0,
            instanceOutputValue: p,
            featureAttributions: { revenue: p },
            outputIndex: [-1],
            approximationError: 0,
          },
        ],
      })),
    });
    expect(await log.recent('ipo', {})).toEqual([]);
    const invalid = await post(EXPLAIN, { instances: [{}] });
    expect(invalid.status).toBe(400);
    expect((invalid.body.error as { details: { path: string }[] }).details[0].path).toBe('instances[0].revenue');
  });

  it('answers 501 naming the version when its model has no explanations, and 501 when the endpoint has no explain at all', async () => {
    await start({ '1.0.0': 100 });
    const res = await post(EXPLAIN, { instances: [{ revenue: 2 }] });
    expect(res.status).toBe(501);
    expect(res.body.error).toMatchObject({
      status: 'UNIMPLEMENTED',
      message: expect.stringMatching(/version 1\.0\.0 does not provide explanations/),
    });
    await new Promise<void>((resolve) => (stack as Stack).server.close(() => resolve()));
    (stack as Stack).log.close();
    stack = undefined;
    const serving = new LocalModelServing({ loadPredictor });
    await serving.apply({
      endpointId: 'ep',
      modelId: 'ipo',
      split: { '1.1.0': 100 },
      artifacts: { '1.1.0': 'mem://20' },
    });
    await start(undefined, { serving: { predict: (e, i, r) => serving.predict(e, i, r) } });
    expect((await post(EXPLAIN, { instances: [{ revenue: 2 }] })).status).toBe(501);
  });

  it('is reachable by the real Vertex AI PredictionServiceClient', async () => {
    const { base } = await start({ '1.1.0': 100 });
    const { v1, helpers } = await import('@google-cloud/aiplatform');
    // The client's nested google-auth-library is another version of the same class, hence the cast.
    const authClient = staticAuthClient() as never;
    const client = new v1.PredictionServiceClient({
      apiEndpoint: '127.0.0.1',
      port: Number(new URL(base).port),
      protocol: 'http',
      fallback: true,
      authClient,
    });
    const [response] = await client.predict({
      endpoint: 'projects/demo/locations/local/endpoints/ep',
      instances: [helpers.toValue({ revenue: 4 }) as object],
    });
    expect(response.deployedModelId).toBe('1.1.0');
    expect(response.predictions?.map((v) => v.numberValue)).toEqual([80]);
    expect(helpers.fromValue(response.metadata as never)).toMatchObject({
      modelVersion: '1.1.0',
      requestIds: [expect.any(String)],
    });
    await client.close();
  });
});
