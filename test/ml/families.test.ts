/**
 * Model families end to end: each family trains, is chosen on validation, saved, loaded back by the
 * serving model and the inspector, and scores its own test periods exactly as the pipeline reported.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../shared/adapters/local/fs.artifact-store.js';
import { mlModelInspector } from '../../shared/adapters/ml.model-inspector.js';
import { artifactPath, readJson } from '../../shared/ml/artifacts.js';
import { DEFAULT_CONTRACT } from '../../shared/ml/default-contract.js';
import type { Importances } from '../../shared/ml/explanations.js';
import { runPipeline, type PipelineProgress } from '../../shared/ml/pipeline.js';
import type { TreeEnsemble } from '../../shared/ml/trees/tree-model.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import { loadServingModel } from '../../shared/ml/serving-model.js';

const fixtures = fileURLToPath(new URL('../fixtures/ml/', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'ipo-families-'));
const store = new FsArtifactStore(dir);
const inspector = mlModelInspector(store);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, 'panel.csv'), generateSampleCsv({ companies: 60, quarters: 12, seed: 21 }));
writeFileSync(path.join(dir, 'housing.csv'), readFileSync(path.join(fixtures, 'housing.csv')));
const housingContract = JSON.parse(readFileSync(path.join(fixtures, 'housing.contract.json'), 'utf8')) as Record<
  string,
  unknown
>;
const hp = { epochs: 8, batchSize: 128, learningRate: 0.003, patience: 3 };

async function train(
  runId: string,
  model: Record<string, unknown>,
  data = 'panel.csv',
  base: Record<string, unknown> = { ...DEFAULT_CONTRACT },
) {
  writeFileSync(path.join(dir, `${runId}.contract.json`), JSON.stringify({ ...base, model }));
  const request = {
    runId,
    modelId: 'm',
    correlationId: 'c',
    dataUri: store.uri(data),
    contractUri: store.uri(`${runId}.contract.json`),
    artifactUri: store.uri(`runs/${runId}`),
    hyperparameters: hp,
    seed: 9,
  };
  const events: PipelineProgress[] = [];
  return {
    out: await runPipeline(request, { store, onProgress: (e) => events.push(e) }),
    uri: request.artifactUri,
    events,
  };
}

/** The served model scores the run's own test periods exactly as the pipeline did. */
async function expectServedLikeTrained(uri: string, family: string): Promise<void> {
  const evaluation = await inspector.readEvaluation(uri);
  expect(evaluation.metrics.family).toBe(family);
  const rescored = await inspector.evaluateOn(uri, uri);
  expect(rescored?.mape).toBeCloseTo(evaluation.metrics.mape, 6);
  expect(rescored?.r2).toBeCloseTo(evaluation.metrics.r2, 6);
  expect((await inspector.servability(uri)).ok).toBe(true);
  const serving = await loadServingModel(store, uri);
  expect(serving.family).toBe(family);
  serving.dispose();
}

