import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BigQueryPredictionLog } from '../../shared/adapters/gcp/bigquery.prediction-log.js';
import { PREDICTION_LOG_FIELDS } from '../../shared/domain/bigquery-schemas.js';
import { ValidationError } from '../../shared/domain/errors.js';
import type { PredictionRecord } from '../../shared/ports/prediction-log.js';
import {
  googleError,
  startFakeGcpServer,
  staticAuthClient,
  type CannedResponse,
  type FakeGcpServer,
  type RecordedRequest,
} from '../support/fake-gcp-server.js';

const QUERIES = '/bigquery/v2/projects/p/queries';
const INSERT = /^\/bigquery\/v2\/projects\/p\/datasets\/ds\/tables\/(prediction_log|actuals)\/insertAll$/;

let server: FakeGcpServer;
beforeAll(async () => {
  server = await startFakeGcpServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.on('POST', INSERT, { body: { kind: 'bigquery#tableDataInsertAllResponse' } });
});

function log(): BigQueryPredictionLog {
  return new BigQueryPredictionLog({
    projectId: 'p',
    dataset: 'ds',
    apiEndpoint: server.url,
    authClient: staticAuthClient(),
    maxRetries: 0,
  });
}

/** A completed `jobs.query` response in BigQuery's f/v row format. */
function bqResult(fields: [string, string][], rows: (string | null)[][]): CannedResponse {
  return {
    body: {
      kind: 'bigquery#queryResponse',
      jobComplete: true,
      jobReference: { projectId: 'p', jobId: 'job-1', location: 'US' },
      schema: { fields: fields.map(([name, type]) => ({ name, type, mode: 'NULLABLE' })) },
      rows: rows.map((r) => ({ f: r.map((v) => ({ v })) })),
      totalRows: String(rows.length),
    },
  };
}

interface QueryBody {
  query: string;
  useLegacySql: boolean;
  queryParameters: {
    name: string;
    parameterType: { type: string; arrayType?: { type: string } };
    parameterValue: { value?: string; arrayValues?: { value: string }[] };
  }[];
}
const sent = (req: RecordedRequest): QueryBody => req.body as QueryBody;
const params = (req: RecordedRequest): Record<string, unknown> =>
  Object.fromEntries(
    sent(req).queryParameters.map((q) => [
      q.name,
      q.parameterValue.arrayValues ? q.parameterValue.arrayValues.map((v) => v.value) : q.parameterValue.value,
    ]),
  );

const record: PredictionRecord = {
  requestId: 'r1',
  modelId: 'ipo',
  version: '1.0.0',
  endpointId: 'ep',
  features: { sector: 'tech', revenue: 3 },
  prediction: 120.5,
  predictedAt: '2024-03-01T00:00:00.000Z',
  latencyMs: 4,
  marketCondition: 'bull',
};

