/**
 * Cold-start benchmark: for each of the four functions, in a fresh Node process, the time and
 * memory to import its module and handle a first event: (a) the TypeScript sources via tsx and
 * (b) the built JS in dist/ (the deployed artifact, after `npm run build`); on the local backend
 * (SQLite in a temp dir) and, with gcloud, on the gcp backend against the emulators, which shows
 * what the lazily loaded SDKs cost; each gcp cold process gets exactly the environment terraform/ gives
 * the function (HCL parsed, secrets mounted), plus the emulator hosts. For reference: eagerly importing the five Google Cloud clients.
 * Run: npx tsx bench/cold-start/main.ts [--quick]   (--quick: one run each, reuses an existing dist/)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite.state-store.js';
import { entryPointOf, FUNCTION_NAMES, TOPICS, type FunctionName } from '../../shared/domain/topics.js';
import { hasGcloud, startEmulator, type BenchEmulator } from '../support/emulators.js';
import { load, mib, percentile, printSummary, printTable, QUICK, round, skipped, verdict } from '../support/report.js';
import { terraformEnv, DEMO } from '../../test/gcp/terraform-env.js';
import { coldStart, eagerImport, REPO, type ColdFigures, type ModuleSet } from './cold-process.js';
import { EXPECTED_OUTCOME, firstEvent, seedState, seededRuns } from './first-events.js';
import { startFakeVertex } from '../../test/gcp/fake-vertex.js';

const REPS = QUICK ? 1 : 3;
const TARGET_MS = 300;
const PROJECT = DEMO.project;
const GCP_CLIENTS = [
  '@google-cloud/pubsub',
  '@google-cloud/firestore',
  '@google-cloud/aiplatform',
  '@google-cloud/bigquery',
  '@google-cloud/monitoring',
];

const SOURCE: ModuleSet = {
  label: 'tsx source',
  nodeFlags: ['--import', 'tsx'],
  file: (p) => pathToFileURL(join(REPO, `${p}.ts`)).href,
};
const DIST: ModuleSet = {
  label: 'dist JS',
  nodeFlags: [],
  file: (p) => pathToFileURL(join(REPO, 'dist', `${p}.js`)).href,
};

type Row = (string | number)[];
interface Measured {
  fn: string;
  variant: string;
  backend: string;
  figures?: ColdFigures;
  error?: string;
}

/** Median run (by import + first event) of `reps` cold starts. */
async function median(reps: number, once: (rep: number) => Promise<ColdFigures>): Promise<ColdFigures> {
  const runs: ColdFigures[] = [];
  for (let rep = 0; rep < reps; rep++) runs.push(await once(rep));
  const mid = percentile(
    runs.map((r) => r.scriptMs),
    50,
  );
  return runs.find((r) => r.scriptMs === mid) as ColdFigures;
}

async function measure(
  list: Measured[],
  fn: string,
  variant: string,
  backend: string,
  once: (rep: number) => Promise<ColdFigures>,
): Promise<void> {
  try {
    const figures = await median(REPS, once);
    list.push({ fn, variant, backend, figures });
    console.log(
      `  ${fn} ${variant} ${backend}: ${Math.round(figures.scriptMs)} ms (import ${Math.round(figures.importMs)} + first event ${Math.round(figures.firstEventMs)}), rss ${mib(figures.rss)} MB, ${figures.outcome}; load ${load()}`,
    );
  } catch (err) {
    list.push({ fn, variant, backend, error: (err as Error).message });
    console.log(`  !!!!! ${fn} ${variant} ${backend} FAILED: ${(err as Error).message}`);
  }
}

function build(): string {
  if (QUICK && existsSync(join(REPO, 'dist/functions/on-new-data/index.js'))) return 'reused existing dist/ (--quick)';
  const started = performance.now();
  const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  if (r.status === 0) return `npm run build ok in ${seconds} s`;
  // tsc still emits on type errors; say so loudly and measure what was emitted.
  const errors = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('error TS'));
  return `!!!!! npm run build FAILED in ${seconds} s with ${errors.length} type error(s) (tsc emitted anyway; measuring that output): ${errors.slice(0, 3).join(' | ')}`;
}

