/**
 * Vitest-free helpers to run the serving container as Vertex AI would, shared by its tests and the
 * serving bench: train a tiny real model into an artifact store, and spawn the container's entry
 * point (shared/composition/serving.ts through tsx) with a given environment, reading the port from
 * its first log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../../shared/ml/csv.js';
import { runPipeline } from '../../shared/ml/pipeline.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import type { ArtifactStore } from '../../shared/ports/artifact-store.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const START_TIMEOUT_MS = 30_000;

/** A tiny panel, enough for the pipeline's quality-free run: 40 companies x 12 quarters. */
export const TINY_PANEL = { companies: 40, quarters: 12, seed: 11 } as const;

/** Train a small real model under `artifactUri` (data written next to it); resolves with the panel's rows as records. */
export async function trainTinyModel(
  store: ArtifactStore,
  dataUri: string,
  artifactUri: string,
): Promise<Record<string, string>[]> {
  const csv = generateSampleCsv(TINY_PANEL);
  await store.write(dataUri, csv);
  await runPipeline(
    {
      runId: 'serving-test',
      modelId: 'ipo-valuation',
      correlationId: 'c',
      dataUri,
      artifactUri,
      seed: 3,
      hyperparameters: { epochs: 4, batchSize: 128, learningRate: 0.003, patience: 2 },
    },
    { store },
  );
  const table = parseCsv(csv);
  return table.rows.map((r) => Object.fromEntries(table.header.map((h, j) => [h, r[j]])));
}

/** One JSON log line of the container. */
export type LogLine = Record<string, unknown> & { severity: string; message: string };

/** A running container process. */
export interface ContainerProcess {
  child: ChildProcess;
  url: string;
  /** Parsed JSON lines of stdout so far. */
  lines: LogLine[];
  /** Everything written to stderr. */
  stderr: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Spawn the container with `env` over the current environment; resolves once it listens (or rejects if it exits first). */
export async function spawnContainer(env: Record<string, string>): Promise<ContainerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'shared/composition/serving.ts'], {
    cwd: root,
    env: { ...process.env, AIP_HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stderr = '';
  let pending = '';
  child.stderr?.on('data', (c: Buffer) => void (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const parts = (pending + chunk.toString('utf8')).split('\n');
      pending = parts.pop() ?? '';
      for (const text of parts.filter((p) => p.trim() !== '')) {
        const line = JSON.parse(text) as LogLine;
        lines.push(line);
        if (typeof line.port === 'number') resolve(line.port);
      }
    });
    void exited.then((code) =>
      reject(
        new Error(`container exited (${code}) before listening: ${stderr}${lines.map((l) => l.message).join('\n')}`),
      ),
    );
    // The port comes from the INFO start line: a LOG_LEVEL above INFO would hide it.
    setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `container did not report its port within ${START_TIMEOUT_MS} ms (LOG_LEVEL must allow INFO): ${stderr}`,
        ),
      );
    }, START_TIMEOUT_MS).unref();
  });
  const process_: ContainerProcess = { child, url: '', lines, stderr: () => stderr, exited };
  process_.url = `http://127.0.0.1:${await port}`;
  return process_;
}

/** Poll `check` until it stops throwing (or `timeoutMs` passes, rethrowing its last error). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}
