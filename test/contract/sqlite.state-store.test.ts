/** The state-store contract on the embedded SQLite adapter (a temporary WAL file). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite.state-store.js';
import { describeStateStoreContract } from './state-store.suite.js';

describeStateStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipo-state-'));
  const store = new SqliteStateStore({ path: join(dir, 'state.db') });
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeStateStoreContract('sqlite :memory:', async () => {
  const store = new SqliteStateStore({ path: ':memory:', synchronous: 'FULL' });
  return { store, cleanup: () => store.close() };
});