async function local(list: Measured[]): Promise<void> {
  for (const fn of FUNCTION_NAMES) {
    for (const modules of [SOURCE, DIST]) {
      await measure(list, fn, modules.label, 'local', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'ipo-bench-cold-'));
        try {
          const store = new SqliteStateStore({ path: join(dir, 'state.db') });
          await seedState(store, 'ipo-valuation');
          await store.close();
          return await coldStart(modules, fn, entryPointOf(fn), firstEvent(fn, 'ipo-valuation', 'local'), {
            IPO_BACKEND: 'local',
            IPO_DATA_DIR: dir,
            LOG_LEVEL: 'WARNING',
          });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }
}

async function gcp(list: Measured[]): Promise<void> {
  if (!hasGcloud()) {
    skipped('cold starts on the gcp backend (emulators)', 'gcloud not found (or IPO_SKIP_EMULATORS=1)');
    return;
  }
  const started: BenchEmulator[] = [];
  // on-eval-complete verifies the completion with Vertex (pipelineJobs.get) on its first event: a fake answers.
  const vertex = await startFakeVertex(PROJECT, DEMO.region, DEMO.endpointId);
  try {
    const results = await Promise.allSettled([startEmulator('pubsub'), startEmulator('firestore')]);
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    const [pubsub, firestore] = started;
    Object.assign(process.env, {
      PUBSUB_EMULATOR_HOST: pubsub.host,
      FIRESTORE_EMULATOR_HOST: firestore.host,
      METADATA_SERVER_DETECTION: 'none',
    });
    const { PubSub } = await import('@google-cloud/pubsub');
    const admin = new PubSub({ projectId: PROJECT });
    await Promise.all(TOPICS.map((t) => admin.createTopic(t)));
    await admin.close();
    const { FirestoreStateStore } = await import('../../shared/adapters/gcp/firestore.state-store.js');
    const seeder = new FirestoreStateStore({ projectId: PROJECT });
    let model = 0;
    for (const fn of FUNCTION_NAMES) {
      const env = { ...(await gcpEnv(fn)), IPO_VERTEX_API_ENDPOINT: vertex.url };
      for (const modules of [DIST, SOURCE]) {
        await measure(list, fn, modules.label, 'gcp emulators', async () => {
          const modelId = `cold-${model++}`;
          await seedState(seeder, modelId);
          for (const run of seededRuns(modelId))
            vertex.jobs.set(run, { id: run, state: 'PIPELINE_STATE_FAILED', parameters: {}, steps: [] });
          return coldStart(modules, fn, entryPointOf(fn), firstEvent(fn, modelId, PROJECT), env);
        });
      }
    }
    await seeder.close();
  } catch (err) {
    console.log(`  !!!!! gcp backend part FAILED: ${(err as Error).message}`);
  } finally {
    await Promise.all([...started.map((e) => e.stop()), vertex.close()]);
  }
}

/** A deployed function's environment (terraform/ parsed, as Cloud Run gives it, secrets mounted) pointed at the emulators. */
async function gcpEnv(fn: FunctionName): Promise<Record<string, string>> {
  return {
    ...(await terraformEnv(entryPointOf(fn))),
    LOG_LEVEL: 'WARNING',
    METADATA_SERVER_DETECTION: 'none',
    FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST ?? '',
    PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST ?? '',
  };
}

/** The deployed artifact (dist JS) per function: local backend next to the gcp backend, the figure issue 10 asks for. */
function printSideBySide(list: Measured[]): void {
  const total = (fn: string, backend: string): number | undefined =>
    list.find((m) => m.fn === fn && m.variant === DIST.label && m.backend === backend)?.figures?.scriptMs;
  const rows: Row[] = FUNCTION_NAMES.map((fn) => {
    const [localMs, gcpMs] = [total(fn, 'local'), total(fn, 'gcp emulators')];
    const cell = (ms: number | undefined): string | number => (ms === undefined ? '-' : Math.round(ms));
    return [
      fn,
      cell(localMs),
      cell(gcpMs),
      localMs !== undefined && gcpMs !== undefined ? Math.round(gcpMs - localMs) : '-',
      gcpMs === undefined ? '-' : verdict(gcpMs <= TARGET_MS),
    ];
  });
  console.log(`\nside by side, dist JS, import + first event (ms)`);
  printTable(['function', 'local (SQLite)', 'gcp (emulators)', 'gcp - local', `gcp ≤ ${TARGET_MS} ms`], rows);
}

async function main(): Promise<void> {
  console.log(
    `cold-start bench${QUICK ? ' (--quick)' : ''}: ${REPS} fresh process(es) per cell, median shown; load ${load()}`,
  );
  console.log(`  ${build()}`);
  const list: Measured[] = [];
  await measure(list, 'reference', 'eager 5 GCP clients', '-', () => eagerImport(GCP_CLIENTS));
  await measure(list, 'reference', 'dist/functions/index.js', 'import only', () =>
    eagerImport([DIST.file('functions/index')]),
  );
  await local(list);
  await gcp(list);

  const rows: Row[] = list.map((m) =>
    m.figures
      ? [
          m.fn,
          m.variant,
          m.backend,
          Math.round(m.figures.importMs),
          Math.round(m.figures.firstEventMs),
          Math.round(m.figures.scriptMs),
          Math.round(m.figures.sinceStartMs),
          mib(m.figures.rss),
          mib(m.figures.heapUsed),
          m.figures.outcome,
          m.fn in EXPECTED_OUTCOME ? verdict(m.figures.scriptMs <= TARGET_MS) : '',
        ]
      : [m.fn, m.variant, m.backend, '-', '-', '-', '-', '-', '-', `FAILED: ${(m.error ?? '').slice(0, 80)}`, ''],
  );
  console.log(
    `\ncold start per function (ms; "total" = import + first event, the ${TARGET_MS} ms target; "since start" adds Node bootstrap)`,
  );
  printTable(
    [
      'function',
      'variant',
      'backend',
      'import',
      'first event',
      'total',
      'since start',
      'RSS MB',
      'heap MB',
      'decision',
      `≤ ${TARGET_MS} ms`,
    ],
    rows,
  );
  printSideBySide(list);
  const wrong = list.filter(
    (m) => m.figures && m.fn in EXPECTED_OUTCOME && m.figures.outcome !== EXPECTED_OUTCOME[m.fn as FunctionName],
  );
  for (const m of wrong)
    console.log(
      `  !!!!! ${m.fn} ${m.variant} ${m.backend}: decision "${m.figures?.outcome}", expected "${EXPECTED_OUTCOME[m.fn as FunctionName]}"`,
    );

  const summary: Record<string, unknown> = {};
  for (const m of list) {
    summary[`${m.fn} | ${m.variant} | ${m.backend}`] = m.figures
      ? { totalMs: round(m.figures.scriptMs, 0), rssMb: mib(m.figures.rss) }
      : 'failed';
  }
  const dist = list.filter((m) => m.variant === DIST.label && m.fn in EXPECTED_OUTCOME);
  printSummary('cold-start', {
    targetMs: TARGET_MS,
    distAllMet: dist.length > 0 && dist.every((m) => m.figures !== undefined && m.figures.scriptMs <= TARGET_MS),
    results: summary,
  });
}

await main();
