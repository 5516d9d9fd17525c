/**
 * Bus benchmark: events/s and p50/p99 latency per hop for publish -> handler -> transaction
 * (processOnce: ledger + state write) -> outbox publish -> next handler, on the embedded stack with
 * SQLite `synchronous=NORMAL` and `FULL`, state and bus in one database (the local stack's layout) and,
 * for comparison, in two files; durability across SIGKILL; then the same hops
 * on the Pub/Sub + Firestore emulators when gcloud is present.
 * Run: npx tsx bench/bus/main.ts [--quick]
 */
import { SYNCHRONOUS_LEVELS, type SynchronousLevel } from '../../shared/adapters/local/sqlite/open.js';
import { hasGcloud } from '../support/emulators.js';
import { load, p50p99, printSummary, printTable, QUICK, round, skipped, verdict } from '../support/report.js';
import type { HopSample } from './chain.js';
import { crashAndRecover } from './durability.js';
import { flood, paced, withEmbeddedChain, type Layout, type RunFigures } from './embedded.js';
import { runOnEmulators } from './emulated.js';

const FLOOD_N = QUICK ? 2_000 : 20_000;
const FLOOD_SECONDS = QUICK ? 3 : 15;
const PACED_SECONDS = QUICK ? 2 : 8;
/** Publishes/s of the paced runs: two hops each, so the target's 5,000 handled events/s, and a light load. */
const PACED_RATES = [2_500, 250];
const CRASH_N = QUICK ? 1_000 : 5_000;
const EMULATOR_N = QUICK ? 50 : 200;
const EMULATOR_RATE = 20;
const TARGET = { eventsPerSecond: 5_000, p99HopMs: 10 };
/** The local stack's layout at both sync levels, and the two-file layout (outbox publishing after commit) for comparison. */
const CONFIGS: readonly (readonly [SynchronousLevel, Layout])[] = [
  ['NORMAL', 'shared'],
  ['NORMAL', 'separate'],
  ['FULL', 'shared'],
];

type Row = (string | number)[];

function hopRows(label: string, run: RunFigures): Row[] {
  return (
    [
      ['hop 1', run.hop1],
      ['hop 2', run.hop2],
    ] as const
  ).map(([hop, s]) => {
    const lat = p50p99(s.map((x) => x.latencyMs));
    const handler = p50p99(s.map((x) => x.handlerMs));
    return [
      label,
      hop,
      s.length,
      Math.round(run.eventsPerSecond),
      round(run.cpuMsPerEvent, 3),
      lat.p50,
      lat.p99,
      handler.p50,
      handler.p99,
      load(),
    ];
  });
}

function worstP99(run: RunFigures): number {
  return Math.max(p50p99(run.hop1.map((s) => s.latencyMs)).p99, p50p99(run.hop2.map((s) => s.latencyMs)).p99);
}

async function embedded(): Promise<Record<string, unknown>> {
  const header = [
    'sync / run',
    'hop',
    'events',
    'handled/s',
    'CPU ms/event',
    'p50 ms',
    'p99 ms',
    'handler p50',
    'handler p99',
    'load',
  ];
  const rows: Row[] = [];
  const notes: string[] = [];
  const summary: Record<string, unknown> = {};
  for (const [level, layout] of CONFIGS) {
    const label = layout === 'shared' ? level : `${level} ${layout}`;
    await withEmbeddedChain(level, layout, async (chain) => {
      // The warm-up also sizes the flood so a slow level (FULL fsyncs every commit) stays within ~15 s.
      const warm = await flood(chain, 200, 'warm');
      const n = Math.max(500, Math.min(FLOOD_N, Math.round((warm.eventsPerSecond / 2) * FLOOD_SECONDS)));
      const f = await flood(chain, n, 'flood');
      rows.push(...hopRows(`${label} flood ${n}`, f));
      const pacedP99: Record<string, number> = {};
      for (const rate of PACED_RATES) {
        if (f.eventsPerSecond < rate * 2 * 0.8) {
          notes.push(
            `${label} paced ${rate * 2}/s not run: above the flood capacity (${Math.round(f.eventsPerSecond)}/s), it would only time the backlog`,
          );
          pacedP99[`at${rate * 2}PerSecond`] = Number.NaN;
          continue;
        }
        const p = await paced(chain, rate, PACED_SECONDS, `paced-${rate}`);
        rows.push(...hopRows(`${label} paced ${rate * 2}/s`, p));
        pacedP99[`at${rate * 2}PerSecond`] = round(worstP99(p));
      }
      const atTarget = pacedP99[`at${PACED_RATES[0] * 2}PerSecond`];
      summary[layout === 'shared' ? level : `${level}-${layout}`] = {
        floodEventsPerSecond: Math.round(f.eventsPerSecond),
        cpuMsPerEvent: round(f.cpuMsPerEvent, 3),
        floodP99HopMs: round(worstP99(f)),
        pacedP99HopMs: pacedP99,
        meets: f.eventsPerSecond >= TARGET.eventsPerSecond && atTarget <= TARGET.p99HopMs,
        floodMessages: n,
      };
      console.log(
        `  ${label}: flood ${Math.round(f.eventsPerSecond)} handled events/s (target ≥ ${TARGET.eventsPerSecond}: ${verdict(f.eventsPerSecond >= TARGET.eventsPerSecond)}), ` +
          `${round(f.cpuMsPerEvent, 3)} CPU ms/event; paced at ${PACED_RATES[0] * 2} events/s ` +
          `${Number.isNaN(atTarget) ? 'not measured (capacity below that rate)' : `p99 hop ${atTarget} ms`} (target ≤ ${TARGET.p99HopMs}: ${verdict(atTarget <= TARGET.p99HopMs)}); load ${load()}`,
      );
    });
  }
  console.log(
    '\nembedded stack (SQLite WAL; state and bus in one database unless "separate"); latency = sent (publish call, or hop 1\'s decision) -> handler done; "handler" = handler start -> done',
  );
  printTable(header, rows);
  for (const note of notes) console.log(`  ${note}`);
  return summary;
}

