/**
 * The actuals ingestion entry point (`ingestActuals`) served by functions-framework's own HTTP stack,
 * writing to the embedded prediction log; the BigQuery round trip is in prediction-log-round-trip.test.ts.
 */
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BigQueryPredictionLog } from '../../shared/adapters/gcp/bigquery.prediction-log.js';
import { SqlitePredictionLog } from '../../shared/adapters/local/sqlite.prediction-log.js';
import { createGcpActualsDeps } from '../../shared/composition/gcp.js';
import { loadConfig } from '../../shared/config.js';
import { TransientError } from '../../shared/domain/errors.js';
import type { ActualRecord, PredictionLog } from '../../shared/ports/prediction-log.js';
import { ingestActuals, type ActualsDeps } from '../../shared/serving/actuals-ingestion.js';
import { staticAuthClient } from '../support/fake-gcp-server.js';
import { startFakeBigQuery } from '../support/fake-bigquery.js';

let log: SqlitePredictionLog;
let deps: () => Promise<ActualsDeps>;
functions.http(
  'ingestActuals',
  ingestActuals(() => deps()),
);
const server = () => getTestServer('ingestActuals');

beforeEach(async () => {
  log = new SqlitePredictionLog({ path: ':memory:' });
  await log.record(
    ['r1', 'r2'].map((requestId, i) => ({
      requestId,
      modelId: 'ipo-valuation',
      version: '1.2.0',
      endpointId: 'e',
      features: {},
      prediction: 100 * (i + 1),
      predictedAt: '2024-03-01T00:00:00.000Z',
      latencyMs: 1,
    })),
  );
  deps = async () => ({ log, modelId: 'ipo-valuation', clock: () => new Date('2024-07-01T00:00:00.000Z') });
});
afterEach(() => log.close());

describe('ingestActuals (functions-framework HTTP entry point)', () => {
  it('records actuals joined to logged predictions and reports unknown request ids', async () => {
    const res = await request(server())
      .post('/')
      .send({
        actuals: [
          { requestId: 'r1', actualValue: 110, observedAt: '2024-06-01T00:00:00Z' },
          { requestId: 'r2', actualValue: 190 },
          { requestId: 'ghost', actualValue: 5 },
        ],
      });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: 3, matched: 2, unknownRequestIds: ['ghost'] });
    expect(
      (await log.labelled('ipo-valuation', {})).map((r) => [r.requestId, r.actualValue, r.observedAt]).sort(),
    ).toEqual([
      ['r1', 110, '2024-06-01T00:00:00Z'],
      ['r2', 190, '2024-07-01T00:00:00.000Z'],
    ]);
  });

  it('is idempotent on requestId: duplicates in a body collapse to the last, and a retried body changes nothing', async () => {
    const body = {
      actuals: [
        { requestId: 'r1', actualValue: 1, observedAt: '2024-06-01T00:00:00Z' },
        { requestId: 'r1', actualValue: 120, observedAt: '2024-06-01T00:00:00Z' },
      ],
    };
    expect((await request(server()).post('/').send(body)).body).toEqual({
      received: 1,
      matched: 1,
      unknownRequestIds: [],
    });
    await request(server()).post('/').send(body);
    expect((await log.labelled('ipo-valuation', {})).map((r) => [r.requestId, r.actualValue])).toEqual([['r1', 120]]);
  });

  it('accepts a JSON body sent as text/plain', async () => {
    const res = await request(server())
      .post('/')
      .set('content-type', 'text/plain')
      .send(JSON.stringify({ actuals: [{ requestId: 'r2', actualValue: 7 }] }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ matched: 1 });
  });

  it.each([
    ['an empty body', {}, ['actuals']],
    [
      'bad entries',
      { actuals: [{ requestId: '', actualValue: 'big' }, { requestId: 'r1', actualValue: 1, observedAt: 'soon' }, 4] },
      ['actuals[0].requestId', 'actuals[0].actualValue', 'actuals[1].observedAt', 'actuals[2]'],
    ],
    [
      'too many actuals',
      { actuals: Array.from({ length: 10_001 }, (_, i) => ({ requestId: `r${i}`, actualValue: 1 })) },
      ['actuals'],
    ],
  ])('answers 400 naming every bad field for %s, writing nothing', async (_name, body, paths) => {
    const res = await request(server()).post('/').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect((res.body.error as { details: { path: string }[] }).details.map((d) => d.path)).toEqual(paths);
    expect(await log.labelled('ipo-valuation', {})).toEqual([]);
  });

  it('answers 405 to other methods and 503 (send again) when the log is unavailable', async () => {
    expect((await request(server()).get('/')).status).toBe(405);
    const down: Pick<PredictionLog, 'recordActuals'> = {
      recordActuals: async (_rows: ActualRecord[]) => {
        throw new TransientError('PREDICTION_LOG.UNAVAILABLE', 'BigQuery query failed: 503');
      },
    };
    deps = async () => ({ log: down, modelId: 'ipo-valuation' });
    const res = await request(server())
      .post('/')
      .send({ actuals: [{ requestId: 'r1', actualValue: 1 }] });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toBe('actuals not recorded, send again: BigQuery query failed: 503');
    deps = async () => Promise.reject(new Error('GCP_PROJECT is required'));
    expect(
      (
        await request(server())
          .post('/')
          .send({ actuals: [{ requestId: 'r1', actualValue: 1 }] })
      ).body.error.message,
    ).toMatch(/not ready: GCP_PROJECT is required/);
  });
});

describe('ingestActuals on Google Cloud wiring (createGcpActualsDeps, real BigQuery client, fake BigQuery)', () => {
  it('writes actuals the monitor joins, with only GCP_PROJECT and BIGQUERY_DATASET configured', async () => {
    const bq = await startFakeBigQuery();
    try {
      const client = { apiEndpoint: bq.url, authClient: staticAuthClient() };
      const bigquery = new BigQueryPredictionLog({ projectId: 'p', dataset: 'ds', maxRetries: 0, ...client });
      await bigquery.record([
        {
          requestId: 'q1',
          modelId: 'ipo-valuation',
          version: '2.0.0',
          endpointId: 'e',
          features: {},
          prediction: 10,
          predictedAt: '2024-03-01T00:00:00.000Z',
          latencyMs: 1,
        },
      ]);
      const config = { ...loadConfig({}), bigqueryApiEndpoint: bq.url, bigqueryDataset: 'ds' };
      deps = () => createGcpActualsDeps({ ...config, gcpProject: 'p' });
      const res = await request(server())
        .post('/')
        .send({ actuals: [{ requestId: 'q1', actualValue: 12, observedAt: '2024-09-01T00:00:00Z' }] });
      expect(res.body).toEqual({ received: 1, matched: 1, unknownRequestIds: [] });
      expect(
        (await bigquery.labelled('ipo-valuation', {})).map((r) => [r.requestId, r.version, r.actualValue]),
      ).toEqual([['q1', '2.0.0', 12]]);
      deps = () => createGcpActualsDeps({ ...config, gcpProject: '' });
      const unconfigured = await request(server())
        .post('/')
        .send({ actuals: [{ requestId: 'q1', actualValue: 12 }] });
      expect(unconfigured.status).toBe(503);
      expect(unconfigured.body.error.message).toMatch(/GCP_PROJECT: is required on the gcp backend/);
    } finally {
      await bq.close();
    }
  });
});
