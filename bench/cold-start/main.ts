/**
 * Cold-start benchmark: for each of the four functions, in a fresh Node process, the time and
 * memory to import its module and handle a first event: (a) the TypeScript sources via tsx and
 * (b) the built JS in dist/ (the deployed artifact, after `npm run build`); on the local backend
 * (SQLite in a temp dir) and, with gcloud, on the gcp backend against the emulators, which shows
 * what the lazily loaded SDKs cost. For reference: eagerly importing the five Google Cloud clients.
 * Run: npx tsx bench/cold-start/main.ts [--quick]   (--quick: one run each, reuses an existing dist/)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite.state-store.js';
import { loadConfig, requiredGcpEnv } from '../../shared/config.js';
import { entryPointOf, FUNCTION_NAMES, TOPICS, type FunctionName } from '../../shared/domain/topics.js';
import { hasGcloud, startEmulator, type BenchEmulator } from '../support/emulators.js';
import { load, mib, percentile, printSummary, printTable, QUICK, round, skipped, verdict } from '../support/report.js';
import { coldStart, eagerImport, REPO, type ColdFigures, type ModuleSet } from './cold-process.js';
import { EXPECTED_OUTCOME, firstEvent, seedState } from './first-events.js';

const REPS = QUICK ? 1 : 3;
const TARGET_MS = 300;
const PROJECT = 'demo';
const GCP_CLIENTS = ['@google-cloud/pubsub', '@google-cloud/firestore', '@google-cloud/aiplatform', '@google-cloud/bigquery', '@google-cloud/monitoring'];

const SOURCE: ModuleSet = { label: 'tsx source', nodeFlags: ['--import', 'tsx'], file: (p) => pathToFileURL(join(REPO, `${p}.ts`)).href };
const DIST: ModuleSet = { label: 'dist JS', nodeFlags: [], file: (p) => pathToFileURL(join(REPO, 'dist', `${p}.js`)).href };

type Row = (string | number)[];
interface Measured { fn: string; variant: string; backend: string; figures?: ColdFigures; error?: string }

/** Median run (by import + first event) of `reps` cold starts. */
async function median(reps: number, once: (rep: number) => Promise<ColdFigures>): Promise<ColdFigures> {
  const runs: ColdFigures[] = [];
  for (let rep = 0; rep < reps; rep++) runs.push(await once(rep));
  const mid = percentile(runs.map((r) => r.scriptMs), 50);
  return runs.find((r) => r.scriptMs === mid) as ColdFigures;
}

async function measure(list: Measured[], fn: string, variant: string, backend: string, once: (rep: number) => Promise<ColdFigures>): Promise<void> {
  try {
    const figures = await median(REPS, once);
    list.push({ fn, variant, backend, figures });
    console.log(`  ${fn} ${variant} ${backend}: ${Math.round(figures.scriptMs)} ms (import ${Math.round(figures.importMs)} + first event ${Math.round(figures.firstEventMs)}), rss ${mib(figures.rss)} MB, ${figures.outcome}; load ${load()}`);
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
          return await coldStart(modules, fn, entryPointOf(fn), firstEvent(fn, 'ipo-valuation', 'local'), { IPO_BACKEND: 'local', IPO_DATA_DIR: dir, LOG_LEVEL: 'WARNING' });
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
  try {
    const results = await Promise.allSettled([startEmulator('pubsub'), startEmulator('firestore')]);
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    const [pubsub, firestore] = started;
    Object.assign(process.env, { PUBSUB_EMULATOR_HOST: pubsub.host, FIRESTORE_EMULATOR_HOST: firestore.host, METADATA_SERVER_DETECTION: 'none' });
    const { PubSub } = await import('@google-cloud/pubsub');
    const admin = new PubSub({ projectId: PROJECT });
    await Promise.all(TOPICS.map((t) => admin.createTopic(t)));
    await admin.close();
    const { FirestoreStateStore } = await import('../../shared/adapters/gcp/firestore.state-store.js');
    const seeder = new FirestoreStateStore({ projectId: PROJECT });
    let model = 0;
    for (const fn of FUNCTION_NAMES) {
      const problem = perFunctionEnvProblem(fn);
      if (problem) throw new Error(`${fn} with only requiredGcpEnv('${fn}') and FUNCTION_TARGET (what Terraform and the runtime set) fails loadConfig: ${problem}`);
      for (const modules of [DIST, SOURCE]) {
        await measure(list, fn, modules.label, 'gcp emulators', async () => {
          const modelId = `cold-${model++}`;
          await seedState(seeder, modelId);
          return coldStart(modules, fn, entryPointOf(fn), firstEvent(fn, modelId, PROJECT), gcpEnv(fn));
        });
      }
    }
    await seeder.close();
  } catch (err) {
    console.log(`  !!!!! gcp backend part FAILED: ${(err as Error).message}`);
  } finally {
    await Promise.all(started.map((e) => e.stop()));
  }
}

/**
 * A deployed function's environment on the emulators: emulator hosts, FUNCTION_TARGET (set by the
 * runtime) and dummy values for exactly the variables `requiredGcpEnv(fn)` lists (what Terraform sets).
 */
function gcpEnv(fn: FunctionName): Record<string, string> {
  const dummy: Record<string, string> = {
    IPO_BACKEND: 'gcp', GCP_PROJECT: PROJECT, GCP_REGION: 'us-central1', FIRESTORE_DATABASE: '(default)', ARTIFACT_BUCKET: 'bench-artifacts',
    LANDING_BUCKET: 'bench-landing', PIPELINE_SERVICE_ACCOUNT: 'pipelines@demo.iam.gserviceaccount.com', TRAINER_IMAGE: 'us-docker.pkg.dev/demo/trainer:bench',
    BIGQUERY_DATASET: 'bench', VERTEX_ENDPOINT_ID: '1234567890', WEBHOOK_TOKEN_SECRET: 'projects/demo/secrets/webhook-token/versions/1',
  };
  const env: Record<string, string> = { LOG_LEVEL: 'WARNING', METADATA_SERVER_DETECTION: 'none', FUNCTION_TARGET: entryPointOf(fn), FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST ?? '', PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST ?? '' };
  for (const name of requiredGcpEnv(fn)) {
    if (dummy[name] === undefined) throw new Error(`no dummy value for ${name} (required on gcp)`);
    env[name] = dummy[name];
  }
  return env;
}

/** Whether loadConfig accepts a function's own `requiredGcpEnv(fn)` keys and FUNCTION_TARGET (what it gets deployed); the first problem if not. */
function perFunctionEnvProblem(fn: FunctionName): string | undefined {
  try {
    loadConfig(gcpEnv(fn));
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/\s+/g, ' ').slice(0, 160);
  }
}

