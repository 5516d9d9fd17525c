/**
 * Translates a state-store `QueryOptions` into SQL over the `documents` table, with Firestore's
 * semantics where they matter: comparisons only match values of the same type, `!=` and `orderBy`
 * skip documents where the field is missing or null, ties are broken by document id.
 */
import { PermanentError } from '../../../domain/errors.js';
import { WHERE_OPS, type QueryOptions, type Where } from '../../../ports/state-store.js';

/** A SQL fragment with its positional parameters. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** The JSON path of a dotted field path (`a.b` -> `$."a"."b"`). */
export function jsonPath(field: string): string {
  const segments = field.split('.');
  if (field === '' || segments.some((s) => s === '' || s.includes('"'))) {
    throw new PermanentError(
      'STATE.INVALID_QUERY',
      `field path "${field}" is invalid: use dot-separated names without quotes`,
    );
  }
  return `$.${segments.map((s) => `"${s}"`).join('.')}`;
}

/** The json_type() values a JS value compares with, or undefined for objects and arrays. */
function typesOf(value: unknown): string[] | undefined {
  if (value === null) return ['null'];
  if (typeof value === 'number') return ['integer', 'real'];
  if (typeof value === 'string') return ['text'];
  if (typeof value === 'boolean') return ['true', 'false'];
  return undefined;
}

/** The SQL parameter a JS value is compared as (booleans are 1/0 in json_extract, composites JSON text). */
function sqlValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

function equals(path: string, value: unknown): SqlFragment {
  if (value === null) return { sql: `json_type(data, ?) = 'null'`, params: [path] };
  const types = typesOf(value);
  if (types === undefined) {
    // Objects and arrays: compare canonical JSON text (key order matters, as it would in a literal).
    return {
      sql: `json_type(data, ?) IN ('object','array') AND json_extract(data, ?) = json(?)`,
      params: [path, path, JSON.stringify(value)],
    };
  }
  return {
    sql: `json_type(data, ?) IN (${types.map(() => '?').join(',')}) AND json_extract(data, ?) = ?`,
    params: [path, ...types, path, sqlValue(value)],
  };
}

function condition(where: Where): SqlFragment {
  if (!(WHERE_OPS as readonly string[]).includes(where.op)) {
    throw new PermanentError(
      'STATE.INVALID_QUERY',
      `operator "${String(where.op)}" is not one of ${WHERE_OPS.join(' ')}`,
    );
  }
  const path = jsonPath(where.field);
  const { op, value } = where;
  if (value === undefined)
    throw new PermanentError('STATE.INVALID_QUERY', `where ${where.field} ${op}: value is undefined`);
  if (op === '==') return equals(path, value);
  if (op === 'in') {
    if (!Array.isArray(value) || value.length === 0) {
      throw new PermanentError('STATE.INVALID_QUERY', `where ${where.field} in: value must be a non-empty array`);
    }
    const parts = value.map((v) => equals(path, v));
    return { sql: `(${parts.map((p) => `(${p.sql})`).join(' OR ')})`, params: parts.flatMap((p) => p.params) };
  }
  if (op === '!=') {
    const eq = equals(path, value);
    return { sql: `json_type(data, ?) NOT IN ('null') AND NOT (${eq.sql})`, params: [path, ...eq.params] };
  }
  const types = typesOf(value);
  if (types === undefined || value === null) {
    throw new PermanentError(
      'STATE.INVALID_QUERY',
      `where ${where.field} ${op}: range comparisons need a number, string or boolean`,
    );
  }
  return {
    sql: `json_type(data, ?) IN (${types.map(() => '?').join(',')}) AND json_extract(data, ?) ${op} ?`,
    params: [path, ...types, path, sqlValue(value)],
  };
}

/** Build `SELECT id, data, rev FROM documents WHERE ...` for a collection and query. */
export function buildQuery(collection: string, options: QueryOptions = {}): SqlFragment {
  const clauses = ['collection = ?', 'data IS NOT NULL'];
  const params: unknown[] = [collection];
  for (const where of options.where ?? []) {
    const c = condition(where);
    clauses.push(`(${c.sql})`);
    params.push(...c.params);
  }
  let order = 'id ASC';
  if (options.orderBy !== undefined) {
    const path = jsonPath(options.orderBy.field);
    const direction = options.orderBy.direction === 'desc' ? 'DESC' : 'ASC';
    clauses.push(`json_type(data, ?) NOT IN ('null')`);
    params.push(path);
    // Group by type first (numbers < strings, as in Firestore), then by value, then by id.
    order = `CASE json_type(data, ?) WHEN 'true' THEN 1 WHEN 'false' THEN 1 WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 3 ELSE 4 END ${direction}, json_extract(data, ?) ${direction}, id ${direction}`;
    params.push(path, path);
  }
  let sql = `SELECT id, data, rev FROM documents WHERE ${clauses.join(' AND ')} ORDER BY ${order}`;
  if (options.limit !== undefined) {
    if (!Number.isInteger(options.limit) || options.limit < 0) {
      throw new PermanentError('STATE.INVALID_QUERY', `limit must be a non-negative integer, got ${options.limit}`);
    }
    sql += ' LIMIT ?';
    params.push(options.limit);
  }
  return { sql, params };
}
