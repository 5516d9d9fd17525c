/**
 * The embedded metrics sink: monitoring and business metric points in one SQLite table,
 * read back by the console oldest first.
 */
import { ValidationError, type Issue } from '../../domain/errors.js';
import { METRIC_NAMES, type MetricName, type MetricPoint, type MetricsSink } from '../../ports/metrics-sink.js';
import { openDatabase, type OpenOptions, type SqliteDatabase } from './sqlite/open.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS metric_points (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, model_id TEXT NOT NULL, version TEXT NOT NULL, metric TEXT NOT NULL,
  labels TEXT NOT NULL, value REAL NOT NULL, at TEXT NOT NULL, at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS metric_points_read ON metric_points (model_id, metric, at_ms);`;

interface PointRow {
  model_id: string;
  version: string;
  metric: MetricName;
  labels: string;
  value: number;
  at: string;
}

/** Metrics sink on SQLite; pass open options or a connection shared with other embedded adapters. */
export class SqliteMetricsSink implements MetricsSink {
  private readonly db: SqliteDatabase;
  private readonly ownsDb: boolean;

  constructor(source: OpenOptions | SqliteDatabase) {
    this.ownsDb = typeof (source as SqliteDatabase).prepare !== 'function';
    this.db = this.ownsDb ? openDatabase(source as OpenOptions) : (source as SqliteDatabase);
    this.db.exec(SCHEMA);
  }

  /** Write all points in one transaction, or none if any is invalid. */
  async write(points: MetricPoint[]): Promise<void> {
    const issues = points.flatMap((p, i) => pointIssues(p, `points.${i}`));
    if (issues.length > 0) throw new ValidationError('metric points', issues, 'METRICS.INVALID');
    const insert = this.db.prepare(`INSERT INTO metric_points (model_id, version, metric, labels, value, at, at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const p of points)
        insert.run(p.modelId, p.version, p.metric, JSON.stringify(p.labels), p.value, p.at, Date.parse(p.at));
    })();
  }

  /** Points of one metric for a model at or after `since`, oldest first (ties in write order). */
  async read(modelId: string, metric: MetricName, since: string): Promise<MetricPoint[]> {
    const sinceMs = Date.parse(since);
    if (Number.isNaN(sinceMs))
      throw new ValidationError(
        'metrics read',
        [{ path: 'since', message: `not an ISO time: ${JSON.stringify(since)}` }],
        'METRICS.INVALID',
      );
    const rows = this.db
      .prepare(
        `SELECT model_id, version, metric, labels, value, at FROM metric_points
      WHERE model_id = ? AND metric = ? AND at_ms >= ? ORDER BY at_ms, seq`,
      )
      .all(modelId, metric, sinceMs) as PointRow[];
    return rows.map((r) => ({
      modelId: r.model_id,
      version: r.version,
      metric: r.metric,
      labels: JSON.parse(r.labels) as Record<string, string>,
      value: r.value,
      at: r.at,
    }));
  }

  /** Close the connection if this sink opened it. */
  close(): void {
    if (this.ownsDb) this.db.close();
  }
}

function pointIssues(p: MetricPoint, at: string): Issue[] {
  const issues: Issue[] = [];
  if (!METRIC_NAMES.includes(p.metric))
    issues.push({ path: `${at}.metric`, message: `must be one of ${METRIC_NAMES.join(', ')}` });
  if (typeof p.modelId !== 'string' || p.modelId === '')
    issues.push({ path: `${at}.modelId`, message: 'must be a non-empty string' });
  if (typeof p.version !== 'string') issues.push({ path: `${at}.version`, message: 'must be a string' });
  if (!Number.isFinite(p.value)) issues.push({ path: `${at}.value`, message: 'must be a finite number' });
  if (Number.isNaN(Date.parse(p.at))) issues.push({ path: `${at}.at`, message: 'must be an ISO time' });
  for (const [key, value] of Object.entries(p.labels ?? {})) {
    if (typeof value !== 'string')
      issues.push({ path: `${at}.labels.${key}`, message: 'label values must be strings' });
  }
  return issues;
}
