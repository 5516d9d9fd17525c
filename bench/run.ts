/**
 * `npm run bench [-- NAME ... [--quick]]`: run every `bench/<name>/main.ts` (or only the named ones)
 * in sequence, each in its own `npx tsx` child so one bench's heap and JIT state never colour
 * another's, streaming their output; then a summary. Exit code 0 unless a bench crashed.
 * Benches print figures and never fail on a missed target.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAverages, printTable } from './support/report.js';

const root = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const available = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'main.ts')))
  .map((d) => d.name)
  .sort();

/** Smaller sizes for benches that take them from the environment rather than `--quick`. */
const QUICK_ENV: Record<string, Record<string, string>> = {
  drift: { BENCH_ROWS: '100000', BENCH_BASELINE_ROWS: '20000' },
  abtest: { BENCH_ROWS: '100000', BENCH_RESAMPLES: '50' },
};

interface Outcome {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  summary?: string;
}

function runOne(name: string): Promise<Outcome> {
  const started = performance.now();
  const env = { ...process.env, ...(quick ? { BENCH_QUICK: '1', ...QUICK_ENV[name] } : {}) };
  const child = spawn('npx', ['tsx', join(root, name, 'main.ts'), ...(quick ? ['--quick'] : [])], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let summary: string | undefined;
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('BENCH_SUMMARY ')) summary = line.slice('BENCH_SUMMARY '.length);
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) =>
      resolve({ name, code, signal, seconds: (performance.now() - started) / 1000, ...(summary ? { summary } : {}) }),
    );
  });
}

async function main(): Promise<number> {
  const named = args.filter((a) => !a.startsWith('--'));
  const unknown = named.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    console.error(`unknown bench(es): ${unknown.join(', ')}; available: ${available.join(', ')}`);
    return 2;
  }
  const selected = named.length > 0 ? named : available;
  console.log(`benches: ${selected.join(', ')}${quick ? ' (--quick)' : ''}; load average ${loadAverages().join(' ')}`);
  const outcomes: Outcome[] = [];
  for (const name of selected) {
    console.log(`\n===== bench/${name} =====`);
    outcomes.push(await runOne(name));
  }
  console.log('\n===== summary =====');
  printTable(
    ['bench', 'status', 'seconds'],
    outcomes.map((o) => [
      o.name,
      o.code === 0 ? 'ok' : `CRASHED (${o.signal ?? `exit ${o.code}`})`,
      o.seconds.toFixed(1),
    ]),
  );
  for (const o of outcomes) if (o.summary) console.log(`  ${o.name}: ${o.summary}`);
  console.log(`load average at the end: ${loadAverages().join(' ')}`);
  return outcomes.some((o) => o.code !== 0) ? 1 : 0;
}

process.exitCode = await main();
