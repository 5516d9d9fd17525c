/**
 * BigQuery adapter of the prediction log: streaming inserts into `prediction_log` and `actuals`
 * (columns from shared/domain/bigquery-schemas.ts) and parameterised standard-SQL queries.
 * Streaming dedupe by insertId is best effort, so every query also keeps one row per request id
 * (the first logged prediction, the latest actual: a corrected actual replaces the earlier one).
 * Times and JSON come back formatted as strings by the SQL, so parsing does not depend on the
 * client's TIMESTAMP/JSON decoding options.
 */
import type { BigQuery } from '@google-cloud/bigquery';
import { PermanentError, TransientError, ValidationError, errorMessage } from '../../domain/errors.js';
import type { ActualRow, PredictionRow } from '../../domain/bigquery-schemas.js';
import type {
  ActualRecord,
  ArmSummary,
  LabelledPrediction,
  PredictionLog,
  PredictionRecord,
  Window,
} from '../../ports/prediction-log.js';
import { lazy, type Lazy } from './lazy.js';

/** Options of {@link BigQueryPredictionLog}. */
export interface BigQueryPredictionLogOptions {
  projectId: string;
  dataset: string;
  /** Dataset location for query jobs (e.g. `EU`); default the client's. */
  location?: string;
  /** REST root override, e.g. `http://127.0.0.1:PORT` (tests). */
  apiEndpoint?: string;
  /** An auth client (e.g. a static-token OAuth2Client); default Application Default Credentials. */
  authClient?: object;
  /** Retries of failed requests by the client (429, 5xx); default the client's (3). */
  maxRetries?: number;
}

const INSERT_CHUNK = 500;
const IDENTIFIER = /^[A-Za-z0-9_-]+$/;
const ISO = "'%Y-%m-%dT%H:%M:%E3SZ'";
const PREDICTION_SELECT = `request_id, model_id, model_version, endpoint_id, TO_JSON_STRING(features) AS features, prediction,
  FORMAT_TIMESTAMP(${ISO}, predicted_at) AS predicted_at, latency_ms, market_condition`;

type Params = Record<string, string | number | string[]>;
type PredictionResult = Omit<PredictionRow, 'features'> & { features: string };

/** Prediction log on BigQuery. */
export class BigQueryPredictionLog implements PredictionLog {
  private readonly client: Lazy<BigQuery>;
  private readonly predictions: string;
  private readonly actuals: string;

  constructor(private readonly options: BigQueryPredictionLogOptions) {
    if (!IDENTIFIER.test(options.projectId) || !IDENTIFIER.test(options.dataset)) {
      throw new PermanentError(
        'CONFIG.INVALID',
        `BigQuery project and dataset must be plain identifiers, got ${options.projectId}.${options.dataset}`,
      );
    }
    this.predictions = `\`${options.projectId}.${options.dataset}.prediction_log\``;
    this.actuals = `\`${options.projectId}.${options.dataset}.actuals\``;
    this.client = lazy(async () => {
      const { BigQuery } = await import('@google-cloud/bigquery');
      return new BigQuery({
        projectId: options.projectId,
        apiEndpoint: options.apiEndpoint,
        authClient: options.authClient as never,
        // The client ignores `maxRetries: 0` (falsy), so no retries is spelled `autoRetry: false`.
        ...(options.maxRetries === undefined
          ? {}
          : { retryOptions: options.maxRetries > 0 ? { maxRetries: options.maxRetries } : { autoRetry: false } }),
      });
    });
  }

  /** Stream predictions in chunks of 500; insertId = request id lets BigQuery drop retried duplicates. */
  async record(rows: PredictionRecord[]): Promise<void> {
    await this.insert(
      'prediction_log',
      rows.map((r) => {
        const row: PredictionRow = {
          request_id: r.requestId,
          model_id: r.modelId,
          model_version: r.version,
          endpoint_id: r.endpointId,
          features: JSON.stringify(r.features),
          prediction: r.prediction,
          predicted_at: r.predictedAt,
          latency_ms: r.latencyMs,
          market_condition: r.marketCondition ?? null,
        };
        return { insertId: r.requestId, json: row };
      }),
    );
  }