describe('model families', () => {
  it('trees alone: trained with early stopping on validation, saved as trees.json, served and re-scored identically', async () => {
    const { out, uri } = await train('trees', { families: ['trees'] }, 'housing.csv', housingContract);
    const m = out.metrics!;
    expect(m.chosenFamily).toBe('trees');
    expect(m.training.family).toBe('trees');
    expect((await readJson<TreeEnsemble>(store, uri, 'trees')).trees).toHaveLength(m.training.bestEpoch);
    expect(m.training.stoppedEarly ? m.training.epochsRun - m.training.bestEpoch : 0).toBe(
      m.training.stoppedEarly ? 20 : 0,
    );
    expect(await store.exists(artifactPath(uri, 'trees'))).toBe(true);
    expect(await store.exists(artifactPath(uri, 'modelJson'))).toBe(false);
    expect(await readJson(store, uri, 'family')).toEqual({ family: 'trees' });
    const importances = await readJson<Importances>(store, uri, 'importances');
    expect(importances).toMatchObject({ family: 'trees', method: 'tree-shap', split: 'validation', scale: 'log' });
    // Price is driven by floor area and city in the fixture: they lead, and gain shares sum to 1.
    expect(
      importances.features
        .slice(0, 2)
        .map((f) => f.feature)
        .sort(),
    ).toEqual(['city_code', 'log_area']);
    expect(importances.features.reduce((s, f) => s + (f.gainShare ?? 0), 0)).toBeCloseTo(1, 9);
    await expectServedLikeTrained(uri, 'trees');
  });

  it('an MLP seed ensemble reuses the single MLP as its first member and averages the members', async () => {
    const { out, uri, events } = await train('ens', {
      families: ['mlp', 'mlp-ensemble'],
      mlpSeeds: 3,
      maxOverfitting: null,
    });
    const m = out.metrics!;
    const members = events.flatMap((e) => (e.kind === 'epoch' ? [`${e.family}:${e.member ?? '-'}`] : []));
    expect(new Set(members)).toEqual(new Set(['mlp:-', 'mlp-ensemble:2', 'mlp-ensemble:3']));
    expect(Object.keys(m.families)).toEqual(['mlp', 'mlp-ensemble']);
    expect(m.families['mlp-ensemble']!.epochsRun).toBeGreaterThanOrEqual(m.families.mlp!.epochsRun);
    // Averaging members of different seeds does better on validation than the first member alone here.
    expect(m.families['mlp-ensemble']!.validationLoss).toBeLessThan(m.families.mlp!.validationLoss);
    expect(m.chosenFamily).toBe('mlp-ensemble');
    expect(m.training).toMatchObject({ family: 'mlp-ensemble', members: 3 });
    for (const k of [1, 2, 3]) expect(await store.exists(`${uri}/model/member-${k}/model.json`)).toBe(true);
    expect(await readJson(store, uri, 'family')).toMatchObject({ family: 'mlp-ensemble', members: 3 });
    await expectServedLikeTrained(uri, 'mlp-ensemble');
  });

  it('ridge as a candidate is served from the baseline file; an artifact without model-family.json is an MLP', async () => {
    const { out, uri } = await train('ridge', { families: ['ridge'] });
    expect(out.metrics?.chosenFamily).toBe('ridge');
    expect(out.metrics?.test).toEqual(out.metrics?.baseline);
    await expectServedLikeTrained(uri, 'ridge');
    const legacy = await train('legacy', { families: ['mlp'] });
    rmSync(path.join(dir, 'runs/legacy/model-family.json'));
    await expectServedLikeTrained(legacy.uri, 'mlp');
  });

  it('chooses the lowest validation loss; the overfitting bound only demotes a candidate when another is within it', async () => {
    // On this small panel the trees have the lower validation loss but fit the training rows far more
    // closely (overfitting ~18) than the MLP (~1.3).
    const unbounded = (await train('free', { families: ['mlp', 'trees'], maxOverfitting: null })).out.metrics!;
    const f = unbounded.families;
    expect(f.trees!.validationLoss).toBeLessThan(f.mlp!.validationLoss);
    expect(f.trees!.overfitting).toBeGreaterThan(5);
    expect(f.mlp!.overfitting).toBeLessThan(2);
    expect(unbounded.chosenFamily).toBe('trees');
    expect(unbounded.overfittingIndicator).toBe(f.trees!.overfitting);
    const bounded = (await train('bounded', { families: ['trees', 'mlp'] })).out.metrics!;
    expect(bounded.families.trees).toMatchObject({ eligible: false, validationLoss: f.trees!.validationLoss });
    expect(bounded.chosenFamily).toBe('mlp');
    // Nobody within a tiny bound: every candidate stays eligible and the best validation loss wins.
    const none = (await train('none', { families: ['mlp', 'trees'], maxOverfitting: 1e-9 })).out.metrics!;
    expect(none.families.trees!.eligible && none.families.mlp!.eligible).toBe(true);
    expect(none.chosenFamily).toBe('trees');
  });
});
