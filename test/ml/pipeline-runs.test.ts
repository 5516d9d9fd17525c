import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../shared/adapters/local/fs.artifact-store.js';
import { runPipeline } from '../../shared/ml/pipeline.js';
import { failed } from '../../shared/ml/pipeline-result.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import { loadServingModel } from '../../shared/ml/serving-model.js';
import { DatasetValidationError } from '../../shared/ml/validation.js';

const fixtures = fileURLToPath(new URL('../fixtures/ml/', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'ipo-ml-runs-'));
const store = new FsArtifactStore(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const request = (runId: string, data: string, extra: Record<string, unknown> = {}) => ({
  runId,
  modelId: 'm',
  correlationId: 'c',
  dataUri: store.uri(data),
  artifactUri: store.uri(`runs/${runId}`),
  hyperparameters: { epochs: 4, batchSize: 128, learningRate: 0.003, patience: 2 },
  seed: 3,
  ...extra,
});

describe('pipeline runs', () => {
  it('is reproducible: same seed and data give the same metrics', async () => {
    writeFileSync(path.join(dir, 'small.csv'), generateSampleCsv({ companies: 40, quarters: 12, seed: 11 }));
    const a = await runPipeline(request('rep-a', 'small.csv'), { store });
    const b = await runPipeline(request('rep-b', 'small.csv'), { store });
    expect(b.metrics).toEqual(a.metrics);
    expect(b.lineage?.dataset.sha256).toBe(a.lineage?.dataset.sha256);
    // The seed drives the MLP (initialisation, shuffling, dropout); the trees are deterministic.
    const c = await runPipeline(request('rep-c', 'small.csv', { seed: 4 }), { store });
    expect(c.metrics?.families.mlp?.test.mse).not.toBe(a.metrics?.families.mlp?.test.mse);
    expect(c.metrics?.families.trees).toEqual(a.metrics?.families.trees);
  });

  it('trains a CSV with a different schema end to end with its own contract, as a new user would', async () => {
    copyFileSync(path.join(fixtures, 'housing.csv'), path.join(dir, 'housing.csv'));
    copyFileSync(path.join(fixtures, 'housing.contract.json'), path.join(dir, 'housing.contract.json'));
    const req = request('housing', 'housing.csv', {
      contractUri: store.uri('housing.contract.json'),
      hyperparameters: { epochs: 40, batchSize: 32, learningRate: 0.003, patience: 8 },
    });
    const out = await runPipeline(req, { store });
    expect(out.lineage?.contract.name).toBe('housing-prices');
    expect(out.metrics?.slices.map((s) => s.value)).toEqual(['Lille', 'Lyon', 'Nantes', 'Paris']);
    expect(out.metrics?.test.r2).toBeGreaterThan(0.5);
    const serving = await loadServingModel(store, req.artifactUri);
    const [price] = serving.predict([
      { listing_id: 'new', month: '2024-01-01', city: 'Paris', floor_area: 50, rooms: 2, age_years: 10 },
    ]);
    expect(price).toBeGreaterThan(150_000);
    expect(price).toBeLessThan(1_500_000);
    expect(() =>
      serving.predict([
        { listing_id: 'x', month: '2024-01-01', city: 'Paris', floor_area: 'big', rooms: 2, age_years: 1 },
      ]),
    ).toThrow(/floor_area: 1 rows \(0\)/);
    serving.dispose();
  });

  it('stops bad data with the validation report as the reason, and still writes validation.json', async () => {
    const csv = generateSampleCsv({ companies: 10, quarters: 8, seed: 1 }).replace(
      /^(C00002,2016Q1,[A-Za-z]+,)\d+/m,
      '$1lots',
    );
    writeFileSync(path.join(dir, 'bad.csv'), csv);
    const req = request('bad', 'bad.csv');
    const err = await runPipeline(req, { store }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetValidationError);
    expect((err as Error).message).toContain(
      'revenue: column "revenue" (numeric): 1 of 80 rows are not a number, e.g. "lots" (line 10)',
    );
    expect(await store.exists(`${req.artifactUri}/validation.json`)).toBe(true);
    const completion = failed(req, err, new Date());
    expect(completion).toMatchObject({
      state: 'failed',
      errorCode: 'DATA.INVALID',
      retryable: false,
      validation: { ok: false, errors: 1 },
    });
  });
});