  /** Look up which request ids were logged for each model, then stream the matching actuals. */
  async recordActuals(rows: ActualRecord[]): Promise<{ matched: number; unknownRequestIds: string[] }> {
    const known = new Set<string>();
    for (const modelId of new Set(rows.map((r) => r.modelId))) {
      const ids = [...new Set(rows.filter((r) => r.modelId === modelId).map((r) => r.requestId))];
      const found = await this.query<{ request_id: string }>(
        `SELECT DISTINCT request_id FROM ${this.predictions}
        WHERE model_id = @modelId AND request_id IN UNNEST(@ids)`,
        { modelId, ids },
      );
      for (const r of found) known.add(`${modelId}\u0000${r.request_id}`);
    }
    const isKnown = (r: ActualRecord): boolean => known.has(`${r.modelId}\u0000${r.requestId}`);
    const matched = rows.filter(isKnown);
    await this.insert(
      'actuals',
      matched.map((r) => {
        const row: ActualRow = {
          request_id: r.requestId,
          model_id: r.modelId,
          actual_value: r.actualValue,
          observed_at: r.observedAt,
        };
        // A retry of the same actual is deduplicated; a correction (new observedAt) is a new row.
        return { insertId: `${r.requestId}@${r.observedAt}`, json: row };
      }),
    );
    return { matched: matched.length, unknownRequestIds: rows.filter((r) => !isKnown(r)).map((r) => r.requestId) };
  }

  /** Predictions in the window, newest first. */
  async recent(modelId: string, window: Window): Promise<PredictionRecord[]> {
    const { cte, params } = this.predictionsCte(modelId, window);
    const rows = await this.query<PredictionResult>(
      `${cte}
      SELECT * FROM p ORDER BY predicted_at DESC, request_id${limitClause(window)}`,
      params,
    );
    return rows.map(toPrediction);
  }

  /** Predictions in the window that have an actual (the latest one), newest first. */
  async labelled(modelId: string, window: Window): Promise<LabelledPrediction[]> {
    const { cte, params } = this.predictionsCte(modelId, window);
    const rows = await this.query<PredictionResult & { actual_value: number; observed_at: string }>(
      `${cte}, ${this.actualsCte()}
      SELECT p.*, a.actual_value, a.observed_at FROM p JOIN a USING (request_id)
      ORDER BY p.predicted_at DESC, request_id${limitClause(window)}`,
      params,
    );
    return rows.map((r) => ({ ...toPrediction(r), actualValue: Number(r.actual_value), observedAt: r.observed_at }));
  }

  /** Per-version COUNT, MAE, RMSE, MAPE (percent; zero actuals left out, 0 when none remain) and CORR. */
  async armSummaries(modelId: string, window: Window): Promise<ArmSummary[]> {
    const { cte, params } = this.predictionsCte(modelId, { ...window, limit: undefined });
    const rows = await this.query<{
      version: string;
      n: number;
      mae: number;
      rmse: number;
      mape: number | null;
      correlation: number | null;
    }>(
      `${cte}, ${this.actualsCte()},
      l AS (SELECT p.model_version AS version, p.prediction, a.actual_value, p.prediction - a.actual_value AS err FROM p JOIN a USING (request_id))
      SELECT version, COUNT(*) AS n, AVG(ABS(err)) AS mae, SQRT(AVG(err * err)) AS rmse,
        AVG(SAFE_DIVIDE(ABS(err), ABS(actual_value))) * 100 AS mape, CORR(prediction, actual_value) AS correlation
      FROM l GROUP BY version ORDER BY version`,
      params,
    );
    return rows.map((r) => ({
      version: r.version,
      count: Number(r.n),
      mae: Number(r.mae),
      rmse: Number(r.rmse),
      mape: r.mape === null ? 0 : Number(r.mape),
      correlation: r.correlation === null || !Number.isFinite(Number(r.correlation)) ? null : Number(r.correlation),
    }));
  }

  /** Requests per epoch-aligned bucket since a time, oldest first; empty buckets are omitted. */
  async requestRate(
    endpointId: string,
    since: string,
    bucketMinutes: number,
  ): Promise<{ at: string; count: number }[]> {
    if (!(Number.isFinite(bucketMinutes) && bucketMinutes > 0)) {
      throw new ValidationError('request-rate query', [
        { path: 'bucketMinutes', message: `must be a positive number, got ${bucketMinutes}` },
      ]);
    }
    const rows = await this.query<{ bucket_at: string; n: number }>(
      `SELECT
        FORMAT_TIMESTAMP(${ISO}, TIMESTAMP_SECONDS(DIV(UNIX_SECONDS(predicted_at), @bucketSeconds) * @bucketSeconds)) AS bucket_at, COUNT(*) AS n
      FROM ${this.predictions} WHERE endpoint_id = @endpointId AND predicted_at >= TIMESTAMP(@since)
      GROUP BY bucket_at ORDER BY bucket_at`,
      { endpointId, since: isoParam(since, 'since'), bucketSeconds: Math.max(1, Math.round(bucketMinutes * 60)) },
    );
    return rows.map((r) => ({ at: r.bucket_at, count: Number(r.n) }));
  }

