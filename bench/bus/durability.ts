/**
 * Durability across a process crash: a child runs the chain and publishes; once about half is
 * committed it gets SIGKILL mid-stream (handlers and commits in flight). Reopening the files in
 * this process must deliver every committed message through both hops, each effect exactly once.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SynchronousLevel } from '../../shared/adapters/local/sqlite/open.js';
import { STATE_COLLECTION } from './chain.js';
import { openEmbeddedChain } from './embedded.js';

/** The outcome of one crash-and-recover run. */
export interface DurabilityFigures {
  synchronous: SynchronousLevel;
  /** Messages whose publish the child saw committed before it was killed. */
  published: number;
  /** Messages the child was asked to publish. */
  attempted: number;
  /** Distinct messages that went through both hops after recovery. */
  delivered: number;
  /** Committed messages that never arrived (must be 0). */
  missing: number;
  /** Messages whose effects were applied more than once (must be 0). */
  doubleApplied: number;
  /** Redeliveries after the restart that the ledger recognised. */
  duplicatesDeduped: number;
  recoverMs: number;
}

/** Kill a publishing child mid-stream and count what the reopened stack delivers. */
export async function crashAndRecover(synchronous: SynchronousLevel, attempted: number): Promise<DurabilityFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'ipo-bench-crash-'));
  const tag = 'crash';
  try {
    const childFile = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', childFile, dir, synchronous, String(attempted), tag], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const published = await new Promise<number>((resolve, reject) => {
      let committed = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        for (const m of chunk.toString('utf8').matchAll(/committed (\d+)/g))
          committed = Math.max(committed, Number(m[1]));
        if (committed >= attempted / 2 && child.pid !== undefined && child.exitCode === null) {
          process.kill(child.pid, 'SIGKILL');
        }
      });
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL'
          ? resolve(committed)
          : reject(new Error(`crash child ended without being killed (${code ?? signal})`)),
      );
    });
    const started = performance.now();
    const chain = openEmbeddedChain(dir, synchronous);
    await chain.bus.whenIdle();
    const recoverMs = performance.now() - started;
    const docs = await chain.store.query<{ key: string; hops: number }>(STATE_COLLECTION);
    const done = new Set(docs.filter((d) => d.data.hops >= 2).map((d) => d.data.key));
    let missing = 0;
    for (let i = 0; i < published; i++) if (!done.has(`${tag}:${i}`)) missing += 1;
    const figures: DurabilityFigures = {
      synchronous,
      published,
      attempted,
      delivered: done.size,
      missing,
      doubleApplied: docs.filter((d) => d.data.hops > 2).length,
      duplicatesDeduped: chain.samples.filter((s) => s.duplicate).length,
      recoverMs,
    };
    await chain.close();
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
