/**
 * A fake BigQuery REST server with real storage, for round trips through the real
 * `@google-cloud/bigquery` client (vitest-free, so benches can use it too). Tables come from the
 * schema module (shared/domain/bigquery-schemas.ts) and live in an in-memory SQLite database:
 *
 * - `tabledata.insertAll` checks rows like BigQuery (unknown columns, missing REQUIRED values, bad
 *   FLOAT64 / TIMESTAMP / JSON values: the request fails with per-row `insertErrors`, valid rows
 *   `stopped`), dedupes by insertId, and can be told to fail the next calls with a status;
 * - `jobs.query` runs the readers' standard SQL after a few dialect rewrites (QUALIFY, UNNEST,
 *   FORMAT_TIMESTAMP, TO_JSON_STRING, TIMESTAMP(), and UDFs for SAFE_DIVIDE, CORR, UNIX_SECONDS,
 *   TIMESTAMP_SECONDS, DIV), answering in BigQuery's f/v row format.
 * It is a fake: good for the SQL the adapters write, not a BigQuery implementation.
 */
import Database from 'better-sqlite3';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BIGQUERY_TABLES, type BigQueryField, type BigQueryTableId } from '../../shared/domain/bigquery-schemas.js';

/** One insertAll call as received. */
export interface InsertCall {
  table: string;
  rows: { insertId?: string; json: Record<string, unknown> }[];
  status: number;
}

/** A running fake BigQuery. */
export interface FakeBigQuery {
  /** `http://127.0.0.1:PORT`, the client's `apiEndpoint`. */
  url: string;
  inserts: InsertCall[];
  queries: string[];
  /** Answer the next `count` insertAll calls with `status` (a Google error body). */
  failNextInserts(count: number, status?: number): void;
  /** Empty every table and forget calls and pending failures. */
  reset(): void;
  /** Stored rows of a table, in insertion order (TIMESTAMPs as ISO strings, JSON as text). */
  rows(table: BigQueryTableId): Record<string, unknown>[];
  close(): Promise<void>;
}

const INSERT = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)\/insertAll$/;
const QUERY = /^\/bigquery\/v2\/projects\/([^/]+)\/queries$/;

interface QueryParameter {
  name: string;
  parameterType: { type: string };
  parameterValue: { value?: string; arrayValues?: { value: string }[] };
}

