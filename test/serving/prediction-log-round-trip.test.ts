/**
 * The rows the serving container streams (BigQueryPredictionLog.record, the batcher's sink) and the
 * actuals ingestion writes (recordActuals) are read back by the monitor's queries (recent, labelled,
 * armSummaries, requestRate): real BigQuery client, fake BigQuery with real storage and SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQueryPredictionLog } from '../../shared/adapters/gcp/bigquery.prediction-log.js';
import { ValidationError } from '../../shared/domain/errors.js';
import type { PredictionRecord } from '../../shared/ports/prediction-log.js';
import { recordActuals } from '../../shared/serving/actuals-ingestion.js';
import { staticAuthClient } from '../support/fake-gcp-server.js';
import { startFakeBigQuery, type FakeBigQuery } from '../support/fake-bigquery.js';

let bq: FakeBigQuery;
beforeAll(async () => {
  bq = await startFakeBigQuery();
});
afterAll(() => bq.close());

const log = () =>
  new BigQueryPredictionLog({
    projectId: 'p',
    dataset: 'ds',
    apiEndpoint: bq.url,
    authClient: staticAuthClient(),
    maxRetries: 0,
  });

const prediction = (i: number, version: string, prediction: number, minute: number): PredictionRecord => ({
  requestId: `r${i}`,
  modelId: 'ipo',
  version,
  endpointId: 'ep',
  features: { sector: 'Technology', revenue: i, nested: { a: [1, 2] } },
  prediction,
  predictedAt: new Date(Date.UTC(2024, 2, 1, 0, minute)).toISOString(),
  latencyMs: 2.5,
  ...(i % 2 === 0 ? { marketCondition: 'bull' } : {}),
});

describe('prediction log round trip (real client, fake BigQuery)', () => {
  const rows = [
    prediction(1, '1.0.0', 100, 0),
    prediction(2, '1.0.0', 200, 5),
    prediction(3, '1.1.0', 300, 20),
    prediction(4, '1.1.0', 400, 21),
  ];

  it('reads back exactly what was streamed, once per request id, newest first', async () => {
    await log().record(rows);
    // A retried batch and a request id logged again carry the same insertIds: BigQuery keeps one row each.
    await log().record(rows.slice(0, 2));
    await log().record([{ ...rows[0], prediction: 999, predictedAt: '2024-03-01T01:00:00.000Z' }]);
    expect(
      bq
        .rows('prediction_log')
        .map((r) => [r.request_id, r.model_version, r.prediction, r.predicted_at, r.features, r.market_condition]),
    ).toEqual([
      [
        'r1',
        '1.0.0',
        100,
        '2024-03-01T00:00:00.000Z',
        '{"sector":"Technology","revenue":1,"nested":{"a":[1,2]}}',
        null,
      ],
      [
        'r2',
        '1.0.0',
        200,
        '2024-03-01T00:05:00.000Z',
        '{"sector":"Technology","revenue":2,"nested":{"a":[1,2]}}',
        'bull',
      ],
      [
        'r3',
        '1.1.0',
        300,
        '2024-03-01T00:20:00.000Z',
        '{"sector":"Technology","revenue":3,"nested":{"a":[1,2]}}',
        null,
      ],
      [
        'r4',
        '1.1.0',
        400,
        '2024-03-01T00:21:00.000Z',
        '{"sector":"Technology","revenue":4,"nested":{"a":[1,2]}}',
        'bull',
      ],
    ]);
    expect(await log().recent('ipo', {})).toEqual([...rows].reverse());
    expect(await log().recent('ipo', { version: '1.1.0', since: '2024-03-01T00:21:00Z' })).toEqual([rows[3]]);
    expect(await log().recent('other', {})).toEqual([]);
  });

  it('joins actuals ingested for known request ids; unknown ids are reported and not written', async () => {
    const result = await recordActuals(
      {
        actuals: [
          { requestId: 'r1', actualValue: 110, observedAt: '2024-06-01T00:00:00Z' },
          { requestId: 'r2', actualValue: 150 },
          { requestId: 'r3', actualValue: 330 },
          { requestId: 'r4', actualValue: 380 },
          { requestId: 'ghost', actualValue: 1 },
        ],
      },
      { log: log(), modelId: 'ipo', clock: () => new Date('2024-07-01T00:00:00Z') },
    );
    expect(result).toEqual({ received: 5, matched: 4, unknownRequestIds: ['ghost'] });
    expect(bq.rows('actuals').map((r) => r.request_id)).toEqual(['r1', 'r2', 'r3', 'r4']);
    // A corrected actual for r1 wins over the first one.
    await recordActuals(
      { actuals: [{ requestId: 'r1', actualValue: 120, observedAt: '2024-06-02T00:00:00Z' }] },
      { log: log(), modelId: 'ipo' },
    );
    const labelled = await log().labelled('ipo', {});
    expect(labelled.map((r) => [r.requestId, r.version, r.prediction, r.actualValue, r.observedAt])).toEqual([
      ['r4', '1.1.0', 400, 380, '2024-07-01T00:00:00.000Z'],
      ['r3', '1.1.0', 300, 330, '2024-07-01T00:00:00.000Z'],
      ['r2', '1.0.0', 200, 150, '2024-07-01T00:00:00.000Z'],
      ['r1', '1.0.0', 100, 120, '2024-06-02T00:00:00.000Z'],
    ]);
  });

  it('summarises the arms and buckets the request rate from the same rows', async () => {
    const arms = await log().armSummaries('ipo', {});
    expect(arms.map((a) => a.version)).toEqual(['1.0.0', '1.1.0']);
    // 1.0.0: errors -20, 50 -> MAE 35, RMSE sqrt((400 + 2500) / 2), MAPE mean(20/120, 50/150) * 100.
    expect(arms[0].count).toBe(2);
    expect(arms[0].mae).toBeCloseTo(35, 9);
    expect(arms[0].rmse).toBeCloseTo(Math.sqrt(1450), 9);
    expect(arms[0].mape).toBeCloseTo(((20 / 120 + 50 / 150) / 2) * 100, 9);
    expect(arms[1]).toMatchObject({ count: 2, mae: 25, correlation: 1 });
    expect(await log().requestRate('ep', '2024-03-01T00:00:00Z', 15)).toEqual([
      { at: '2024-03-01T00:00:00.000Z', count: 2 },
      { at: '2024-03-01T00:15:00.000Z', count: 2 },
    ]);
  });

  it('rejects a row BigQuery would reject, naming it, and writes nothing from that request', async () => {
    const before = bq.rows('prediction_log').length;
    const err = await log()
      .record([prediction(5, '1.0.0', 1, 0), { ...prediction(6, '1.0.0', 1, 0), predictedAt: 'yesterday' }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues).toEqual([
      { path: 'r5', message: 'stopped: ' },
      { path: 'r6', message: 'invalid: Couldn\'t convert value to timestamp: "yesterday"' },
    ]);
    expect(bq.rows('prediction_log')).toHaveLength(before);
  });
});
