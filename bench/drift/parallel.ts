/** The same drift statistics with the features split over worker threads (one per core). */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { numericBaselineToJson, type NumericBaseline } from '../../shared/domain/stats/numeric-baseline.js';

const workerUrl = new URL('./worker.ts', import.meta.url);
// Node 20 does not apply tsx to a worker's entry module: the worker registers tsx itself first.
const tsxApi = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/esm/api')), 'index.mjs')).href;
const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); })`;

/** Start workers holding the baselines and shared current columns; `run()` times one full computation. */
export async function startParallel(
  baselines: NumericBaseline[],
  current: Float64Array[],
): Promise<{ workers: number; run(): Promise<number>; stop(): Promise<void> }> {
  const n = Math.max(1, Math.min(availableParallelism(), baselines.length));
  const workers: Worker[] = [];
  for (let w = 0; w < n; w++) {
    const features = baselines.map((_, f) => f).filter((f) => f % n === w);
    const worker = new Worker(boot, {
      eval: true,
      workerData: {
        features,
        baselines: features.map((f) => numericBaselineToJson(baselines[f])),
        current: features.map((f) => current[f].buffer as SharedArrayBuffer),
      },
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    workers.push(worker);
  }
  return {
    workers: n,
    async run() {
      const done = workers.map(
        (w) => new Promise<unknown[]>((resolve) => w.once('message', (m: unknown[]) => resolve(m))),
      );
      workers.forEach((w) => w.postMessage('go'));
      return (await Promise.all(done)).flat().length;
    },
    async stop() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
