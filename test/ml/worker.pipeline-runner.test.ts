import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
    const runner = new WorkerPipelineRunner({ onProgress: (id, e) => progress.push([id, e]), onComplete: (c) => void completions.push(c), codeVersion: 't' });
    const request = {
      runId: 'run-w1', modelId: 'ipo-valuation', correlationId: 'corr-1', dataUri: store.uri('data.csv'), artifactUri: store.uri('runs/run-w1'),
      hyperparameters: { epochs: 3, batchSize: 128 }, seed: 1,
    };
    expect(await runner.launch(request)).toEqual({ jobId: 'run-w1', alreadyExisted: false });
    expect(await runner.launch(request)).toEqual({ jobId: 'run-w1', alreadyExisted: true });
    await runner.launch({ ...request, runId: 'run-w2', dataUri: store.uri('bad.csv'), artifactUri: store.uri('runs/run-w2') });
    expect((await runner.status('run-w2'))?.state).toBe('queued');

    const ok = await runner.wait('run-w1');
    expect(ok).toMatchObject({ runId: 'run-w1', modelId: 'ipo-valuation', correlationId: 'corr-1', state: 'succeeded', artifactUri: request.artifactUri, validation: { ok: true } });
    expect(ok.metrics?.test.n).toBeGreaterThan(0);
    expect(ok.lineage?.code.version).toBe('t');
    expect(Date.parse(ok.finishedAt)).toBeGreaterThanOrEqual(Date.parse(ok.startedAt));
    expect(progress.some(([id, e]) => id === 'run-w1' && e.kind === 'epoch' && e.epoch === 1 && Number.isFinite(e.loss))).toBe(true);
    expect(await runner.status('run-w1')).toEqual({ jobId: 'run-w1', state: 'succeeded', artifactUri: request.artifactUri });

    const bad = await runner.wait('run-w2');
    expect(bad).toMatchObject({ state: 'failed', errorCode: 'DATA.INVALID', validation: { ok: false } });
    expect(bad.error).toContain('column "sector" named by the contract is missing');
    expect((await runner.status('run-w2'))?.error).toBe(bad.error);
    expect(completions.map((c) => c.runId)).toEqual(['run-w1', 'run-w2']);
    expect(await runner.status('nope')).toBeUndefined();
    await runner.close();
  });
});