  /** Deduplicated predictions of a model inside the window, as CTE `p`. */
  private predictionsCte(modelId: string, window: Window): { cte: string; params: Params } {
    const where = ['model_id = @modelId'];
    const params: Params = { modelId };
    if (window.since !== undefined) {
      where.push('predicted_at >= TIMESTAMP(@since)');
      params.since = isoParam(window.since, 'since');
    }
    if (window.until !== undefined) {
      where.push('predicted_at < TIMESTAMP(@until)');
      params.until = isoParam(window.until, 'until');
    }
    if (window.version !== undefined) {
      where.push('model_version = @version');
      params.version = window.version;
    }
    const cte = `WITH p AS (SELECT ${PREDICTION_SELECT} FROM ${this.predictions} WHERE ${where.join(' AND ')}
      QUALIFY ROW_NUMBER() OVER (PARTITION BY request_id ORDER BY predicted_at) = 1)`;
    return { cte, params };
  }

  /** The latest actual per request id of the model, as CTE `a`. */
  private actualsCte(): string {
    return `a AS (SELECT request_id, actual_value, FORMAT_TIMESTAMP(${ISO}, observed_at) AS observed_at FROM ${this.actuals}
      WHERE model_id = @modelId QUALIFY ROW_NUMBER() OVER (PARTITION BY request_id ORDER BY observed_at DESC) = 1)`;
  }

  private async query<T>(sql: string, params: Params): Promise<T[]> {
    const client = await this.client.get();
    try {
      const [rows] = await client.query({ query: sql, params, location: this.options.location });
      return rows as T[];
    } catch (err) {
      throw mapError(err, 'query');
    }
  }

  private async insert(table: 'prediction_log' | 'actuals', rows: { insertId: string; json: object }[]): Promise<void> {
    if (rows.length === 0) return;
    const client = await this.client.get();
    const target = client.dataset(this.options.dataset).table(table);
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      try {
        await target.insert(rows.slice(i, i + INSERT_CHUNK), { raw: true });
      } catch (err) {
        throw mapError(err, `insert into ${table}`);
      }
    }
  }
}

function limitClause(window: Window): string {
  return window.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.trunc(window.limit))}`;
}

function isoParam(value: string, path: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new ValidationError(
      'prediction log query',
      [{ path, message: `not an ISO time: ${JSON.stringify(value)}` }],
      'PREDICTION_LOG.INVALID',
    );
  return new Date(ms).toISOString();
}

function toPrediction(r: PredictionResult): PredictionRecord {
  return {
    requestId: r.request_id,
    modelId: r.model_id,
    version: r.model_version,
    endpointId: r.endpoint_id,
    features: JSON.parse(r.features) as Record<string, unknown>,
    prediction: Number(r.prediction),
    predictedAt: r.predicted_at,
    latencyMs: Number(r.latency_ms),
    ...(r.market_condition == null ? {} : { marketCondition: r.market_condition }),
  };
}

/** Row-level insert errors are permanent (bad data); HTTP 429/5xx and network errors are transient. */
function mapError(err: unknown, what: string): Error {
  const rowErrors = (
    err as { errors?: { row?: { insertId?: string }; errors?: { reason?: string; message?: string }[] }[] }
  ).errors;
  if ((err as { name?: string }).name === 'PartialFailureError' && Array.isArray(rowErrors)) {
    const issues = rowErrors.map((e) => ({
      path: e.row?.insertId ?? '(row)',
      message: (e.errors ?? []).map((x) => `${x.reason}: ${x.message}`).join(', '),
    }));
    return new ValidationError(`BigQuery ${what}`, issues, 'PREDICTION_LOG.REJECTED');
  }
  const code = (err as { code?: unknown }).code;
  const message = `BigQuery ${what} failed: ${errorMessage(err)}`;
  if (typeof code === 'number' && code >= 400 && code < 500 && code !== 429)
    return new PermanentError('PREDICTION_LOG.REJECTED', message, { httpStatus: code });
  return new TransientError('PREDICTION_LOG.UNAVAILABLE', message, { httpStatus: code });
}
