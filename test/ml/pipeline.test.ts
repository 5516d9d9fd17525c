import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../shared/adapters/local/fs.artifact-store.js';
import { artifactPath, readJson } from '../../shared/ml/artifacts.js';
import type { BaselineDistributions } from '../../shared/ml/baseline-distributions.js';
import { parseCsv } from '../../shared/ml/csv.js';
import type { Importances } from '../../shared/ml/explanations.js';
import type { Lineage } from '../../shared/ml/lineage.js';
import { runPipeline, type PipelineProgress } from '../../shared/ml/pipeline.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import { loadServingModel } from '../../shared/ml/serving-model.js';
import { FAST_HP } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ipo-ml-'));
const store = new FsArtifactStore(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training pipeline on the default generated dataset', () => {
  it('meets the quality bar, beats ridge, writes every artifact and serves predictions from raw rows', async () => {
    const csv = generateSampleCsv({ companies: 210, quarters: 24, seed: 7 });
    writeFileSync(path.join(dir, 'panel.csv'), csv);
    const events: PipelineProgress[] = [];
    const request = {
      runId: 'run-q',
      modelId: 'ipo-valuation',
      correlationId: 'c-1',
      dataUri: store.uri('panel.csv'),
      artifactUri: store.uri('runs/run-q'),
      hyperparameters: FAST_HP,
      seed: 1,
    };
    const out = await runPipeline(request, { store, onProgress: (e) => events.push(e), codeVersion: 'test' });

    const m = out.metrics!;
    expect(out.validation.rowCount).toBeGreaterThanOrEqual(5000);
    expect(m.test.r2).toBeGreaterThanOrEqual(0.85);
    expect(m.test.mape).toBeLessThan(15);
    expect(m.test.r2).toBeGreaterThan(m.baseline.r2);
    expect(m.beatsBaseline).toBe(true);
    expect(m.overfittingIndicator).toBeCloseTo(m.validationLoss / m.trainLoss, 10);
    expect(m.slices.map((s) => s.value)).toEqual(expect.arrayContaining(['Technology', 'Energy']));
    expect(m.slices.every((s) => s.column === 'sector' && s.metrics.n > 0 && s.metrics.logScale !== undefined)).toBe(
      true,
    );

    const steps = events
      .filter((e) => e.kind === 'step' && e.status === 'finished')
      .map((e) => (e.kind === 'step' ? e.step : ''));
    expect(steps).toEqual(['extract', 'validate', 'features', 'split', 'train', 'evaluate', 'artifacts']);
    // Every family reports its iterations; the trees at most ~100 times (every 5th of 500 iterations here).
    const epochsOf = (family: string) => events.filter((e) => e.kind === 'epoch' && e.family === family);
    expect(epochsOf('mlp')).toHaveLength(m.families.mlp!.epochsRun);
    expect(epochsOf('trees').map((e) => (e.kind === 'epoch' ? e.epoch : 0))).toEqual(
      Array.from({ length: Math.floor(m.families.trees!.epochsRun / 5) }, (_, i) => 5 * (i + 1)),
    );
    expect(epochsOf('trees').every((e) => e.kind === 'epoch' && e.epochs === 500)).toBe(true);

    // The default contract's candidates are trees and the MLP; the trees fit 3.5k training rows almost exactly
    // (validation / training loss far above 2), so the MLP is chosen although the trees' validation loss is lower.
    expect(Object.keys(m.families).sort()).toEqual(['mlp', 'trees']);
    expect(m.families.trees!.overfitting).toBeGreaterThan(2);
    expect(m.families.trees!.eligible).toBe(false);
    expect(m.chosenFamily).toBe('mlp');
    expect(m.validation).toEqual(m.families.mlp!.validation);
    expect(m.test).toEqual(m.families.mlp!.test);
    expect(m.training).toMatchObject({ family: 'mlp', epochsRun: m.families.mlp!.epochsRun });
    expect(m.test.logScale?.r2).toBeGreaterThan(0.98);

    for (const f of [
      'modelJson',
      'modelWeights',
      'preprocessing',
      'ridge',
      'metrics',
      'baseline',
      'validation',
      'lineage',
      'family',
      'importances',
    ] as const) {
      expect(await store.exists(artifactPath(request.artifactUri, f)), f).toBe(true);
    }
    const lineage = await readJson<Lineage>(store, request.artifactUri, 'lineage');
    expect(lineage).toMatchObject({
      runId: 'run-q',
      parameters: { seed: 1, hyperparameters: { epochs: 15 } },
      code: { version: 'test' },
      split: { kind: 'time' },
    });
    expect(['wasm', 'cpu']).toContain(lineage.code.backend);
    expect(lineage.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(lineage.model).toMatchObject({
      family: 'mlp',
      candidates: [
        { family: 'trees', eligible: false },
        { family: 'mlp', eligible: true },
      ],
    });
    // Global importances of the chosen MLP: mean |sampled Shapley| over validation rows, on the log scale.
    // The generator values a company at about its market cap, so that input leads.
    const importances = await readJson<Importances>(store, request.artifactUri, 'importances');
    expect(importances).toMatchObject({
      family: 'mlp',
      method: 'sampled-shapley',
      split: 'validation',
      scale: 'log',
      rows: 200,
    });
    expect(importances.features[0].feature).toBe('log_market_cap');
    const shares = importances.features.map((f) => f.meanAbsAttribution);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    const baseline = await readJson<BaselineDistributions>(store, request.artifactUri, 'baseline');
    expect(baseline.features.log_market_cap).toMatchObject({ kind: 'numeric' });
    expect(baseline.columns.sector).toMatchObject({ kind: 'categorical' });
    expect(baseline.prediction.proportions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);

    // Serving applies the saved preprocessing to raw rows: a company's history in, its valuations out.
    const serving = await loadServingModel(store, request.artifactUri);
    expect(serving.family).toBe('mlp');
    const table = parseCsv(csv);
    const company = table.rows
      .filter((r) => r[0] === 'C00005')
      .map((r) => Object.fromEntries(table.header.map((h, j) => [h, r[j]])));
    const predictions = serving.predict(company);
    expect(predictions).toHaveLength(24);
    const ape = predictions
      .map((p, i) => Math.abs(p / Number(company[i].enterprise_value) - 1))
      .filter(Number.isFinite);
    expect(ape.reduce((a, b) => a + b, 0) / ape.length).toBeLessThan(0.3);
    serving.dispose();
  });
});