async function main(): Promise<void> {
  console.log(`cold-start bench${QUICK ? ' (--quick)' : ''}: ${REPS} fresh process(es) per cell, median shown; load ${load()}`);
  console.log(`  ${build()}`);
  const list: Measured[] = [];
  await measure(list, 'reference', 'eager 5 GCP clients', '-', () => eagerImport(GCP_CLIENTS));
  await measure(list, 'reference', 'dist/functions/index.js', 'import only', () => eagerImport([DIST.file('functions/index')]));
  await local(list);
  await gcp(list);

  const rows: Row[] = list.map((m) => m.figures
    ? [m.fn, m.variant, m.backend, Math.round(m.figures.importMs), Math.round(m.figures.firstEventMs), Math.round(m.figures.scriptMs), Math.round(m.figures.sinceStartMs),
      mib(m.figures.rss), mib(m.figures.heapUsed), m.figures.outcome, m.fn in EXPECTED_OUTCOME ? verdict(m.figures.scriptMs <= TARGET_MS) : '']
    : [m.fn, m.variant, m.backend, '-', '-', '-', '-', '-', '-', `FAILED: ${(m.error ?? '').slice(0, 80)}`, '']);
  console.log(`\ncold start per function (ms; "total" = import + first event, the ${TARGET_MS} ms target; "since start" adds Node bootstrap)`);
  printTable(['function', 'variant', 'backend', 'import', 'first event', 'total', 'since start', 'RSS MB', 'heap MB', 'decision', `≤ ${TARGET_MS} ms`], rows);
  const wrong = list.filter((m) => m.figures && m.fn in EXPECTED_OUTCOME && m.figures.outcome !== EXPECTED_OUTCOME[m.fn as FunctionName]);
  for (const m of wrong) console.log(`  !!!!! ${m.fn} ${m.variant} ${m.backend}: decision "${m.figures?.outcome}", expected "${EXPECTED_OUTCOME[m.fn as FunctionName]}"`);

  const summary: Record<string, unknown> = {};
  for (const m of list) {
    summary[`${m.fn} | ${m.variant} | ${m.backend}`] = m.figures ? { totalMs: round(m.figures.scriptMs, 0), rssMb: mib(m.figures.rss) } : 'failed';
  }
  const dist = list.filter((m) => m.variant === DIST.label && m.fn in EXPECTED_OUTCOME);
  printSummary('cold-start', { targetMs: TARGET_MS, distAllMet: dist.length > 0 && dist.every((m) => m.figures !== undefined && m.figures.scriptMs <= TARGET_MS), results: summary });
}

await main();
