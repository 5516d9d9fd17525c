/**
 * The background WAL checkpointer's shutdown: closing a bus that runs one must complete even when
 * nothing else keeps the process alive (the worker is unref'd while it runs; a process awaiting its
 * stop used to exit early with code 13, mid-close).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'ipo-checkpointer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('background checkpointer', () => {
  it('a process whose last work is closing the bus and store finishes the close and exits 0', async () => {
    const bus = fileURLToPath(new URL('../../shared/adapters/local/sqlite.event-bus.ts', import.meta.url));
    const store = fileURLToPath(new URL('../../shared/adapters/local/sqlite.state-store.ts', import.meta.url));
    const path = join(dir, 'state.db');
    const script = `
      const { SqliteEventBus } = await import(${JSON.stringify(bus)});
      const { SqliteStateStore } = await import(${JSON.stringify(store)});
      const bus = new SqliteEventBus({ path: ${JSON.stringify(path)}, backgroundCheckpoint: true });
      const store = new SqliteStateStore({ path: ${JSON.stringify(path)}, bus });
      await store.transaction(async (tx) => tx.set('models', 'm', { n: 1 }));
      await bus.close();
      await store.close();
      console.log('closed');`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 60_000 },
    );
    expect(stdout.trim().split('\n').pop()).toBe('closed');
  }, 60_000);
});
