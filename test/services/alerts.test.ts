/** The alert lifecycle scenarios on the embedded SQLite state store (the Firestore emulator runs them in alerts.firestore.test.ts). */
import { SqliteStateStore } from '../../shared/adapters/local/sqlite.state-store.js';
import { describeAlertScenarios } from './alert-scenarios.js';

describeAlertScenarios('sqlite', async () => {
  const store = new SqliteStateStore({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});