describe('BigQueryPredictionLog (real client, fake server)', () => {
  it("streams predictions with insertId = request id and the schema module's column names", async () => {
    await log().record([record, { ...record, requestId: 'r2', marketCondition: undefined }]);
    const [insert] = server.calls('POST', INSERT);
    expect(insert.path).toBe('/bigquery/v2/projects/p/datasets/ds/tables/prediction_log/insertAll');
    const rows = (insert.body as { rows: { insertId: string; json: Record<string, unknown> }[] }).rows;
    expect(rows.map((r) => r.insertId)).toEqual(['r1', 'r2']);
    expect(Object.keys(rows[0].json).sort()).toEqual(PREDICTION_LOG_FIELDS.map((f) => f.name).sort());
    expect(rows[0].json).toMatchObject({
      model_version: '1.0.0',
      features: '{"sector":"tech","revenue":3}',
      market_condition: 'bull',
      predicted_at: record.predictedAt,
    });
    expect(rows[1].json.market_condition).toBeNull();
  });

  it('joins actuals: looks up known request ids with an array parameter and inserts only those', async () => {
    server.on('POST', QUERIES, bqResult([['request_id', 'STRING']], [['r1']]));
    const result = await log().recordActuals([
      { requestId: 'r1', modelId: 'ipo', actualValue: 130, observedAt: '2024-06-01T00:00:00Z' },
      { requestId: 'ghost', modelId: 'ipo', actualValue: 1, observedAt: '2024-06-01T00:00:00Z' },
    ]);
    expect(result).toEqual({ matched: 1, unknownRequestIds: ['ghost'] });
    const [lookup] = server.calls('POST', QUERIES);
    expect(sent(lookup).query).toMatch(
      /FROM `p\.ds\.prediction_log`\s+WHERE model_id = @modelId AND request_id IN UNNEST\(@ids\)/,
    );
    expect(params(lookup)).toEqual({ modelId: 'ipo', ids: ['r1', 'ghost'] });
    const [insert] = server.calls('POST', INSERT);
    expect(insert.path).toMatch(/tables\/actuals\/insertAll$/);
    expect((insert.body as { rows: unknown[] }).rows).toEqual([
      {
        insertId: 'r1@2024-06-01T00:00:00Z',
        json: { request_id: 'r1', model_id: 'ipo', actual_value: 130, observed_at: '2024-06-01T00:00:00Z' },
      },
    ]);
  });

  it('queries recent predictions with window parameters and parses the rows', async () => {
    server.on(
      'POST',
      QUERIES,
      bqResult(
        [
          ['request_id', 'STRING'],
          ['model_id', 'STRING'],
          ['model_version', 'STRING'],
          ['endpoint_id', 'STRING'],
          ['features', 'STRING'],
          ['prediction', 'FLOAT'],
          ['predicted_at', 'STRING'],
          ['latency_ms', 'FLOAT'],
          ['market_condition', 'STRING'],
        ],
        [
          [
            'r1',
            'ipo',
            '1.0.0',
            'ep',
            '{"sector":"tech","revenue":3}',
            '120.5',
            '2024-03-01T00:00:00.000Z',
            '4',
            'bull',
          ],
        ],
      ),
    );
    const rows = await log().recent('ipo', { since: '2024-02-01T00:00:00Z', version: '1.0.0', limit: 10 });
    expect(rows).toEqual([record]);
    const [req] = server.calls('POST', QUERIES);
    expect(sent(req).useLegacySql).toBe(false);
    expect(sent(req).query).toMatch(
      /model_id = @modelId AND predicted_at >= TIMESTAMP\(@since\) AND model_version = @version/,
    );
    expect(sent(req).query).toMatch(
      /QUALIFY ROW_NUMBER\(\) OVER \(PARTITION BY request_id ORDER BY predicted_at\) = 1/,
    );
    expect(sent(req).query).toMatch(/ORDER BY predicted_at DESC, request_id LIMIT 10$/);
    expect(params(req)).toEqual({ modelId: 'ipo', since: '2024-02-01T00:00:00.000Z', version: '1.0.0' });
  });

  it('computes arm summaries in SQL (COUNT, MAE, RMSE, MAPE, CORR) and maps NULL/NaN correlation to null', async () => {
    server.on(
      'POST',
      QUERIES,
      bqResult(
        [
          ['version', 'STRING'],
          ['n', 'INTEGER'],
          ['mae', 'FLOAT'],
          ['rmse', 'FLOAT'],
          ['mape', 'FLOAT'],
          ['correlation', 'FLOAT'],
        ],
        [
          ['1.0.0', '40', '5.5', '7.25', '4.4', '0.93'],
          ['1.1.0', '1', '3', '3', null, 'NaN'],
        ],
      ),
    );
    const summaries = await log().armSummaries('ipo', { since: '2024-02-01T00:00:00Z', until: '2024-04-01T00:00:00Z' });
    expect(summaries).toEqual([
      { version: '1.0.0', count: 40, mae: 5.5, rmse: 7.25, mape: 4.4, correlation: 0.93 },
      { version: '1.1.0', count: 1, mae: 3, rmse: 3, mape: 0, correlation: null },
    ]);
    const sql = sent(server.calls('POST', QUERIES)[0]).query;
    for (const fragment of [
      'COUNT(*) AS n',
      'AVG(ABS(err)) AS mae',
      'SQRT(AVG(err * err)) AS rmse',
      'AVG(SAFE_DIVIDE(ABS(err), ABS(actual_value))) * 100 AS mape',
      'CORR(prediction, actual_value) AS correlation',
      'FROM `p.ds.actuals`',
      'ORDER BY observed_at DESC) = 1',
      'GROUP BY version',
    ]) {
      expect(sql).toContain(fragment);
    }
    expect(params(server.calls('POST', QUERIES)[0])).toEqual({
      modelId: 'ipo',
      since: '2024-02-01T00:00:00.000Z',
      until: '2024-04-01T00:00:00.000Z',
    });
  });

  it('buckets the request rate in SQL', async () => {
    server.on(
      'POST',
      QUERIES,
      bqResult(
        [
          ['bucket_at', 'STRING'],
          ['n', 'INTEGER'],
        ],
        [
          ['2024-03-01T00:00:00.000Z', '12'],
          ['2024-03-01T00:15:00.000Z', '3'],
        ],
      ),
    );
    const rate = await log().requestRate('ep', '2024-03-01T00:00:00Z', 15);
    expect(rate).toEqual([
      { at: '2024-03-01T00:00:00.000Z', count: 12 },
      { at: '2024-03-01T00:15:00.000Z', count: 3 },
    ]);
    const req = server.calls('POST', QUERIES)[0];
    expect(sent(req).query).toContain('DIV(UNIX_SECONDS(predicted_at), @bucketSeconds) * @bucketSeconds');
    expect(params(req)).toEqual({ endpointId: 'ep', since: '2024-03-01T00:00:00.000Z', bucketSeconds: 900 });
  });

  it('maps row-level insert errors to a validation error and 5xx to a transient one', async () => {
    server.on('POST', INSERT, {
      body: { insertErrors: [{ index: 0, errors: [{ reason: 'invalid', message: 'no such field: extra' }] }] },
    });
    const err = await log()
      .record([record])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues).toEqual([{ path: 'r1', message: 'invalid: no such field: extra' }]);
    server.on('POST', QUERIES, googleError(503, 'UNAVAILABLE', 'backend error'));
    await expect(log().recent('ipo', {})).rejects.toMatchObject({
      code: 'PREDICTION_LOG.UNAVAILABLE',
      retryable: true,
    });
    await expect(log().recent('ipo', { since: 'yesterday' })).rejects.toThrow(/since: not an ISO time/);
  });
});
