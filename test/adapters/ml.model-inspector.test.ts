/**
 * The model inspector over real pipeline artifacts: the evaluation it reads, servability, and scoring a
 * model on another run's test periods (the champion-on-the-candidate's-data comparison the gate uses).
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../shared/adapters/local/fs.artifact-store.js';
import { mlModelInspector } from '../../shared/adapters/ml.model-inspector.js';
import { runPipeline } from '../../shared/ml/pipeline.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';

const fixtures = fileURLToPath(new URL('../fixtures/ml/', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'ipo-inspector-'));
const store = new FsArtifactStore(dir);
const inspector = mlModelInspector(store);
const hp = { epochs: 6, batchSize: 128, learningRate: 0.003, patience: 3 };
const run = (runId: string, data: string, extra: Record<string, unknown> = {}) =>
  runPipeline(
    {
      runId,
      modelId: 'm',
      correlationId: 'c',
      dataUri: store.uri(data),
      artifactUri: store.uri(`runs/${runId}`),
      hyperparameters: hp,
      seed: 5,
      ...extra,
    },
    { store },
  );
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  // A generous missing rate: some target cells are empty, which the comparison must skip, not turn into NaN.
  writeFileSync(
    path.join(dir, 'q1.csv'),
    generateSampleCsv({ companies: 60, quarters: 12, seed: 21, missingRate: 0.1 }),
  );
  writeFileSync(
    path.join(dir, 'q2.csv'),
    generateSampleCsv({ companies: 60, quarters: 13, seed: 21, missingRate: 0.1 }),
  );
  copyFileSync(path.join(fixtures, 'housing.csv'), path.join(dir, 'housing.csv'));
  copyFileSync(path.join(fixtures, 'housing.contract.json'), path.join(dir, 'housing.contract.json'));
  await run('champion', 'q1.csv');
  await run('candidate', 'q2.csv');
  await run('housing', 'housing.csv', { contractUri: store.uri('housing.contract.json') });
}, 300_000);

describe('mlModelInspector', () => {
  it('reads the evaluation, baseline metrics, validation and lineage of a run', async () => {
    const e = await inspector.readEvaluation(store.uri('runs/candidate'));
    expect(
      Number.isFinite(e.metrics.r2) && Number.isFinite(e.metrics.mape) && Number.isFinite(e.metrics.overfitting),
    ).toBe(true);
    expect(Number.isFinite(e.baselineMetrics.mape)).toBe(true);
    expect(e.validationPassed).toBe(true);
    expect(e.lineage.contractHash).toMatch(/^[0-9a-f]{64}$/);
    expect(e.lineage.datasetFingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('passes the chosen family, every candidate and the log-scale metrics through to the gate', async () => {
    const e = await inspector.readEvaluation(store.uri('runs/candidate'));
    expect(e.metrics.family).toBe('mlp');
    const log = e.metrics.logScale as { r2: number; mse: number; mae: number; rmse: number };
    expect(log.rmse).toBeCloseTo(Math.sqrt(log.mse), 12);
    expect(log.r2).toBeGreaterThan(0.9);
    expect(e.baselineMetrics.logScale).toBeDefined();
    const model = e.lineage.model as {
      family: string;
      candidates: { family: string }[];
      families: Record<string, { validation: Record<string, unknown>; test: Record<string, unknown> }>;
    };
    expect(model.family).toBe('mlp');
    expect(model.candidates.map((c) => c.family)).toEqual(['trees', 'mlp']);
    expect(Object.keys(model.families)).toEqual(['trees', 'mlp']);
    expect(model.families.mlp.test).toMatchObject({
      r2: e.metrics.r2,
      mape: e.metrics.mape,
      logScale: e.metrics.logScale,
    });
    expect(model.families.trees.validation.logScale).toBeDefined();
    // Global importances travel with the version, for the console.
    expect(e.lineage.model).toMatchObject({
      importances: {
        family: 'mlp',
        method: 'sampled-shapley',
        features: expect.arrayContaining([expect.objectContaining({ feature: 'log_market_cap' })]),
      },
    });
    // The champion scored on the candidate's periods carries the log-scale metrics too.
    const champion = await inspector.evaluateOn(store.uri('runs/champion'), store.uri('runs/candidate'));
    expect((champion?.logScale as { r2: number }).r2).toBeGreaterThan(0.5);
  });

  it('finds the artifact servable: it loads and predicts finite values', async () => {
    const s = await inspector.servability(store.uri('runs/candidate'));
    expect(s).toMatchObject({ ok: true });
    expect(s.predictions?.every(Number.isFinite)).toBe(true);
  });

  it('reports an artifact that does not load as not servable, with the reason', async () => {
    const s = await inspector.servability(store.uri('runs/does-not-exist'));
    expect(s.ok).toBe(false);
    expect(s.error).toMatch(/does not load or predict/);
  });

  it("scores a model on another run's test periods with finite metrics, skipping rows without a target", async () => {
    const own = await inspector.evaluateOn(store.uri('runs/candidate'), store.uri('runs/candidate'));
    const reported = (await inspector.readEvaluation(store.uri('runs/candidate'))).metrics;
    expect(own && Number.isFinite(own.r2) && Number.isFinite(own.mse)).toBe(true);
    // The same model on its own test periods agrees with what the pipeline reported.
    expect(Math.abs((own?.mape ?? 0) - reported.mape)).toBeLessThan(1);
    const champion = await inspector.evaluateOn(store.uri('runs/champion'), store.uri('runs/candidate'));
    expect(champion && Number.isFinite(champion.r2) && Number.isFinite(champion.rmse)).toBe(true);
  });

  it("returns undefined when the model cannot read the other run's data (a different feature contract)", async () => {
    expect(await inspector.evaluateOn(store.uri('runs/housing'), store.uri('runs/candidate'))).toBeUndefined();
  });
});
