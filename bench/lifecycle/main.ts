/**
 * Lifecycle benchmark: per-function event-to-decision latency on the embedded stack with training
 * faked (target p99 ≤ 20 ms), then the time from a CSV landing to a new version serving with real
 * training on the default sample data, with that version's R².
 * Run: npx tsx bench/lifecycle/main.ts [--quick]   (--quick: fewer cycles; training is never shortened)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUNCTION_NAMES } from '../../shared/domain/topics.js';
import { load, p50p99, printSummary, printTable, QUICK, round, verdict } from '../support/report.js';
import { measureDecisions } from './decisions.js';
import { landToServing } from './end-to-end.js';

const CYCLES = QUICK ? 40 : 250;
const WARMUP_CYCLES = 5;
const TARGET_P99_MS = 20;
const E2E_TIMEOUT_MS = 170_000;

async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ipo-bench-lifecycle-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(
    `lifecycle bench${QUICK ? ' (--quick)' : ''}: ${CYCLES} cycles (after ${WARMUP_CYCLES} unmeasured) with training faked; then CSV landing -> serving with real training; load ${load()}`,
  );
  const d = await inTempDir((dir) => measureDecisions(dir, CYCLES, WARMUP_CYCLES));
  const perFunction: Record<string, unknown> = {};
  const rows = FUNCTION_NAMES.map((fn) => {
    const lat = p50p99(d.latency[fn]);
    const handler = p50p99(d.handler[fn]);
    perFunction[fn] = { events: d.latency[fn].length, p50Ms: lat.p50, p99Ms: lat.p99 };
    const decisions = Object.entries(d.decisions[fn] ?? {})
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    return [
      fn,
      d.latency[fn].length,
      lat.p50,
      lat.p99,
      handler.p50,
      handler.p99,
      verdict(lat.p99 <= TARGET_P99_MS),
      decisions,
      load(),
    ];
  });
  console.log(
    `\nevent -> decision per function (ms; publish -> handler done with its outbox sent; ${d.cycles} cycles in ${d.seconds.toFixed(1)} s)`,
  );
  printTable(
    [
      'function',
      'events',
      'p50',
      'p99',
      'handler p50',
      'handler p99',
      `p99 ≤ ${TARGET_P99_MS}`,
      'decisions (ledger, incl. warm-up)',
      'load',
    ],
    rows,
  );

  // Real training with the default hyperparameters even with --quick: fewer epochs lose to the ridge baseline at the gate.
  console.log('\nCSV landing -> new version serving (real training, default hyperparameters)');
  const e = await inTempDir((dir) => landToServing(dir, E2E_TIMEOUT_MS));
  if (e.rejectedBecause !== undefined) {
    console.log(
      `  !!!!! the gate rejected v${e.version} after ${e.seconds.toFixed(1)} s (R² ${round(e.r2 ?? Number.NaN, 4)}): ${e.rejectedBecause}; load ${load()}`,
    );
  } else if (e.timedOut) {
    console.log(
      `  !!!!! no version was serving after ${E2E_TIMEOUT_MS / 1000} s (${e.rows} rows landed); load ${load()}`,
    );
  } else {
    console.log(
      `  ${e.rows} rows landed -> v${e.version} serving ${JSON.stringify(e.split)} in ${e.seconds.toFixed(1)} s ` +
        `(run created -> finished ${e.trainingSeconds?.toFixed(1) ?? '?'} s); R² ${round(e.r2 ?? Number.NaN, 4)}, MAPE ${round(e.mape ?? Number.NaN, 2)}%; load ${load()}`,
    );
  }
  printSummary('lifecycle', {
    targetP99Ms: TARGET_P99_MS,
    allMet: Object.values(perFunction).every((f) => (f as { p99Ms: number }).p99Ms <= TARGET_P99_MS),
    perFunction,
    landingToServing: {
      seconds: round(e.seconds, 1),
      trainingSeconds: e.trainingSeconds === undefined ? null : round(e.trainingSeconds, 1),
      version: e.version ?? null,
      r2: e.r2 === undefined ? null : round(e.r2, 4),
      rows: e.rows,
      served: !e.timedOut && e.rejectedBecause === undefined,
    },
  });
}

await main();
