/**
 * The `documents` table and its prepared statements. Deletes leave a tombstone (data NULL, rev
 * bumped) so a document deleted and re-created never shows a `rev` a transaction already saw.
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './open.js';
import type { SqlFragment } from './json-query.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS documents (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  data TEXT CHECK (data IS NULL OR json_valid(data)),
  rev INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (collection, id)
) WITHOUT ROWID;`;

/** A stored row; `data` is null for a tombstone. */
export interface DocumentRow {
  id: string;
  data: string | null;
  rev: number;
}

/** Prepared statements over `documents`. */
export class DocumentStatements {
  private readonly getStmt;
  private readonly upsertStmt;
  private readonly insertStmt;
  private readonly removeStmt;
  private readonly queryCache = new Map<string, Statement<unknown[], DocumentRow & { data: string }>>();

  constructor(private readonly db: SqliteDatabase) {
    db.exec(SCHEMA);
    this.getStmt = db.prepare<[string, string], DocumentRow>(
      'SELECT id, data, rev FROM documents WHERE collection = ? AND id = ?',
    );
    this.upsertStmt = db.prepare(
      `INSERT INTO documents (collection, id, data, rev, updated_at) VALUES (?, ?, ?, 1, ?)
       ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data, rev = documents.rev + 1, updated_at = excluded.updated_at`,
    );
    this.insertStmt = db.prepare(
      `INSERT INTO documents (collection, id, data, rev, updated_at) VALUES (?, ?, ?, 1, ?)
       ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data, rev = documents.rev + 1, updated_at = excluded.updated_at
       WHERE documents.data IS NULL`,
    );
    this.removeStmt = db.prepare(
      'UPDATE documents SET data = NULL, rev = rev + 1, updated_at = ? WHERE collection = ? AND id = ? AND data IS NOT NULL',
    );
  }

  /** The row, tombstones included. */
  get(collection: string, id: string): DocumentRow | undefined {
    return this.getStmt.get(collection, id);
  }

  /** Rows of a built query (never tombstones). */
  query(fragment: SqlFragment): (DocumentRow & { data: string })[] {
    let stmt = this.queryCache.get(fragment.sql);
    if (stmt === undefined) {
      stmt = this.db.prepare<unknown[], DocumentRow & { data: string }>(fragment.sql);
      if (this.queryCache.size >= 200) this.queryCache.clear();
      this.queryCache.set(fragment.sql, stmt);
    }
    return stmt.all(...fragment.params);
  }

  /** Create or replace. */
  upsert(collection: string, id: string, data: string, now: string): void {
    this.upsertStmt.run(collection, id, data, now);
  }

  /** Create unless a live document exists; returns whether it was created. */
  insert(collection: string, id: string, data: string, now: string): boolean {
    return this.insertStmt.run(collection, id, data, now).changes > 0;
  }

  /** Delete (leave a tombstone). */
  remove(collection: string, id: string, now: string): void {
    this.removeStmt.run(now, collection, id);
  }
}
