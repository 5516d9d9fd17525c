/**
 * The gcloud Pub/Sub and Firestore emulators for benches, on free ports, each in its own process
 * group (gcloud + Java) that `stop` kills as a whole. The vitest-free helpers (gcloud on PATH, free
 * port, push sink) are shared with the test harness through test/support/gcloud-tools.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/gcloud-tools.js';

export { hasGcloud, startPushSink, type PushSink } from '../../test/support/gcloud-tools.js';

/** A running emulator; `host` is the value of its SDK env var. */
export interface BenchEmulator {
  host: string;
  startMs: number;
  stop(): Promise<void>;
}

/** Which emulators exist. */
export const EMULATORS = {
  pubsub: {
    env: 'PUBSUB_EMULATOR_HOST',
    args: (hp: string, dir: string) => [
      'beta',
      'emulators',
      'pubsub',
      'start',
      `--host-port=${hp}`,
      `--data-dir=${dir}`,
      '--quiet',
    ],
  },
  firestore: {
    env: 'FIRESTORE_EMULATOR_HOST',
    args: (hp: string) => ['emulators', 'firestore', 'start', `--host-port=${hp}`, '--quiet'],
  },
} as const;

/** Start an emulator; does not touch this process's environment (callers pass `host` on). */
export async function startEmulator(kind: keyof typeof EMULATORS): Promise<BenchEmulator> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'ipo-bench-emulator-'));
  const started = Date.now();
  const child = spawn('gcloud', EMULATORS[kind].args(host, dir), { detached: true, stdio: 'ignore' });
  const kill = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // group already gone
    }
  };
  const onExit = (): void => kill('SIGKILL');
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    kill('SIGTERM');
    for (let i = 0; i < 50 && groupAlive(child); i++) await sleep(100);
    if (groupAlive(child)) kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 90_000; ;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${kind} emulator exited early (${child.exitCode})`);
    }
    try {
      if ((await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${kind} emulator did not answer within 90 s`);
    }
    await sleep(250);
  }
  return { host, startMs: Date.now() - started, stop };
}

function groupAlive(child: ChildProcess): boolean {
  try {
    if (child.pid === undefined) return false;
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
