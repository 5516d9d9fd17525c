/**
 * The backends the reliability suites run on (plain SQLite, SQLite sharing its database with the
 * embedded bus, the Firestore emulator) and a state store that injects failures into chosen commits.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirestoreStateStore } from '../../../shared/adapters/gcp/firestore.state-store.js';
import { SqliteEventBus } from '../../../shared/adapters/local/sqlite.event-bus.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite.state-store.js';
import { TransientError } from '../../../shared/domain/errors.js';
import type { EventBus, OutgoingMessage } from '../../../shared/ports/event-bus.js';
import type { Doc, Found, QueryOptions, StateStore, Transaction } from '../../../shared/ports/state-store.js';
import { hasGcloud, startFirestoreEmulator, type Emulator } from '../../support/emulators.js';
import { RecordingBus } from '../../support/service-harness.js';

/** A store (and, where it shares the database, the bus its transactions publish to). */
export interface Opened {
  store: StateStore;
  /** The bus processing publishes to: a recording bus, or the embedded bus sharing the store's database. */
  bus: EventBus;
  /** Idempotency keys of every message that reached the bus so far, in order (call after the bus settled). */
  sent(): Promise<string[]>;
  close(): Promise<void>;
}

/** A backend of the reliability suites. */
export interface Backend {
  name: string;
  enabled: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  open(): Opened;
}

const dir = mkdtempSync(join(tmpdir(), 'ipo-reliability-'));
let emulator: Emulator | undefined;

function recorded(store: StateStore): Opened {
  const bus = new RecordingBus();
  return {
    store,
    bus,
    sent: async () => bus.published.map((m) => String(m.attributes?.idempotencyKey)),
    close: () => store.close(),
  };
}

/** The embedded layout: one database; every message committed on any topic is collected by a subscription. */
function colocated(): Opened {
  const path = join(dir, `${randomUUID()}.db`);
  const bus = new SqliteEventBus({ path, closeTimeoutMs: 200 });
  const store = new SqliteStateStore({ path, bus });
  const keys: string[] = [];
  for (const topic of [
    'lifecycle-events',
    'promotions',
    'retrain-requests',
    'pipeline-events',
    'data-landed',
    'drift-alerts',
  ] as const) {
    bus.subscribe(
      topic,
      `collect-${topic}`,
      async (event) => void keys.push(event.data.message.attributes.idempotencyKey ?? '(none)'),
    );
  }
  return {
    store,
    bus,
    async sent() {
      await bus.whenIdle();
      return [...keys];
    },
    async close() {
      await bus.close();
      await store.close();
    },
  };
}

/** Every backend; the Firestore one needs gcloud. */
export const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    enabled: true,
    start: async () => undefined,
    stop: async () => undefined,
    open: () => recorded(new SqliteStateStore({ path: join(dir, `${randomUUID()}.db`) })),
  },
  {
    name: 'SQLite sharing its database with the bus',
    enabled: true,
    start: async () => undefined,
    stop: async () => rmSync(dir, { recursive: true, force: true }),
    open: colocated,
  },
  {
    name: 'Firestore emulator',
    enabled: hasGcloud(),
    async start() {
      emulator = await startFirestoreEmulator();
      console.info(`Firestore emulator ready on ${emulator.host} in ${emulator.startMs} ms`);
    },
    stop: async () => emulator?.stop(),
    open: () => recorded(new FirestoreStateStore({ projectId: `demo-${randomUUID().slice(0, 8)}`, maxAttempts: 10 })),
  },
];

/** What a transaction wrote, as the fault rules see it. */
export interface Writes {
  docs: { collection: string; id: string; data?: Doc }[];
  published: OutgoingMessage[];
}

interface Rule {
  match: (writes: Writes) => boolean;
  remaining: number;
}

/**
 * A state store whose commits fail on demand: a rule matches a transaction by what it wrote, and the
 * transaction is aborted (nothing it wrote or published is committed) with a transient STATE.UNAVAILABLE.
 */
export class FaultyStore implements StateStore {
  private readonly rules: Rule[] = [];
  /** Commits aborted so far. */
  injected = 0;

  constructor(private readonly inner: StateStore) {}

  /** Abort the next `times` commits whose writes match. */
  failCommitsWhere(match: (writes: Writes) => boolean, times = 1): void {
    this.rules.push({ match, remaining: times });
  }

  get<T extends Doc = Doc>(collection: string, id: string): Promise<T | undefined> {
    return this.inner.get<T>(collection, id);
  }

  query<T extends Doc = Doc>(collection: string, options?: QueryOptions): Promise<Found<T>[]> {
    return this.inner.query<T>(collection, options);
  }

  createIfAbsent(collection: string, id: string, data: Doc): Promise<boolean> {
    return this.inner.createIfAbsent(collection, id, data);
  }

  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    return this.inner.transaction(async (tx) => {
      const writes: Writes = { docs: [], published: [] };
      const recording: Transaction = {
        get: (c, id) => tx.get(c, id),
        query: (c, o) => tx.query(c, o),
        set: (collection, id, data) => (writes.docs.push({ collection, id, data }), tx.set(collection, id, data)),
        create: (collection, id, data) => (writes.docs.push({ collection, id, data }), tx.create(collection, id, data)),
        delete: (collection, id) => (writes.docs.push({ collection, id }), tx.delete(collection, id)),
        ...(tx.publish ? { publish: (m: OutgoingMessage) => (writes.published.push(m), tx.publish?.(m)) } : {}),
      };
      const result = await fn(recording);
      const rule = this.rules.find((r) => r.remaining > 0 && r.match(writes));
      if (rule) {
        rule.remaining -= 1;
        this.injected += 1;
        throw new TransientError('STATE.UNAVAILABLE', 'injected commit failure');
      }
      return result;
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Poll `check` until it holds (bounded; a test that never gets there fails instead of hanging). */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A gate an effect waits on: `reached` resolves when it starts waiting, `open` lets it go on. */
export function gate(): { reached: Promise<void>; wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  let arrive!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const reached = new Promise<void>((r) => (arrive = r));
  return { reached, open, wait: () => (arrive(), opened) };
}
