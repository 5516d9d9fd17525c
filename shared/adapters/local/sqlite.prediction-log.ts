/**
 * The embedded prediction log: predictions and actuals in two SQLite tables (WAL).
 * Times are stored twice: the ISO string as given (returned unchanged) and epoch milliseconds
 * (for windows and request-rate buckets, so differently formatted ISO strings still compare right).
 * Per-version error summaries are aggregated in SQL, like the BigQuery adapter does.
 */
import { PermanentError, ValidationError, type Issue } from '../../domain/errors.js';
import type {
  ActualRecord,
  ArmSummary,
  LabelledPrediction,
  PredictionLog,
  PredictionRecord,
  Window,
} from '../../ports/prediction-log.js';
import { openDatabase, type OpenOptions, type SqliteDatabase } from './sqlite/open.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS predictions (
  request_id TEXT PRIMARY KEY, model_id TEXT NOT NULL, version TEXT NOT NULL, endpoint_id TEXT NOT NULL,
  features TEXT NOT NULL, prediction REAL NOT NULL, predicted_at TEXT NOT NULL, predicted_ms INTEGER NOT NULL,
  latency_ms REAL NOT NULL, market_condition TEXT
);
CREATE INDEX IF NOT EXISTS predictions_model_time ON predictions (model_id, predicted_ms);
CREATE INDEX IF NOT EXISTS predictions_endpoint_time ON predictions (endpoint_id, predicted_ms);
CREATE TABLE IF NOT EXISTS actuals (
  request_id TEXT PRIMARY KEY, model_id TEXT NOT NULL, actual_value REAL NOT NULL, observed_at TEXT NOT NULL
);`;

const PREDICTION_COLUMNS = `p.request_id, p.model_id, p.version, p.endpoint_id, p.features, p.prediction,
  p.predicted_at, p.latency_ms, p.market_condition`;

interface PredictionRow {
  request_id: string;
  model_id: string;
  version: string;
  endpoint_id: string;
  features: string;
  prediction: number;
  predicted_at: string;
  latency_ms: number;
  market_condition: string | null;
}

interface SummaryRow {
  version: string;
  n: number;
  mae: number;
  mse: number;
  mape: number | null;
  cov: number;
  var_p: number;
  var_a: number;
}

/** Prediction log on SQLite; pass open options or a connection shared with other embedded adapters. */
export class SqlitePredictionLog implements PredictionLog {
  private readonly db: SqliteDatabase;
  private readonly ownsDb: boolean;

  constructor(source: OpenOptions | SqliteDatabase) {
    this.ownsDb = !isDatabase(source);
    this.db = isDatabase(source) ? source : openDatabase(source);
    this.db.exec(SCHEMA);
  }

  /** Insert predictions in one transaction; a request id logged before is kept as first logged (dedupe). */
  async record(rows: PredictionRecord[]): Promise<void> {
    const issues = rows.flatMap((r, i) => predictionIssues(r, `rows.${i}`));
    if (issues.length > 0) throw new ValidationError('predictions', issues, 'PREDICTION_LOG.INVALID');
    const insert = this.db.prepare(`INSERT OR IGNORE INTO predictions VALUES
      (@requestId, @modelId, @version, @endpointId, @features, @prediction, @predictedAt, @predictedMs, @latencyMs, @marketCondition)`);
    this.db.transaction(() => {
      for (const r of rows) {
        insert.run({
          ...r,
          features: JSON.stringify(r.features),
          predictedMs: Date.parse(r.predictedAt),
          marketCondition: r.marketCondition ?? null,
        });
      }
    })();
  }

  async recordActuals(rows: ActualRecord[]): Promise<{ matched: number; unknownRequestIds: string[] }> {
    const issues = rows.flatMap((r, i) => actualIssues(r, `rows.${i}`));
    if (issues.length > 0) throw new ValidationError('actuals', issues, 'PREDICTION_LOG.INVALID');
    const known = this.db.prepare('SELECT 1 FROM predictions WHERE request_id = ? AND model_id = ?').pluck();
    // A corrected actual replaces the earlier one for the same request.
    const upsert = this.db.prepare('INSERT OR REPLACE INTO actuals VALUES (?, ?, ?, ?)');
    return this.db.transaction(() => {
      const unknownRequestIds: string[] = [];
      let matched = 0;
      for (const r of rows) {
        if (known.get(r.requestId, r.modelId) === undefined) {
          unknownRequestIds.push(r.requestId);
          continue;
        }
        upsert.run(r.requestId, r.modelId, r.actualValue, r.observedAt);
        matched += 1;
      }
      return { matched, unknownRequestIds };
    })();
  }

  /** Predictions in the window, newest first. */
  async recent(modelId: string, window: Window): Promise<PredictionRecord[]> {
    const { where, params, limit } = windowClause(modelId, window);
    const rows = this.db
      .prepare(
        `SELECT ${PREDICTION_COLUMNS} FROM predictions p WHERE ${where}
      ORDER BY p.predicted_ms DESC, p.request_id LIMIT ${limit}`,
      )
      .all(params) as PredictionRow[];
    return rows.map(toPrediction);
  }

  /** Predictions in the window that have an actual, newest first. */
  async labelled(modelId: string, window: Window): Promise<LabelledPrediction[]> {
    const { where, params, limit } = windowClause(modelId, window);
    const rows = this.db
      .prepare(
        `SELECT ${PREDICTION_COLUMNS}, a.actual_value, a.observed_at
      FROM predictions p JOIN actuals a ON a.request_id = p.request_id WHERE ${where}
      ORDER BY p.predicted_ms DESC, p.request_id LIMIT ${limit}`,
      )
      .all(params) as (PredictionRow & { actual_value: number; observed_at: string })[];
    return rows.map((r) => ({ ...toPrediction(r), actualValue: r.actual_value, observedAt: r.observed_at }));
  }

  /**
   * Per-version summaries. Correlation uses deviations from the per-version means (two passes in SQL),
   * which stays accurate for large valuations where raw sums of squares would cancel. MAPE leaves out
   * actuals equal to 0 (undefined there) and is 0 when nothing is left.
   */
  async armSummaries(modelId: string, window: Window): Promise<ArmSummary[]> {
    const { where, params } = windowClause(modelId, { ...window, limit: undefined });
    const rows = this.db
      .prepare(
        `
      WITH l AS (SELECT p.version, p.prediction AS p, a.actual_value AS a
                 FROM predictions p JOIN actuals a ON a.request_id = p.request_id WHERE ${where}),
           m AS (SELECT version, AVG(p) AS mp, AVG(a) AS ma FROM l GROUP BY version)
      SELECT l.version, COUNT(*) AS n, AVG(ABS(p - a)) AS mae, AVG((p - a) * (p - a)) AS mse,
             AVG(CASE WHEN a <> 0 THEN ABS(p - a) / ABS(a) END) * 100 AS mape,
             SUM((p - mp) * (a - ma)) AS cov, SUM((p - mp) * (p - mp)) AS var_p, SUM((a - ma) * (a - ma)) AS var_a
      FROM l JOIN m ON m.version = l.version GROUP BY l.version ORDER BY l.version`,
      )
      .all(params) as SummaryRow[];
    return rows.map((r) => ({
      version: r.version,
      count: r.n,
      mae: r.mae,
      rmse: Math.sqrt(r.mse),
      mape: r.mape ?? 0,
      correlation: r.n > 1 && r.var_p > 0 && r.var_a > 0 ? clamp(r.cov / Math.sqrt(r.var_p * r.var_a)) : null,
    }));
  }

  /** Requests per bucket aligned to the epoch, oldest first; buckets without requests are omitted. */
  async requestRate(
    endpointId: string,
    since: string,
    bucketMinutes: number,
  ): Promise<{ at: string; count: number }[]> {
    const sinceMs = parseTime(since, 'since');
    if (!(Number.isFinite(bucketMinutes) && bucketMinutes > 0)) {
      throw new ValidationError('request-rate query', [
        { path: 'bucketMinutes', message: `must be a positive number, got ${bucketMinutes}` },
      ]);
    }
    const bucketMs = Math.round(bucketMinutes * 60_000);
    const rows = this.db
      .prepare(
        `SELECT (predicted_ms / CAST(@bucketMs AS INTEGER)) * CAST(@bucketMs AS INTEGER) AS bucket, COUNT(*) AS count FROM predictions
      WHERE endpoint_id = @endpointId AND predicted_ms >= @sinceMs GROUP BY bucket ORDER BY bucket`,
      )
      .all({ bucketMs, endpointId, sinceMs }) as { bucket: number; count: number }[];
    return rows.map((r) => ({ at: new Date(r.bucket).toISOString(), count: r.count }));
  }

  /** Close the connection if this log opened it. */
  close(): void {
    if (this.ownsDb) this.db.close();
  }
}

function isDatabase(source: OpenOptions | SqliteDatabase): source is SqliteDatabase {
  return typeof (source as SqliteDatabase).prepare === 'function';
}

function windowClause(
  modelId: string,
  window: Window,
): { where: string; params: Record<string, unknown>; limit: number } {
  const parts = ['p.model_id = @modelId'];
  const params: Record<string, unknown> = { modelId };
  if (window.since !== undefined) {
    parts.push('p.predicted_ms >= @since');
    params.since = parseTime(window.since, 'since');
  }
  if (window.until !== undefined) {
    parts.push('p.predicted_ms < @until');
    params.until = parseTime(window.until, 'until');
  }
  if (window.version !== undefined) {
    parts.push('p.version = @version');
    params.version = window.version;
  }
  const limit = window.limit === undefined ? -1 : Math.max(0, Math.trunc(window.limit));
  return { where: parts.join(' AND '), params, limit };
}

function toPrediction(r: PredictionRow): PredictionRecord {
  return {
    requestId: r.request_id,
    modelId: r.model_id,
    version: r.version,
    endpointId: r.endpoint_id,
    features: JSON.parse(r.features) as Record<string, unknown>,
    prediction: r.prediction,
    predictedAt: r.predicted_at,
    latencyMs: r.latency_ms,
    ...(r.market_condition === null ? {} : { marketCondition: r.market_condition }),
  };
}

function clamp(r: number): number {
  return Math.max(-1, Math.min(1, r));
}

function parseTime(value: string, path: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new PermanentError('PREDICTION_LOG.INVALID', `${path}: not an ISO time: ${JSON.stringify(value)}`);
  return ms;
}

/** Problems with one prediction row. */
function predictionIssues(r: PredictionRecord, at: string): Issue[] {
  const issues: Issue[] = [];
  for (const key of ['requestId', 'modelId', 'version', 'endpointId'] as const) {
    if (typeof r[key] !== 'string' || r[key] === '')
      issues.push({ path: `${at}.${key}`, message: 'must be a non-empty string' });
  }
  if (!Number.isFinite(r.prediction)) issues.push({ path: `${at}.prediction`, message: 'must be a finite number' });
  if (!Number.isFinite(r.latencyMs)) issues.push({ path: `${at}.latencyMs`, message: 'must be a finite number' });
  if (Number.isNaN(Date.parse(r.predictedAt)))
    issues.push({ path: `${at}.predictedAt`, message: 'must be an ISO time' });
  return issues;
}

/** Problems with one actual row. */
function actualIssues(r: ActualRecord, at: string): Issue[] {
  const issues: Issue[] = [];
  if (typeof r.requestId !== 'string' || r.requestId === '')
    issues.push({ path: `${at}.requestId`, message: 'must be a non-empty string' });
  if (!Number.isFinite(r.actualValue)) issues.push({ path: `${at}.actualValue`, message: 'must be a finite number' });
  if (Number.isNaN(Date.parse(r.observedAt))) issues.push({ path: `${at}.observedAt`, message: 'must be an ISO time' });
  return issues;
}