/** Start a fake BigQuery on a free port. */
export async function startFakeBigQuery(): Promise<FakeBigQuery> {
  const db = openTables();
  const inserts: InsertCall[] = [];
  const queries: string[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 503 };

  function insertAll(
    table: string,
    body: { rows?: { insertId?: string; json: Record<string, unknown> }[] },
  ): { status: number; body: unknown } {
    const rows = body.rows ?? [];
    if (failures.count > 0) {
      failures.count -= 1;
      inserts.push({ table, rows, status: failures.status });
      return {
        status: failures.status,
        body: { error: { code: failures.status, status: 'UNAVAILABLE', message: `forced ${failures.status}` } },
      };
    }
    const spec = (BIGQUERY_TABLES as Record<string, { fields: readonly BigQueryField[] }>)[table];
    if (!spec)
      return { status: 404, body: { error: { code: 404, status: 'NOT_FOUND', message: `Not found: Table ${table}` } } };
    const checked = rows.map((r) => checkRow(spec.fields, r.json));
    inserts.push({ table, rows, status: 200 });
    if (checked.some((c) => 'errors' in c)) {
      const insertErrors = checked.map((c, index) => ({
        index,
        errors: 'errors' in c ? c.errors : [{ reason: 'stopped', message: '' }],
      }));
      return { status: 200, body: { kind: 'bigquery#tableDataInsertAllResponse', insertErrors } };
    }
    const columns = spec.fields.map((f) => f.name);
    const stmt = db.prepare(
      `INSERT OR IGNORE INTO ${table} (_insert_id, ${columns.join(', ')}) VALUES (@_insert_id, ${columns.map((c) => `@${c}`).join(', ')})`,
    );
    db.transaction(() =>
      rows.forEach((r, i) =>
        stmt.run({ _insert_id: r.insertId ?? null, ...(checked[i] as { values: Record<string, unknown> }).values }),
      ),
    )();
    return { status: 200, body: { kind: 'bigquery#tableDataInsertAllResponse' } };
  }

  function query(
    projectId: string,
    body: { query: string; queryParameters?: QueryParameter[] },
  ): { status: number; body: unknown } {
    queries.push(body.query);
    const params = Object.fromEntries((body.queryParameters ?? []).map((p) => [p.name, paramValue(p)]));
    let stmt: Database.Statement;
    try {
      stmt = db.prepare(toSqlite(body.query));
    } catch (err) {
      return {
        status: 400,
        body: {
          error: {
            code: 400,
            status: 'INVALID_ARGUMENT',
            message: `fake BigQuery cannot run this SQL: ${(err as Error).message}`,
          },
        },
      };
    }
    const columns = stmt
      .columns()
      .map((c) => c.name)
      .filter((n) => !n.startsWith('_'));
    const rows = stmt.all(params) as Record<string, unknown>[];
    const typeOf = (name: string) => (rows.some((r) => typeof r[name] === 'number') ? 'FLOAT' : 'STRING');
    return {
      status: 200,
      body: {
        kind: 'bigquery#queryResponse',
        jobComplete: true,
        jobReference: { projectId, jobId: `job-${queries.length}`, location: 'US' },
        schema: { fields: columns.map((name) => ({ name, type: typeOf(name), mode: 'NULLABLE' })) },
        rows: rows.map((r) => ({
          f: columns.map((c) => ({ v: r[c] === null || r[c] === undefined ? null : String(r[c]) })),
        })),
        totalRows: String(rows.length),
      },
    };
  }

  function handle(req: IncomingMessage, text: string, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const body = text === '' ? {} : JSON.parse(text);
    let m: RegExpExecArray | null;
    const answer =
      req.method === 'POST' && (m = INSERT.exec(path))
        ? insertAll(decodeURIComponent(m[3]), body)
        : req.method === 'POST' && (m = QUERY.exec(path))
          ? query(m[1], body)
          : {
              status: 404,
              body: {
                error: {
                  code: 404,
                  status: 'NOT_FOUND',
                  message: `fake BigQuery has no route for ${req.method} ${path}`,
                },
              },
            };
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    inserts,
    queries,
    failNextInserts: (count, status = 503) => void (failures = { count, status }),
    reset: () => {
      for (const table of Object.keys(BIGQUERY_TABLES)) db.exec(`DELETE FROM ${table}`);
      inserts.length = 0;
      queries.length = 0;
      failures = { count: 0, status: 503 };
    },
    rows: (table) =>
      (db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all() as Record<string, unknown>[]).map(
        ({ _insert_id: _, ...r }) => r,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          db.close();
          resolve();
        });
      }),
  };
}

function openTables(): Database.Database {
  const db = new Database(':memory:');
  for (const [table, spec] of Object.entries(BIGQUERY_TABLES)) {
    const columns = spec.fields.map((f: BigQueryField) => `${f.name} ${f.type === 'FLOAT64' ? 'REAL' : 'TEXT'}`);
    db.exec(`CREATE TABLE ${table} (_insert_id TEXT UNIQUE, ${columns.join(', ')})`);
  }
  db.function('SAFE_DIVIDE', (a: unknown, b: unknown) =>
    typeof a === 'number' && typeof b === 'number' && b !== 0 ? a / b : null,
  );
  db.function('SQRT', (x: unknown) => (typeof x === 'number' ? Math.sqrt(x) : null));
  db.function('UNIX_SECONDS', (t: unknown) => Math.floor(Date.parse(String(t)) / 1000));
  db.function('TIMESTAMP_SECONDS', (s: unknown) => new Date(Number(s) * 1000).toISOString());
  db.function('DIV', (a: unknown, b: unknown) => Math.trunc(Number(a) / Number(b)));
  db.aggregate('CORR', {
    varargs: true,
    start: () => [0, 0, 0, 0, 0, 0],
    step: (s: number[], ...xy: unknown[]) => {
      const [x, y] = xy;
      if (typeof x !== 'number' || typeof y !== 'number') return s;
      return [s[0] + 1, s[1] + x, s[2] + y, s[3] + x * x, s[4] + y * y, s[5] + x * y];
    },
    result: ([n, sx, sy, sxx, syy, sxy]: number[]) => {
      const denominator = Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
      return n < 2 || denominator === 0 ? null : (n * sxy - sx * sy) / denominator;
    },
  });
  return db;
}

