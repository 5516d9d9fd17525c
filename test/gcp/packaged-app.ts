/**
 * The functions as Terraform deploys them: compiled with tsconfig.build.json, zipped by the same
 * createArchive as `npm run package:functions`, unzipped into a fresh directory (only what the archive
 * holds, plus the dependencies the buildpack would install), and served by the functions-framework
 * CLI, one process per entry point, like Cloud Run runs one container per function.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createArchive, readZip } from '../../scripts/package-functions.js';
import { freePort } from '../support/gcloud-tools.js';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** An unpacked function source archive. */
export interface PackagedApp {
  dir: string;
  files: string[];
  md5: string;
  remove(): void;
}

/** Build, archive and unpack the functions; the archive is what Terraform would upload. */
export async function packageApp(): Promise<PackagedApp> {
  const work = mkdtempSync(join(tmpdir(), 'ipo-packaged-'));
  const root = join(work, 'build');
  mkdirSync(root);
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(REPO, f), join(root, f));
  await promisify(execFile)(
    process.execPath,
    [
      join(REPO, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(REPO, 'tsconfig.build.json'),
      '--outDir',
      join(root, 'dist'),
    ],
    { cwd: REPO, maxBuffer: 16 << 20 },
  ).catch((err: Error & { stdout?: string }) => {
    throw new Error(`tsc -p tsconfig.build.json failed: ${err.stdout ?? err.message}`);
  });
  const { zip, files, md5 } = createArchive(root);
  const dir = join(work, 'app');
  for (const entry of readZip(zip)) {
    mkdirSync(dirname(join(dir, entry.name)), { recursive: true });
    writeFileSync(join(dir, entry.name), entry.data);
  }
  // The buildpack runs `npm ci` from the archive's package-lock.json; the repository's install is that.
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, files, md5, remove: () => rmSync(work, { recursive: true, force: true }) };
}

/** A function served by functions-framework. */
export interface ServedFunction {
  target: string;
  port: number;
  url: string;
  /** Every stdout/stderr line so far. */
  lines: string[];
  /** The JSON lines so far (Cloud Logging entries). */
  entries(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Serve `target` from the unpacked app with `env` (and nothing inherited but PATH); resolves once it answers HTTP. */
export async function serveFunction(
  app: PackagedApp,
  target: string,
  env: Record<string, string>,
): Promise<ServedFunction> {
  const port = await freePort();
  const framework = join(app.dir, 'node_modules/@google-cloud/functions-framework/build/src/main.js');
  const child: ChildProcess = spawn(
    process.execPath,
    [framework, `--target=${target}`, `--source=${app.dir}`, `--port=${port}`],
    {
      cwd: app.dir,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', METADATA_SERVER_DETECTION: 'none', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const collect = (chunk: Buffer): void =>
    void lines.push(
      ...chunk
        .toString()
        .split('\n')
        .filter((l) => l.trim() !== ''),
    );
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${target} exited with ${child.exitCode}: ${lines.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`${target} did not listen within 60 s: ${lines.join('\n')}`);
    // A TCP connect, not an HTTP request: a bodiless GET on a CloudEvent function makes the framework log a TypeError.
    if (await listening(port)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    target,
    port,
    url,
    lines,
    entries: () =>
      lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Poll `probe` until it returns a value (not undefined), or fail naming `what` with `context()`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  context: () => string = () => '',
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
