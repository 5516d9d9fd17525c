import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../shared/adapters/local/fs.artifact-store.js';
import { WorkerPipelineRunner } from '../../shared/adapters/local/worker.pipeline-runner.js';
import type { PipelineProgress } from '../../shared/ml/pipeline.js';
import type { PipelineCompletion } from '../../shared/ml/pipeline-result.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ipo-worker-'));
const store = new FsArtifactStore(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('worker pipeline runner', () => {
  it('runs in a worker thread, is idempotent on the run id, reports progress and completion', async () => {
    writeFileSync(path.join(dir, 'data.csv'), generateSampleCsv({ companies: 30, quarters: 12, seed: 2 }));
    writeFileSync(path.join(dir, 'bad.csv'), 'company_id,fiscal_quarter\n');
    const progress: [string, PipelineProgress][] = [];
    const completions: PipelineCompletion[] = [];
    const runner = new WorkerPipelineRunner({
      storeRoots: [dir],
      onProgress: (id, e) => progress.push([id, e]),
      onComplete: (c) => void completions.push(c),
      codeVersion: 't',
    });
    const request = {
      runId: 'run-w1',
      modelId: 'ipo-valuation',
      correlationId: 'corr-1',
      dataUri: store.uri('data.csv'),
      artifactUri: store.uri('runs/run-w1'),
      hyperparameters: { epochs: 3, batchSize: 128 },
      seed: 1,
    };
    expect(await runner.launch(request)).toEqual({ jobId: 'run-w1', alreadyExisted: false });
    expect(await runner.launch(request)).toEqual({ jobId: 'run-w1', alreadyExisted: true });
    await runner.launch({
      ...request,
      runId: 'run-w2',
      dataUri: store.uri('bad.csv'),
      artifactUri: store.uri('runs/run-w2'),
    });
    expect((await runner.status('run-w2'))?.state).toBe('queued');

    const ok = await runner.wait('run-w1');
    expect(ok).toMatchObject({
      runId: 'run-w1',
      modelId: 'ipo-valuation',
      correlationId: 'corr-1',
      state: 'succeeded',
      artifactUri: request.artifactUri,
      validation: { ok: true },
    });
    expect(ok.metrics?.test.n).toBeGreaterThan(0);
    expect(ok.lineage?.code.version).toBe('t');
    expect(Date.parse(ok.finishedAt)).toBeGreaterThanOrEqual(Date.parse(ok.startedAt));
    expect(
      progress.some(([id, e]) => id === 'run-w1' && e.kind === 'epoch' && e.epoch === 1 && Number.isFinite(e.loss)),
    ).toBe(true);
    expect(await runner.status('run-w1')).toEqual({
      jobId: 'run-w1',
      state: 'succeeded',
      artifactUri: request.artifactUri,
    });

    const bad = await runner.wait('run-w2');
    expect(bad).toMatchObject({ state: 'failed', errorCode: 'DATA.INVALID', validation: { ok: false } });
    expect(bad.error).toContain('column "sector" named by the contract is missing');
    expect((await runner.status('run-w2'))?.error).toBe(bad.error);
    expect(completions.map((c) => c.runId)).toEqual(['run-w1', 'run-w2']);
    expect(await runner.status('nope')).toBeUndefined();
    await runner.close();
  });

  it('refuses a dataUri outside its folders: the run fails with ARTIFACT.OUTSIDE_ROOT and the file is never read', async () => {
    const completions: PipelineCompletion[] = [];
    const runner = new WorkerPipelineRunner({
      storeRoots: [path.join(dir, 'confined')],
      onComplete: (c) => void completions.push(c),
    });
    await runner.launch({
      runId: 'run-out',
      modelId: 'ipo-valuation',
      correlationId: 'c',
      dataUri: 'file:///etc/passwd',
      artifactUri: pathToFileURL(path.join(dir, 'confined', 'runs', 'run-out')).href,
      hyperparameters: { epochs: 1 },
      seed: 1,
    });
    const done = await runner.wait('run-out');
    expect(done).toMatchObject({ state: 'failed', errorCode: 'ARTIFACT.OUTSIDE_ROOT', retryable: false });
    expect(done.error).not.toMatch(/root:/);
    await runner.close();
  });

  it('a clean stop mid-training reports no completion: the run is not failed, and the next runner can launch it again', async () => {
    writeFileSync(path.join(dir, 'long.csv'), generateSampleCsv({ companies: 60, quarters: 16, seed: 3 }));
    const completions: PipelineCompletion[] = [];
    let epochs = 0;
    let firstEpoch!: () => void;
    const training = new Promise<void>((r) => (firstEpoch = r));
    const runner = new WorkerPipelineRunner({
      storeRoots: [dir],
      onComplete: (c) => void completions.push(c),
      onProgress: (_id, e) => {
        if (e.kind === 'epoch' && ++epochs === 1) firstEpoch();
      },
    });
    const request = {
      runId: 'run-stop',
      modelId: 'ipo-valuation',
      correlationId: 'c',
      dataUri: store.uri('long.csv'),
      artifactUri: store.uri('runs/run-stop'),
      hyperparameters: { epochs: 400, batchSize: 16, patience: 1000 },
      seed: 1,
    };
    await runner.launch(request);
    await runner.launch({ ...request, runId: 'run-queued', artifactUri: store.uri('runs/run-queued') });
    const waited = runner.wait('run-stop');
    await training;
    await runner.close();
    await expect(waited).rejects.toMatchObject({ code: 'PIPELINE.INTERRUPTED', retryable: true });
    await expect(runner.wait('run-queued')).rejects.toMatchObject({ code: 'PIPELINE.INTERRUPTED' });
    await expect(runner.launch({ ...request, runId: 'run-late' })).rejects.toMatchObject({
      code: 'PIPELINE.UNAVAILABLE',
      retryable: true,
    });
    expect(completions).toEqual([]);

    const next = new WorkerPipelineRunner({ storeRoots: [dir], onComplete: (c) => void completions.push(c) });
    expect(await next.status('run-stop')).toBeUndefined();
    expect(await next.launch({ ...request, hyperparameters: { epochs: 2, batchSize: 128 } })).toEqual({
      jobId: 'run-stop',
      alreadyExisted: false,
    });
    expect(await next.wait('run-stop')).toMatchObject({ runId: 'run-stop', state: 'succeeded' });
    expect(completions.map((c) => [c.runId, c.state])).toEqual([['run-stop', 'succeeded']]);
    await next.close();
  });
});