/** Check one row against the columns, as insertAll does; values normalised for storage. */
function checkRow(
  fields: readonly BigQueryField[],
  json: Record<string, unknown>,
): { values: Record<string, unknown> } | { errors: { reason: string; message: string; location?: string }[] } {
  const errors: { reason: string; message: string; location?: string }[] = [];
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(json))
    if (!fields.some((f) => f.name === key))
      errors.push({ reason: 'invalid', location: key, message: `no such field: ${key}.` });
  for (const f of fields) {
    const v = json[f.name];
    if (v === undefined || v === null) {
      if (f.mode === 'REQUIRED')
        errors.push({ reason: 'invalid', location: f.name, message: `Missing required field: ${f.name}.` });
      values[f.name] = null;
    } else if (f.type === 'FLOAT64') {
      if (typeof v !== 'number' && !(typeof v === 'string' && Number.isFinite(Number(v))))
        errors.push({
          reason: 'invalid',
          location: f.name,
          message: `Cannot convert value to floating point: ${JSON.stringify(v)}`,
        });
      values[f.name] = Number(v);
    } else if (f.type === 'TIMESTAMP') {
      const ms = typeof v === 'number' ? v * 1000 : Date.parse(String(v));
      if (Number.isNaN(ms))
        errors.push({
          reason: 'invalid',
          location: f.name,
          message: `Couldn't convert value to timestamp: ${JSON.stringify(v)}`,
        });
      else values[f.name] = new Date(ms).toISOString();
    } else if (f.type === 'JSON') {
      try {
        values[f.name] = JSON.stringify(typeof v === 'string' ? JSON.parse(v) : v);
      } catch {
        errors.push({ reason: 'invalid', location: f.name, message: `Invalid JSON: ${String(v).slice(0, 40)}` });
      }
    } else if (typeof v !== 'string')
      errors.push({
        reason: 'invalid',
        location: f.name,
        message: `Cannot convert value to string: ${JSON.stringify(v)}`,
      });
    else values[f.name] = v;
  }
  return errors.length > 0 ? { errors } : { values };
}

/** The BigQuery standard SQL the adapters write, rewritten for SQLite. */
export function toSqlite(sql: string): string {
  return sql
    .replace(/`[^`.]+\.[^`.]+\.([^`.]+)`/g, '$1')
    .replace(/TO_JSON_STRING\((\w+)\)/g, '$1')
    .replace(/FORMAT_TIMESTAMP\('([^']*)'/g, (_, format: string) => `strftime('${format.replace('%E3S', '%f')}'`)
    .replace(/\bTIMESTAMP\((@\w+)\)/g, '$1')
    .replace(/IN UNNEST\((@\w+)\)/g, 'IN (SELECT value FROM json_each($1))')
    .replace(
      /SELECT\s+((?:(?!\bSELECT\b)[\s\S])+?)\s+FROM\s+(\w+)\s+WHERE\s+([\s\S]+?)\s+QUALIFY\s+(ROW_NUMBER\(\)\s+OVER\s+\([^)]*\))\s*=\s*1/g,
      'SELECT * FROM (SELECT $1, $4 AS _rn FROM $2 WHERE $3) WHERE _rn = 1',
    );
}

function paramValue(p: QueryParameter): unknown {
  if (p.parameterType.type === 'ARRAY') return JSON.stringify((p.parameterValue.arrayValues ?? []).map((v) => v.value));
  const v = p.parameterValue.value;
  return ['INT64', 'FLOAT64', 'NUMERIC'].includes(p.parameterType.type) ? Number(v) : v;
}
