/** The event-bus contract on the embedded SQLite bus (a temporary WAL file). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventBus } from '../../shared/adapters/local/sqlite.event-bus.js';
import { TOPICS } from '../../shared/domain/topics.js';
import { createEnvelopeCollector, describeEventBusContract } from './event-bus.suite.js';

describeEventBusContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipo-bus-'));
  const bus = new SqliteEventBus({ path: join(dir, 'bus.db') });
  const collector = createEnvelopeCollector();
  for (const topic of TOPICS) {
    bus.subscribe(topic, `contract-${topic}`, async (event) => collector.push(topic, event));
  }
  return {
    bus,
    receive: collector.receive,
    async cleanup() {
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
