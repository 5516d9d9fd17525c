/**
 * What on-eval-complete's "identical model" check relies on: the real pipeline, run twice on the same
 * data and seed (in one process), writes the same model (same digest), and other data another.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../shared/adapters/local/fs.artifact-store.js';
import { runPipeline } from '../../shared/ml/pipeline.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import { modelDigest } from '../../shared/services/eval-complete.service.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ipo-identical-'));
const store = new FsArtifactStore(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const request = (runId: string, data: string) => ({
  runId,
  modelId: 'm',
  correlationId: 'c',
  dataUri: store.uri(data),
  artifactUri: store.uri(`runs/${runId}`),
  hyperparameters: { epochs: 3, batchSize: 128, learningRate: 0.003, patience: 2 },
  seed: 42,
});
const digest = (runId: string) => modelDigest({ artifacts: store }, store.uri(`runs/${runId}`));

describe('trained model bytes', () => {
  it('are identical for the same data and seed, and differ for other data', async () => {
    writeFileSync(path.join(dir, 'a.csv'), generateSampleCsv({ companies: 30, quarters: 12, seed: 5 }));
    writeFileSync(path.join(dir, 'b.csv'), generateSampleCsv({ companies: 30, quarters: 12, seed: 6 }));
    await runPipeline(request('one', 'a.csv'), { store });
    await runPipeline(request('two', 'a.csv'), { store });
    await runPipeline(request('other', 'b.csv'), { store });
    const one = await digest('one');
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(await digest('two')).toBe(one);
    expect(await digest('other')).not.toBe(one);
    expect(await digest('missing')).toBeUndefined();
  }, 120_000);
});
