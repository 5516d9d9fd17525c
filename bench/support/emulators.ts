/**
 * The gcloud Pub/Sub and Firestore emulators for benches, on free ports, each in its own process
 * group (gcloud + Java) that `stop` kills as a whole. test/support/emulators.ts does the same for
 * tests but imports vitest at load, which fails outside the test runner, hence this small twin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';

/** A running emulator; `host` is the value of its SDK env var. */
export interface BenchEmulator {
  host: string;
  startMs: number;
  stop(): Promise<void>;
}

/** Which emulators exist. */
export const EMULATORS = {
  pubsub: { env: 'PUBSUB_EMULATOR_HOST', args: (hp: string, dir: string) => ['beta', 'emulators', 'pubsub', 'start', `--host-port=${hp}`, `--data-dir=${dir}`, '--quiet'] },
  firestore: { env: 'FIRESTORE_EMULATOR_HOST', args: (hp: string) => ['emulators', 'firestore', 'start', `--host-port=${hp}`, '--quiet'] },
} as const;

/** Whether `gcloud` is on PATH (and IPO_SKIP_EMULATORS is not 1). */
export function hasGcloud(): boolean {
  if (process.env.IPO_SKIP_EMULATORS === '1') return false;
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, 'gcloud'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

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

/** A functions-framework server on 127.0.0.1 that a Pub/Sub push subscription delivers to. */
export interface PushSink {
  endpoint(projectId: string, topic: string): string;
  close(): Promise<void>;
}

/** Serve `handler` as a cloudEvent function through the framework's own middleware (raw push body -> CloudEvent). */
export async function startPushSink(name: string, handler: (event: functions.CloudEvent<unknown>) => Promise<void>): Promise<PushSink> {
  functions.cloudEvent(name, handler);
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: (projectId, topic) => `http://127.0.0.1:${port}/projects/${projectId}/topics/${topic}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
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