async function durability(): Promise<Record<string, unknown>> {
  console.log(
    `\ndurability: publish ${CRASH_N} (FULL: ${Math.min(CRASH_N, 1_000)}) through the chain in a child, SIGKILL it mid-stream, reopen`,
  );
  const out: Record<string, unknown> = {};
  for (const level of SYNCHRONOUS_LEVELS) {
    // FULL recovers at its (fsync-bound) rate: a smaller stream keeps the check short.
    const d = await crashAndRecover(level, level === 'FULL' ? Math.min(CRASH_N, 1_000) : CRASH_N);
    const ok = d.missing === 0 && d.doubleApplied === 0 && d.delivered >= d.published && d.delivered <= d.attempted;
    console.log(
      `  [${level}] durability: ${d.published} published, ${d.delivered} delivered after crash ` +
        `(committed-but-undelivered ${d.missing}, effects applied twice ${d.doubleApplied}, redeliveries deduplicated ${d.duplicatesDeduped}, ` +
        `${d.delivered - d.published} more were committed after the last progress line; recovery ${Math.round(d.recoverMs)} ms) — ${ok ? 'OK' : 'LOST OR DUPLICATED MESSAGES'}; load ${load()}`,
    );
    out[level] = {
      published: d.published,
      delivered: d.delivered,
      missing: d.missing,
      doubleApplied: d.doubleApplied,
      ok,
    };
  }
  return out;
}

async function emulators(): Promise<Record<string, unknown> | string> {
  console.log(
    `\nemulators: Firestore state + Pub/Sub push into functions-framework, ${EMULATOR_N} messages paced at ${EMULATOR_RATE}/s, then ${EMULATOR_N} at once`,
  );
  if (!hasGcloud()) {
    skipped('bus bench on the emulators', 'gcloud not found (or IPO_SKIP_EMULATORS=1)');
    return 'skipped';
  }
  const e = await runOnEmulators(EMULATOR_N, EMULATOR_RATE);
  const rows = (
    [
      ['paced', e.paced.samples, e.paced.seconds],
      ['flood', e.flood.samples, e.flood.seconds],
    ] as const
  ).flatMap(([label, samples, seconds]) =>
    ([1, 2] as const).map((hop) => {
      const s = samples.filter((x: HopSample) => x.hop === hop);
      const lat = p50p99(s.map((x) => x.latencyMs));
      const handler = p50p99(s.map((x) => x.handlerMs));
      return [
        label,
        `hop ${hop}`,
        s.length,
        Math.round(samples.length / seconds),
        lat.p50,
        lat.p99,
        handler.p50,
        handler.p99,
        load(),
      ];
    }),
  );
  console.log(
    `  emulators started in ${e.startMs.pubsub} ms (Pub/Sub) and ${e.startMs.firestore} ms (Firestore), not counted`,
  );
  printTable(['run', 'hop', 'events', 'handled/s', 'p50 ms', 'p99 ms', 'handler p50', 'handler p99', 'load'], rows);
  const lat = (samples: readonly HopSample[]) => p50p99(samples.map((x) => x.latencyMs));
  return {
    pacedP50HopMs: lat(e.paced.samples).p50,
    pacedP99HopMs: lat(e.paced.samples).p99,
    floodEventsPerSecond: Math.round(e.flood.samples.length / e.flood.seconds),
    delivered: e.paced.samples.length + e.flood.samples.length,
    expected: 4 * EMULATOR_N,
  };
}

async function main(): Promise<void> {
  console.log(
    `bus bench${QUICK ? ' (--quick)' : ''}: flood ${FLOOD_N} messages (2 hops each), paced ${PACED_RATES.join(' and ')}/s for ${PACED_SECONDS} s each; load ${load()}`,
  );
  const embeddedFigures = await embedded();
  const durabilityFigures = await durability();
  const emulatorFigures = await emulators();
  printSummary('bus', {
    target: TARGET,
    embedded: embeddedFigures,
    durability: durabilityFigures,
    emulators: emulatorFigures,
  });
}

await main();
