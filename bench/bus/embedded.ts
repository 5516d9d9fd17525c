/**
 * The chain on the embedded stack (SQLite state store + SQLite bus in a temp dir) at one
 * `synchronous` level and layout: a flood (throughput) and a paced run at a fixed rate (latency without a backlog).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventBus } from '../../shared/adapters/local/sqlite.event-bus.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite.state-store.js';
import type { SynchronousLevel } from '../../shared/adapters/local/sqlite/open.js';
import { firstMessage, hopHandler, HOP_TOPICS, type HopSample } from './chain.js';
import { stamping } from '../support/stamping.js';

/** An open embedded chain. */
export interface EmbeddedChain {
  bus: SqliteEventBus;
  store: SqliteStateStore;
  samples: HopSample[];
  close(): Promise<void>;
}

/**
 * How state and bus are laid out: `shared` is the local stack's (one database, the bus's tables written
 * in the state transaction's commit, WAL checkpoints in a worker thread); `separate` is the earlier
 * layout: two files, the outbox publishing after commit, checkpoints inside commits.
 */
export const LAYOUTS = ['shared', 'separate'] as const;
/** A layout. */
export type Layout = (typeof LAYOUTS)[number];

/** Open the store and bus under `dir` and subscribe both hops. */
export function openEmbeddedChain(
  dir: string,
  synchronous: SynchronousLevel,
  samples: HopSample[] = [],
  layout: Layout = 'shared',
): EmbeddedChain {
  const bus =
    layout === 'shared'
      ? new SqliteEventBus({ path: join(dir, 'state.db'), synchronous, backgroundCheckpoint: true })
      : new SqliteEventBus({ path: join(dir, 'bus.db'), synchronous });
  const store = new SqliteStateStore({
    path: join(dir, 'state.db'),
    synchronous,
    ...(layout === 'shared' ? { bus } : {}),
  });
  bus.subscribe(
    HOP_TOPICS[0],
    'bench-hop1',
    hopHandler(1, store, bus, (s) => samples.push(s)),
  );
  bus.subscribe(
    HOP_TOPICS[1],
    'bench-hop2',
    hopHandler(2, store, bus, (s) => samples.push(s)),
  );
  return {
    bus,
    store,
    samples,
    async close() {
      await bus.close();
      await store.close();
    },
  };
}

/** What one run measured. */
export interface RunFigures {
  handled: number;
  seconds: number;
  eventsPerSecond: number;
  /** CPU time of this process per handled event (user + system), ms: what the figure costs without contention. */
  cpuMsPerEvent: number;
  hop1: HopSample[];
  hop2: HopSample[];
}

function figures(samples: HopSample[], seconds: number, cpu: NodeJS.CpuUsage): RunFigures {
  return {
    handled: samples.length,
    seconds,
    eventsPerSecond: samples.length / seconds,
    cpuMsPerEvent: (cpu.user + cpu.system) / 1000 / samples.length,
    hop1: samples.filter((s) => s.hop === 1),
    hop2: samples.filter((s) => s.hop === 2),
  };
}

/** Publish `n` messages as fast as the bus takes them (in batches of 500) and wait until all are handled. */
export async function flood(chain: EmbeddedChain, n: number, tag: string): Promise<RunFigures> {
  chain.samples.length = 0;
  const publisher = stamping(chain.bus);
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, n - i) }, (_, k) => publisher.publish(firstMessage(i + k, tag))),
    );
  }
  await chain.bus.whenIdle();
  return figures(chain.samples, (performance.now() - started) / 1000, process.cpuUsage(cpu));
}

/** Publish at `perSecond` messages/s for `seconds`, then wait until all are handled. */
export async function paced(
  chain: EmbeddedChain,
  perSecond: number,
  seconds: number,
  tag: string,
): Promise<RunFigures> {
  chain.samples.length = 0;
  const publisher = stamping(chain.bus);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const total = Math.round(perSecond * seconds);
  const inFlight: Promise<string>[] = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * perSecond));
    for (; sent < due; sent++) inFlight.push(publisher.publish(firstMessage(sent, tag)));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  await chain.bus.whenIdle();
  return figures(chain.samples, (performance.now() - started) / 1000, process.cpuUsage(cpu));
}

/** Run `fn` on a fresh chain in a temp dir, then remove it. */
export async function withEmbeddedChain<T>(
  synchronous: SynchronousLevel,
  layout: Layout,
  fn: (chain: EmbeddedChain) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ipo-bench-bus-'));
  const chain = openEmbeddedChain(dir, synchronous, [], layout);
  try {
    return await fn(chain);
  } finally {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
