/**
 * The local PipelineLauncher: each run executes the pipeline steps in a worker thread. Launch is
 * idempotent on the run id; progress and the final PipelineCompletion are delivered through callbacks.
 *
 * `close()` is a clean stop, not a failure: running workers are terminated without reporting a
 * completion, so the run keeps its state (submitted / running) and attempt in the store, and the
 * reconciler of the next start, finding no such job, launches it again under the same run id.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type {
  PipelineLaunchRequest,
  PipelineLauncher,
  PipelineState,
  PipelineStatus,
} from '../../ports/pipeline-launcher.js';
import type { PipelineProgress } from '../../ml/pipeline.js';
import { TransientError } from '../../domain/errors.js';
import { cancelled, failed, type PipelineCompletion } from '../../ml/pipeline-result.js';
import type { TfBackend } from '../../ml/tf-backend.js';

/** What the worker receives. */
export interface WorkerInput {
  request: PipelineLaunchRequest;
  /** The folders the run may read and write: its artifact store's root first, then the others (landing). */
  storeRoots: readonly string[];
  backend?: TfBackend;
  codeVersion?: string;
}

/** What the worker posts back. */
export type WorkerMessage =
  { type: 'progress'; event: PipelineProgress } | { type: 'completion'; completion: PipelineCompletion };

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
  /** The folders a run may read and write (artifacts first, then e.g. the landing folder); every other path is refused. */
  storeRoots: readonly string[];
}

interface Run {
  request: PipelineLaunchRequest;
  state: PipelineState;
  completion?: Promise<PipelineCompletion>;
  resolve: (c: PipelineCompletion) => void;
  reject: (err: unknown) => void;
  error?: string;
  worker?: Worker;
  cancelRequested?: boolean;
}

// Under tsx/vitest this module is TypeScript, so the worker needs the tsx loader; built JS needs nothing.
// Node 20 does not apply `--import tsx` to a worker's entry module, so the worker registers tsx itself.
const isTs = import.meta.url.endsWith('.ts');
// Resolved by path rather than `new URL(literal, import.meta.url)`, which bundlers rewrite.
const workerPath = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  isTs ? 'pipeline.worker.ts' : 'pipeline.worker.js',
);
// createRequire, not import.meta.resolve: the latter is missing under vitest's module runner.
// The package's CommonJS build of this API resolves its hooks wrongly, so load the ESM build next to it.
const tsxApi = isTs
  ? pathToFileURL(path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/esm/api')), 'index.mjs')).href
  : '';

/** A PipelineLauncher that runs pipelines in worker threads. */
export class WorkerPipelineRunner implements PipelineLauncher {
  private readonly runs = new Map<string, Run>();
  private readonly queue: string[] = [];
  private readonly callbacks = new Set<Promise<void>>();
  private active = 0;
  private closing = false;

  constructor(private readonly options: WorkerPipelineRunnerOptions) {}

  async launch(request: PipelineLaunchRequest): Promise<{ jobId: string; alreadyExisted: boolean }> {
    if (this.closing)
      throw new TransientError(
        'PIPELINE.UNAVAILABLE',
        `the local pipeline runner is stopping; run ${request.runId} is launched on the next start`,
      );
    if (this.runs.has(request.runId)) return { jobId: request.runId, alreadyExisted: true };
    let resolve!: (c: PipelineCompletion) => void;
    let reject!: (err: unknown) => void;
    const completion = new Promise<PipelineCompletion>((res, rej) => ((resolve = res), (reject = rej)));
    // A run interrupted by close() never completes here; nobody need await it.
    completion.catch(() => undefined);
    this.runs.set(request.runId, { request, state: 'queued', completion, resolve, reject });
    this.queue.push(request.runId);
    this.pump();
    return { jobId: request.runId, alreadyExisted: false };
  }

  async status(jobId: string): Promise<PipelineStatus | undefined> {
    const run = this.runs.get(jobId);
    if (!run) return undefined;
    return {
      jobId,
      state: run.state,
      artifactUri: run.request.artifactUri,
      ...(run.error ? { error: run.error } : {}),
    };
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

  /**
   * Clean stop: terminate running workers and drop queued runs without reporting completions (they are
   * relaunched as the same attempt on the next start); `wait` on them rejects with PIPELINE.INTERRUPTED.
   * Completions already being reported finish first, so their publish is not cut off.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.queue.length = 0;
    await Promise.all([...this.runs.values()].flatMap((r) => (r.worker ? [r.worker.terminate()] : [])));
    const interrupted = new TransientError(
      'PIPELINE.INTERRUPTED',
      'the local pipeline runner stopped before the run finished',
    );
    for (const run of this.runs.values())
      if (run.state === 'queued' || run.state === 'running') run.reject(interrupted);
    await Promise.all([...this.callbacks]);
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
    const input: WorkerInput = {
      request: run.request,
      storeRoots: this.options.storeRoots,
      backend: this.options.backend,
      codeVersion: this.options.codeVersion,
    };
    const worker = isTs
      ? new Worker(
          `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(workerPath).href)}); }).catch((e) => { console.error(e); process.exit(1); });`,
          { eval: true, workerData: input },
        )
      : new Worker(workerPath, { workerData: input });
    run.worker = worker;
    let done = false;
    const finish = (completion: PipelineCompletion): void => {
      if (done) return;
      done = true;
      run.worker = undefined;
      this.active--;
      void worker.terminate();
      // Terminated by close(): not an outcome of the run, so nothing is reported and its state stays.
      if (this.closing) return;
      run.state = completion.state;
      run.error = completion.error;
      this.pump();
      this.report(run, completion);
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') this.options.onProgress?.(run.request.runId, m.event);
      else finish(m.completion);
    });
    worker.on('error', (err) => finish(failed(run.request, err, startedAt)));
    worker.on('exit', (code) =>
      finish(
        run.cancelRequested
          ? cancelled(run.request, startedAt)
          : failed(run.request, new Error(`pipeline worker exited with code ${code} before finishing`), startedAt),
      ),
    );
  }

  /** A run cancelled before it started: report its completion as the worker path would. */
  private finishQueued(run: Run): void {
    run.state = 'cancelled';
    this.report(run, cancelled(run.request, new Date()));
  }

  /** Hand a completion to `onComplete`, tracked so `close` waits for it. */
  private report(run: Run, completion: PipelineCompletion): void {
    const callback = Promise.resolve()
      .then(() => this.options.onComplete?.(completion))
      .catch((err: unknown) => this.options.onCallbackError?.(err, completion))
      .finally(() => {
        this.callbacks.delete(callback);
        run.resolve(completion);
      });
    this.callbacks.add(callback);
  }
}
