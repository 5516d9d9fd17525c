/**
 * Start and stop the gcloud Pub/Sub and Firestore emulators for a test file, on free ports.
 * Each emulator is a gcloud (python) process with a Java child; both run in their own process group,
 * so stopping kills the whole group. Start each emulator once per test file (they are Java: slow, hungry).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, type RunnerTask } from 'vitest';
import { freePort, hasGcloud } from './gcloud-tools.js';

export { freePort, hasGcloud, startPushSink, type PushSink } from './gcloud-tools.js';

/** A running emulator. */
export interface Emulator {
  /** `127.0.0.1:PORT`, the value of the SDK's emulator env var. */
  host: string;
  port: number;
  /** Milliseconds from spawn until the emulator answered. */
  startMs: number;
  /** Stop the emulator (whole process group) and restore the env var. */
  stop(): Promise<void>;
}

/** Which emulator to run. */
interface EmulatorSpec {
  name: string;
  args: (hostPort: string, dataDir: string) => string[];
  envVar: 'PUBSUB_EMULATOR_HOST' | 'FIRESTORE_EMULATOR_HOST';
}

const PUBSUB: EmulatorSpec = {
  name: 'Pub/Sub',
  args: (hp, dir) => ['beta', 'emulators', 'pubsub', 'start', `--host-port=${hp}`, `--data-dir=${dir}`, '--quiet'],
  envVar: 'PUBSUB_EMULATOR_HOST',
};

const FIRESTORE: EmulatorSpec = {
  name: 'Firestore',
  args: (hp) => ['emulators', 'firestore', 'start', `--host-port=${hp}`, '--quiet'],
  envVar: 'FIRESTORE_EMULATOR_HOST',
};

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

/** Why the emulator suites are skipped, for the SKIPPED line. */
export function skipReason(): string {
  return process.env.IPO_SKIP_EMULATORS === '1' ? 'IPO_SKIP_EMULATORS=1' : 'gcloud not found';
}

/**
 * When the emulators are unavailable, print one loud line after the file ran:
 * `SKIPPED: 14 Firestore emulator tests (gcloud not found)`. Vitest runs file hooks only when some
 * test in the file runs, so each emulator file keeps at least one test that needs no emulator.
 */
export function announceSkippedEmulatorTests(what: string): void {
  afterAll((file) => {
    if (hasGcloud()) return;
    console.warn(`SKIPPED: ${String(countSkipped(file))} ${what} tests (${skipReason()})`);
  });
}

function countSkipped(task: RunnerTask): number {
  if (task.type === 'suite') return task.tasks.reduce((n, child) => n + countSkipped(child), 0);
  return task.mode === 'skip' ? 1 : 0;
}

/**
 * In a fresh Node process, import a GCP adapter, construct one and close it unused, then start one
 * call on another (`use`, an expression over `adapter`); returns how many modules of `@google-cloud/<sdk>` were
 * loaded after close and after the call. It checks that adapters keep the SDK off the cold-start
 * path, and needs no emulator (the SDK points at a closed port).
 */
export async function sdkModulesLoaded(
  adapterFile: string,
  className: string,
  sdk: string,
  use: string,
): Promise<{ afterClose: number; afterUse: number }> {
  const adapter = fileURLToPath(new URL(`../../shared/adapters/gcp/${adapterFile}`, import.meta.url));
  const script = `
    import { createRequire } from 'node:module';
    const mod = await import(${JSON.stringify(adapter)});
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('@google-cloud/${sdk}/')).length;
    const unused = new mod.${className}({ projectId: 'demo-lazy' });
    await unused.close();
    const afterClose = loaded();
    const adapter = new mod.${className}({ projectId: 'demo-lazy' });
    (${use}).catch(() => undefined);
    for (let i = 0; i < 200 && loaded() === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
    console.log(JSON.stringify({ afterClose, afterUse: loaded() }));
    process.exit(0);`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      env: { ...process.env, PUBSUB_EMULATOR_HOST: '127.0.0.1:9', FIRESTORE_EMULATOR_HOST: '127.0.0.1:9' },
      timeout: 60_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { afterClose: number; afterUse: number };
}

/** Start the Pub/Sub emulator and set PUBSUB_EMULATOR_HOST for this process. */
export function startPubSubEmulator(): Promise<Emulator> {
  return startEmulator(PUBSUB);
}

/** Start the Firestore emulator and set FIRESTORE_EMULATOR_HOST for this process. */
export function startFirestoreEmulator(): Promise<Emulator> {
  return startEmulator(FIRESTORE);
}

async function startEmulator(spec: EmulatorSpec): Promise<Emulator> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'ipo-emulator-'));
  const started = Date.now();
  const child = spawn('gcloud', spec.args(host, dataDir), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  // If the test process dies without afterAll, do not leave a Java process behind.
  const onExit = (): void => killGroup(child, 'SIGKILL');
  process.once('exit', onExit);

  const cleanup = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    await stopGroup(child);
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(`http://${host}/`, child, () => log);
  } catch (err) {
    await cleanup();
    throw new Error(`${spec.name} emulator did not start: ${err instanceof Error ? err.message : String(err)}\n${log}`);
  }

  // No credentials are needed; skipping the GCE metadata probe silences MetadataLookupWarning.
  const restoreEnv = setEnv({
    [spec.envVar]: host,
    METADATA_SERVER_DETECTION: process.env.METADATA_SERVER_DETECTION ?? 'none',
  });
  return {
    host,
    port,
    startMs: Date.now() - started,
    async stop() {
      restoreEnv();
      await cleanup();
    },
  };
}

/** Set env vars for the SDKs in this process; returns a function that restores the previous values. */
function setEnv(vars: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

async function waitUntilReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`gcloud exited early (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`no answer on ${url} within ${READY_TIMEOUT_MS} ms; last output:\n${log()}`);
}

/** SIGTERM the group (gcloud, its shell wrapper and Java), then SIGKILL whatever is left after a grace period. */
async function stopGroup(child: ChildProcess): Promise<void> {
  killGroup(child, 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (groupAlive(child) && Date.now() < deadline) await sleep(100);
  if (groupAlive(child)) killGroup(child, 'SIGKILL');
  while (groupAlive(child)) await sleep(50);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // group already gone
  }
}

function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
