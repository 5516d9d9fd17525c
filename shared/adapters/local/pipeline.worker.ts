/** Worker-thread entry of the local pipeline runner: runs one pipeline and posts progress and the completion. */
import { parentPort, workerData } from 'node:worker_threads';
import { FsArtifactStore } from './fs.artifact-store.js';
import { runPipeline } from '../../ml/pipeline.js';
import { failed, succeeded } from '../../ml/pipeline-result.js';
import type { WorkerInput, WorkerMessage } from './worker.pipeline-runner.js';

const input = workerData as WorkerInput;
const post = (message: WorkerMessage): void => parentPort?.postMessage(message);
const startedAt = new Date();
try {
  const [root, ...roots] = input.storeRoots;
  if (root === undefined) throw new Error('the runner gave this run no store folders');
  const store = new FsArtifactStore(root, { roots });
  const output = await runPipeline(input.request, {
    store,
    backend: input.backend,
    codeVersion: input.codeVersion,
    onProgress: (event) => post({ type: 'progress', event }),
  });
  post({ type: 'completion', completion: succeeded(input.request, output, startedAt) });
} catch (err) {
  post({ type: 'completion', completion: failed(input.request, err, startedAt) });
}
