import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteMetricsSink } from '../../shared/adapters/local/sqlite.metrics-sink.js';
import { SqlitePredictionLog } from '../../shared/adapters/local/sqlite.prediction-log.js';
import { openDatabase } from '../../shared/adapters/local/sqlite/open.js';
import { ValidationError } from '../../shared/domain/errors.js';
import type { MetricPoint } from '../../shared/ports/metrics-sink.js';
import type { PredictionRecord } from '../../shared/ports/prediction-log.js';

const T0 = Date.parse('2024-03-01T00:00:00.000Z');

function prediction(i: number, over: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    requestId: `r${i}`,
    modelId: 'ipo',
    version: i % 2 === 0 ? '1.0.0' : '1.1.0',
    endpointId: 'ep',
    features: { sector: 'tech', revenue: i },
    prediction: 100 + i,
    predictedAt: new Date(T0 + i * 60_000).toISOString(),
    latencyMs: 2.5,
    ...over,
  };
}

let log: SqlitePredictionLog | undefined;
afterEach(() => log?.close());

function open(): SqlitePredictionLog {
  log = new SqlitePredictionLog({ path: ':memory:' });
  return log;
}

describe('SqlitePredictionLog', () => {
  it('records predictions in one batch, dedupes request ids and returns them newest first', async () => {
    const l = open();
    await l.record([prediction(1, { marketCondition: 'bull' }), prediction(2), prediction(3)]);
    await l.record([prediction(1, { prediction: -1 })]);
    const rows = await l.recent('ipo', {});
    expect(rows.map((r) => r.requestId)).toEqual(['r3', 'r2', 'r1']);
    expect(rows[2]).toEqual(prediction(1, { marketCondition: 'bull' }));
    expect(rows[1]).not.toHaveProperty('marketCondition');
  });

  it('filters by since, until, version and limit', async () => {
    const l = open();
    await l.record(Array.from({ length: 10 }, (_, i) => prediction(i)));
    const since = new Date(T0 + 3 * 60_000).toISOString();
    const until = new Date(T0 + 8 * 60_000).toISOString();
    expect((await l.recent('ipo', { since, until })).map((r) => r.requestId)).toEqual(['r7', 'r6', 'r5', 'r4', 'r3']);
    expect((await l.recent('ipo', { since, until, version: '1.0.0', limit: 2 })).map((r) => r.requestId)).toEqual([
      'r6',
      'r4',
    ]);
    expect(await l.recent('other', {})).toEqual([]);
  });

  it('joins actuals, reports unknown request ids and replaces a corrected actual', async () => {
    const l = open();
    await l.record([prediction(1), prediction(2)]);
    const at = '2024-06-01T00:00:00.000Z';
    const result = await l.recordActuals([
      { requestId: 'r1', modelId: 'ipo', actualValue: 90, observedAt: at },
      { requestId: 'nope', modelId: 'ipo', actualValue: 1, observedAt: at },
      { requestId: 'r2', modelId: 'other-model', actualValue: 1, observedAt: at },
    ]);
    expect(result).toEqual({ matched: 1, unknownRequestIds: ['nope', 'r2'] });
    await l.recordActuals([{ requestId: 'r1', modelId: 'ipo', actualValue: 95, observedAt: at }]);
    const labelled = await l.labelled('ipo', {});
    expect(labelled).toEqual([{ ...prediction(1), actualValue: 95, observedAt: at }]);
  });

  it('computes per-version MAE, RMSE, MAPE and correlation in SQL, matching a direct computation', async () => {
    const l = open();
    const rows = Array.from({ length: 40 }, (_, i) => prediction(i, { prediction: 1e9 + i * 1e6 + (i % 3) * 5e5 }));
    await l.record(rows);
    const actual = (i: number): number => 1e9 + i * 1e6 + ((i * 7) % 5) * 3e5;
    await l.recordActuals(
      rows.map((r, i) => ({
        requestId: r.requestId,
        modelId: 'ipo',
        actualValue: actual(i),
        observedAt: r.predictedAt,
      })),
    );
    const summaries = await l.armSummaries('ipo', {});
    expect(summaries.map((s) => s.version)).toEqual(['1.0.0', '1.1.0']);
    for (const s of summaries) {
      const mine = rows
        .map((r, i) => ({ p: r.prediction, a: actual(i), v: r.version }))
        .filter((x) => x.v === s.version);
      const expected = reference(mine);
      expect(s.count).toBe(20);
      expect(s.mae).toBeCloseTo(expected.mae, 3);
      expect(s.rmse).toBeCloseTo(expected.rmse, 3);
      expect(s.mape).toBeCloseTo(expected.mape, 9);
      expect(s.correlation).toBeCloseTo(expected.corr, 9);
    }
  });

  it('gives null correlation for a single labelled prediction or a constant prediction', async () => {
    const l = open();
    await l.record([prediction(0), prediction(1, { prediction: 5 }), prediction(3, { prediction: 5 })]);
    await l.recordActuals(
      [0, 1, 3].map((i) => ({
        requestId: `r${i}`,
        modelId: 'ipo',
        actualValue: 10 + i,
        observedAt: '2024-06-01T00:00:00Z',
      })),
    );
    const summaries = await l.armSummaries('ipo', {});
    expect(summaries).toEqual([
      { version: '1.0.0', count: 1, mae: 90, rmse: 90, mape: 900, correlation: null },
      {
        version: '1.1.0',
        count: 2,
        mae: 7,
        rmse: Math.sqrt((36 + 64) / 2),
        mape: expect.any(Number),
        correlation: null,
      },
    ]);
  });

  it('counts requests per bucket for one endpoint since a time', async () => {
    const l = open();
    await l.record([
      ...Array.from({ length: 12 }, (_, i) => prediction(i)),
      prediction(99, { endpointId: 'other', predictedAt: new Date(T0).toISOString() }),
    ]);
    const rate = await l.requestRate('ep', new Date(T0 + 60_000).toISOString(), 5);
    expect(rate).toEqual([
      { at: '2024-03-01T00:00:00.000Z', count: 4 },
      { at: '2024-03-01T00:05:00.000Z', count: 5 },
      { at: '2024-03-01T00:10:00.000Z', count: 2 },
    ]);
    await expect(l.requestRate('ep', 'yesterday', 5)).rejects.toThrow(/since/);
    await expect(l.requestRate('ep', new Date(T0).toISOString(), 0)).rejects.toThrow(/bucketMinutes/);
  });

  it('rejects invalid rows with every problem and writes nothing', async () => {
    const l = open();
    const bad = [prediction(1), prediction(2, { prediction: Number.NaN, predictedAt: 'soon', requestId: '' })];
    const err = await l.record(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual([
      'rows.1.requestId',
      'rows.1.prediction',
      'rows.1.predictedAt',
    ]);
    expect(await l.recent('ipo', {})).toEqual([]);
  });

  it('persists in a WAL file and shares an existing connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plog-'));
    try {
      const path = join(dir, 'log.db');
      const first = new SqlitePredictionLog({ path });
      await first.record([prediction(1)]);
      first.close();
      const db = openDatabase({ path });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const shared = new SqlitePredictionLog(db);
      expect(await shared.recent('ipo', {})).toHaveLength(1);
      shared.close();
      expect(db.open).toBe(true);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function reference(xs: { p: number; a: number }[]): { mae: number; rmse: number; mape: number; corr: number } {
  const n = xs.length;
  const mae = xs.reduce((s, x) => s + Math.abs(x.p - x.a), 0) / n;
  const rmse = Math.sqrt(xs.reduce((s, x) => s + (x.p - x.a) ** 2, 0) / n);
  const mape = (xs.reduce((s, x) => s + Math.abs(x.p - x.a) / Math.abs(x.a), 0) / n) * 100;
  const mp = xs.reduce((s, x) => s + x.p, 0) / n;
  const ma = xs.reduce((s, x) => s + x.a, 0) / n;
  const cov = xs.reduce((s, x) => s + (x.p - mp) * (x.a - ma), 0);
  const vp = xs.reduce((s, x) => s + (x.p - mp) ** 2, 0);
  const va = xs.reduce((s, x) => s + (x.a - ma) ** 2, 0);
  return { mae, rmse, mape, corr: cov / Math.sqrt(vp * va) };
}

// The SQLite metrics sink lives beside the log (same database file in the local platform).
describe('SqliteMetricsSink', () => {
  const point = (
    metric: MetricPoint['metric'],
    value: number,
    at: string,
    labels: Record<string, string> = {},
  ): MetricPoint => ({
    modelId: 'ipo',
    version: '1.0.0',
    metric,
    labels,
    value,
    at,
  });

  it('writes points and reads one metric since a time, oldest first, sharing a connection with the log', async () => {
    const db = openDatabase({ path: ':memory:' });
    const sink = new SqliteMetricsSink(db);
    new SqlitePredictionLog(db);
    await sink.write([
      point('drift_share', 0.3, '2024-03-03T00:00:00Z'),
      point('drift_share', 0.1, '2024-03-01T00:00:00Z'),
      point('accuracy_by_sector', 0.9, '2024-03-02T00:00:00Z', { sector: 'tech' }),
      point('drift_share', 0.2, '2024-03-02T00:00:00+00:00'),
    ]);
    expect((await sink.read('ipo', 'drift_share', '2024-03-01T12:00:00Z')).map((p) => p.value)).toEqual([0.2, 0.3]);
    expect(await sink.read('ipo', 'accuracy_by_sector', '2024-01-01T00:00:00Z')).toEqual([
      point('accuracy_by_sector', 0.9, '2024-03-02T00:00:00Z', { sector: 'tech' }),
    ]);
    expect(await sink.read('other', 'drift_share', '2024-01-01T00:00:00Z')).toEqual([]);
    db.close();
  });

  it('rejects a batch with an unknown metric, a non-finite value or a non-string label, writing nothing', async () => {
    const sink = new SqliteMetricsSink({ path: ':memory:' });
    const bad = [
      point('drift_share', 0.1, '2024-03-01T00:00:00Z'),
      {
        ...point('drift_share', Number.POSITIVE_INFINITY, 'x'),
        metric: 'made_up' as MetricPoint['metric'],
        labels: { n: 1 as unknown as string },
      },
    ];
    const err = await sink.write(bad).catch((e: unknown) => e);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual([
      'points.1.metric',
      'points.1.value',
      'points.1.at',
      'points.1.labels.n',
    ]);
    expect(await sink.read('ipo', 'drift_share', '2024-01-01T00:00:00Z')).toEqual([]);
    sink.close();
  });
});
