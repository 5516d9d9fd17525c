/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit
 * crosses the threshold, on the committing thread: with one connection serving the bus and the
 * state store, that commit (and every handler queued behind it) waits for the checkpoint's fsyncs,
 * several milliseconds: the p99 of a hop. A worker thread with its own connection runs PASSIVE
 * checkpoints instead (they never block writers); the main connection keeps a high automatic
 * threshold only as a backstop, so the WAL stays bounded if the worker falls behind.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './open.js';

/** WAL pages after which the main connection checkpoints itself anyway (~80 MB with 4 KiB pages). */
export const BACKSTOP_PAGES = 20_000;

// Plain CommonJS, evaluated in the worker: no TypeScript loader needed under tsx or vitest.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick tries again */ }
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});`;

/** A running background checkpointer. */
export interface Checkpointer {
  /** Stop the worker (after its current checkpoint). */
  stop(): Promise<void>;
}

/** Checkpoint `path`'s WAL every `everyMs` from a worker thread; `db` (the main connection) keeps only the backstop. */
export function startCheckpointer(db: SqliteDatabase, path: string, everyMs = 100): Checkpointer {
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  // No inherited execArgv: the source is plain CommonJS whatever flags (--input-type=module, loaders) the parent runs with.
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { driver, path, everyMs } });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Unref'd while running (it must not keep a process alive), but awaited here: ref it, or a process
      // with nothing else pending would exit while this promise waits (exit code 13 under top-level await).
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
