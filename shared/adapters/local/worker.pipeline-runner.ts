/**
 * The local PipelineLauncher: each run executes the pipeline steps in a worker thread. Launch is
 * idempotent on the run id; progress and the final PipelineCompletion are delivered through callbacks.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PipelineLaunchRequest, PipelineLauncher, PipelineState, PipelineStatus } from '../../ports/pipeline-launcher.js';
import type { PipelineProgress } from '../../ml/pipeline.js';
import { cancelled, failed, type PipelineCompletion } from '../../ml/pipeline-result.js';
import type { TfBackend } from '../../ml/tf-backend.js';

/** What the worker receives. */
export interface WorkerInput {
  request: PipelineLaunchRequest;
  storeRoot: string;
  backend?: TfBackend;
  codeVersion?: string;
}

/** What the worker posts back. */
export type WorkerMessage = { type: 'progress'; event: PipelineProgress } | { type: 'completion'; completion: PipelineCompletion };

/** Options of the runner. */
export interface WorkerPipelineRunnerOptions {
  /** Called for each step boundary and training epoch. */
  onProgress?: (runId: string, event: PipelineProgress) => void;
  /** Called once per run when it ends, successfully or not. */
  onComplete?: (completion: PipelineCompletion) => void | Promise<void>;
  /** Called when `onComplete` throws or rejects. */
  onCallbackError?: (err: unknown, completion: PipelineCompletion) => void;
  backend?: TfBackend;
  codeVersion?: string;
  /** Runs executed at once; the rest wait in launch order (default 1: training is CPU-bound). */
  concurrency?: number;
  /** Root of the file store used to resolve relative paths (default `/`; URIs are absolute file:// anyway). */
  storeRoot?: string;
}

interface Run {
  request: PipelineLaunchRequest;
  state: PipelineState;
  completion?: Promise<PipelineCompletion>;
  resolve: (c: PipelineCompletion) => void;
  error?: string;
  worker?: Worker;
  cancelRequested?: boolean;
}

// Under tsx/vitest this module is TypeScript, so the worker needs the tsx loader; built JS needs nothing.
// Node 20 does not apply `--import tsx` to a worker's entry module, so the worker registers tsx itself.
const isTs = import.meta.url.endsWith('.ts');
// Resolved by path rather than `new URL(literal, import.meta.url)`, which bundlers rewrite.
const workerPath = path.join(path.dirname(fileURLToPath(import.meta.url)), isTs ? 'pipeline.worker.ts' : 'pipeline.worker.js');
// createRequire, not import.meta.resolve: the latter is missing under vitest's module runner.
// The package's CommonJS build of this API resolves its hooks wrongly, so load the ESM build next to it.
const tsxApi = isTs ? pathToFileURL(path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/esm/api')), 'index.mjs')).href : '';

/** A PipelineLauncher that runs pipelines in worker threads. */
export class WorkerPipelineRunner implements PipelineLauncher {
  private readonly runs = new Map<string, Run>();
  private readonly queue: string[] = [];
  private active = 0;

  constructor(private readonly options: WorkerPipelineRunnerOptions = {}) {}

  async launch(request: PipelineLaunchRequest): Promise<{ jobId: string; alreadyExisted: boolean }> {
    if (this.runs.has(request.runId)) return { jobId: request.runId, alreadyExisted: true };
    let resolve!: (c: PipelineCompletion) => void;
    const completion = new Promise<PipelineCompletion>((r) => (resolve = r));
    this.runs.set(request.runId, { request, state: 'queued', completion, resolve });
    this.queue.push(request.runId);
    this.pump();
    return { jobId: request.runId, alreadyExisted: false };
  }

  async status(jobId: string): Promise<PipelineStatus | undefined> {
    const run = this.runs.get(jobId);
    if (!run) return undefined;
    return { jobId, state: run.state, artifactUri: run.request.artifactUri, ...(run.error ? { error: run.error } : {}) };
  }

  /** Resolve when the run ends (after `onComplete` has been called). */
  async wait(jobId: string): Promise<PipelineCompletion> {
    const run = this.runs.get(jobId);
    if (!run?.completion) throw new Error(`unknown pipeline run ${jobId}`);
    return run.completion;
  }

  /** Cancel a queued or running run: it ends as `cancelled` (its completion is reported like any other). */
  async cancel(jobId: string): Promise<{ cancelled: boolean }> {
    const run = this.runs.get(jobId);
    if (!run || !(run.state === 'queued' || run.state === 'running')) return { cancelled: false };
    run.cancelRequested = true;
    const queued = this.queue.indexOf(jobId);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.finishQueued(run);
    } else {
      await run.worker?.terminate();
    }
    return { cancelled: true };
  }

  /** Stop running workers; their runs end as failed. */
  async close(): Promise<void> {
    this.queue.length = 0;
    await Promise.all([...this.runs.values()].flatMap((r) => (r.worker ? [r.worker.terminate()] : [])));
  }

  private pump(): void {
    while (this.active < (this.options.concurrency ?? 1) && this.queue.length > 0) {
      const run = this.runs.get(this.queue.shift() ?? '');
      if (run) this.start(run);
    }
  }

  private start(run: Run): void {
    this.active++;
    run.state = 'running';
    const startedAt = new Date();
    const input: WorkerInput = { request: run.request, storeRoot: this.options.storeRoot ?? '/', backend: this.options.backend, codeVersion: this.options.codeVersion };
    const worker = isTs
      ? new Worker(`import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(workerPath).href)}); }).catch((e) => { console.error(e); process.exit(1); });`, { eval: true, workerData: input })
      : new Worker(workerPath, { workerData: input });
    run.worker = worker;
    let done = false;
    const finish = (completion: PipelineCompletion): void => {
      if (done) return;
      done = true;
      run.state = completion.state;
      run.error = completion.error;
      run.worker = undefined;
      this.active--;
      void worker.terminate();
      this.pump();
      void Promise.resolve()
        .then(() => this.options.onComplete?.(completion))
        .catch((err: unknown) => this.options.onCallbackError?.(err, completion))
        .finally(() => run.resolve(completion));
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') this.options.onProgress?.(run.request.runId, m.event);
      else finish(m.completion);
    });
    worker.on('error', (err) => finish(failed(run.request, err, startedAt)));
    worker.on('exit', (code) => finish(run.cancelRequested ? cancelled(run.request, startedAt) : failed(run.request, new Error(`pipeline worker exited with code ${code} before finishing`), startedAt)));
  }

  /** A run cancelled before it started: report its completion as the worker path would. */
  private finishQueued(run: Run): void {
    const completion = cancelled(run.request, new Date());
    run.state = 'cancelled';
    void Promise.resolve()
      .then(() => this.options.onComplete?.(completion))
      .catch((err: unknown) => this.options.onCallbackError?.(err, completion))
      .finally(() => run.resolve(completion));
  }
}
