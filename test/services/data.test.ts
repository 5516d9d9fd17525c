/** The landed-data and run-control scenarios on the embedded SQLite state store (the Firestore emulator runs them in data.firestore.test.ts). */
import { SqliteStateStore } from '../../shared/adapters/local/sqlite.state-store.js';
import { describeDataScenarios } from './data-scenarios.js';

describeDataScenarios('sqlite', async () => {
  const store = new SqliteStateStore({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});
