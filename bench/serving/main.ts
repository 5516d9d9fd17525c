/**
 * Serving container benchmark: the container's predict route (its entry point in a child process, a
 * tiny real model on file://), with the prediction log off and on (streamed to a fake BigQuery in
 * this process, batches of 500 every second). Prints requests/s, client-side p50/p99 latency, the
 * container's RSS, and for logging on what reached BigQuery after SIGTERM.
 * Run: npx tsx bench/serving/main.ts [--quick]   (BENCH_REQUESTS, BENCH_CONCURRENCY to resize)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore } from '../../shared/adapters/local/fs.artifact-store.js';
import { startFakeBigQuery, type FakeBigQuery } from '../../test/support/fake-bigquery.js';
import { eventually, spawnContainer, trainTinyModel } from '../../test/serving/container-process.js';
import { load, mib, p50p99, printSummary, printTable, QUICK, round } from '../support/report.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? (QUICK ? 1000 : 5000));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WARMUP = 200;
const ROUNDS = QUICK ? 1 : 2;

interface Figures {
  mode: string;
  rps: number;
  p50: number;
  p99: number;
  rssMiB: number;
  logged?: number;
  batches?: number;
}

/** The container's resident set size, from /proc (Linux). */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

async function drive(url: string, bodies: string[], count: number): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const started = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bodies[i % bodies.length],
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`predict answered ${res.status}`);
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return latencies;
}

async function run(mode: 'off' | 'bigquery', storageUri: string, bodies: string[], bq: FakeBigQuery): Promise<Figures> {
  const container = await spawnContainer({
    AIP_STORAGE_URI: storageUri,
    AIP_PREDICT_ROUTE: '/predict',
    AIP_HEALTH_ROUTE: '/health',
    IPO_PREDICTION_LOG: mode,
    IPO_MODEL_VERSION: '1.0.0',
    GCP_PROJECT: 'bench',
    BIGQUERY_DATASET: 'ds',
    IPO_BIGQUERY_API_ENDPOINT: bq.url,
  });
  await eventually(async () => {
    if ((await fetch(`${container.url}/health`)).status !== 200) throw new Error('not ready');
  }, 60_000);
  const url = `${container.url}/predict`;
  await drive(url, bodies, WARMUP);
  const started = performance.now();
  const latencies = await drive(url, bodies, REQUESTS);
  const seconds = (performance.now() - started) / 1000;
  const rss = rssOf(container.child.pid as number);
  container.child.kill('SIGTERM');
  await container.exited;
  const { p50, p99 } = p50p99(latencies);
  const figures: Figures = { mode, rps: round(REQUESTS / seconds, 0), p50, p99, rssMiB: mib(rss) };
  if (mode === 'bigquery') {
    figures.logged = bq.rows('prediction_log').length;
    figures.batches = bq.inserts.filter((c) => c.status === 200).length;
  }
  console.log(
    `  logging ${mode.padEnd(8)} ${figures.rps} req/s, p50 ${p50} ms, p99 ${p99} ms, container RSS ${figures.rssMiB} MiB (load ${load()})`,
  );
  return figures;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ipo-bench-serving-'));
  const bq = await startFakeBigQuery();
  try {
    const store = new FsArtifactStore(dir);
    const panel = await trainTinyModel(store, store.uri('panel.csv'), store.uri('model'));
    // One instance per request (the common online case), cycling through real rows.
    const bodies = panel.slice(0, 200).map((row) => JSON.stringify({ instances: [row] }));
    console.log(
      `serving bench: ${REQUESTS} predict requests (1 instance each) after ${WARMUP} warm-up, ${CONCURRENCY} concurrent, keep-alive; load ${load()}`,
    );
    // Modes alternate over the rounds so a burst of load from other processes does not favour one of them.
    const runs: Figures[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      runs.push(await run('off', store.uri('model'), bodies, bq));
      bq.reset();
      runs.push(await run('bigquery', store.uri('model'), bodies, bq));
    }
    printTable(
      ['prediction log', 'req/s', 'p50 ms', 'p99 ms', 'RSS MiB', 'rows in BigQuery (incl. warm-up)', 'insert batches'],
      runs.map((f) => [f.mode, f.rps, f.p50, f.p99, f.rssMiB, f.logged ?? '-', f.batches ?? '-']),
    );
    const best = (mode: string) => runs.filter((f) => f.mode === mode).sort((a, b) => b.rps - a.rps)[0];
    const [off, on] = [best('off'), best('bigquery')];
    console.log(
      `  best of ${ROUNDS}: logging costs ${round((1 - on.rps / off.rps) * 100, 1)} % throughput, ${round(on.p99 - off.p99)} ms at p99; every logged prediction reached BigQuery: ${runs.every((f) => f.logged === undefined || f.logged === REQUESTS + WARMUP)}`,
    );
    printSummary('serving', { requests: REQUESTS, concurrency: CONCURRENCY, off, on });
  } finally {
    await bq.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
