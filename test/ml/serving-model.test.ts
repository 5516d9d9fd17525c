/** The serving model: request rows checked against the contract, and per-row explanations for every family. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../shared/adapters/local/fs.artifact-store.js';
import { ValidationError } from '../../shared/domain/errors.js';
import { parseCsv } from '../../shared/ml/csv.js';
import { DEFAULT_CONTRACT } from '../../shared/ml/default-contract.js';
import { readJson } from '../../shared/ml/artifacts.js';
import type { Preprocessing } from '../../shared/ml/preprocessing.js';
import type { RidgeModel } from '../../shared/ml/ridge.js';
import { runPipeline } from '../../shared/ml/pipeline.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import { loadServingModel, type RawRow, type ServingModel } from '../../shared/ml/serving-model.js';
import { requiredFields } from '../../shared/ml/serving-inputs.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ipo-serving-'));
const store = new FsArtifactStore(dir);
const models: Record<string, ServingModel> = {};
let rows: RawRow[] = [];

beforeAll(async () => {
  const csv = generateSampleCsv({ companies: 40, quarters: 12, seed: 4 });
  writeFileSync(path.join(dir, 'panel.csv'), csv);
  const table = parseCsv(csv);
  rows = table.rows
    .filter((r) => r[0] === 'C00003')
    .map((r) => Object.fromEntries(table.header.map((h, j) => [h, r[j]])));
  for (const family of ['trees', 'mlp', 'ridge']) {
    writeFileSync(
      path.join(dir, `${family}.json`),
      JSON.stringify({ ...DEFAULT_CONTRACT, model: { families: [family] } }),
    );
    const artifactUri = store.uri(`runs/${family}`);
    await runPipeline(
      {
        runId: family,
        modelId: 'm',
        correlationId: 'c',
        dataUri: store.uri('panel.csv'),
        contractUri: store.uri(`${family}.json`),
        artifactUri,
        hyperparameters: { epochs: 5, batchSize: 128 },
        seed: 1,
      },
      { store },
    );
    models[family] = await loadServingModel(store, artifactUri);
  }
}, 120_000);
afterAll(() => {
  Object.values(models).forEach((m) => m.dispose());
  rmSync(dir, { recursive: true, force: true });
});

function issuesOf(fn: () => unknown): { code: string; issues: string[] } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return {
      code: (err as ValidationError).code,
      issues: (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`),
    };
  }
  throw new Error('expected the rows to be rejected');
}

describe('prediction inputs', () => {
  it('requires every column a model input reads, and entity and time for history features', () => {
    expect(requiredFields(DEFAULT_CONTRACT)).toEqual([
      'company_id',
      'fiscal_quarter',
      'sector',
      'revenue',
      'net_income',
      'total_debt',
      'total_equity',
      'market_cap',
    ]);
    expect(models.trees.requiredFields).toEqual(requiredFields(DEFAULT_CONTRACT));
  });

  it('rejects {} naming every required field, for predict, explain and inputs alike', () => {
    for (const call of [
      () => models.mlp.predict([{}]),
      () => models.trees.explain([{}]),
      () => models.ridge.inputs([{}]),
    ]) {
      const { code, issues } = issuesOf(call);
      expect(code).toBe('PREDICT.INPUT_INVALID');
      expect(issues).toHaveLength(8);
      expect(issues[0]).toBe(
        'company_id: required field is missing from 1 rows (0); the model reads it (send null for an unknown value)',
      );
    }
  });

  it('names the field and the rows of a missing or unusable value, and the rows that are not objects', () => {
    const { revenue: _revenue, ...noRevenue } = rows[1];
    const { issues } = issuesOf(() =>
      models.trees.predict([rows[0], noRevenue, { ...rows[2], total_debt: 'lots' }, 'C00003' as unknown as RawRow]),
    );
    expect(issues).toEqual([
      'instances: 1 rows (3) are not objects of column values',
      'revenue: required field is missing from 1 rows (1); the model reads it (send null for an unknown value)',
      'total_debt: 1 rows (2) have unusable values, e.g. "lots"',
    ]);
  });

  it('accepts null as an unknown value and ignores fields the model does not read', () => {
    for (const m of Object.values(models)) {
      const [p] = m.predict([{ ...rows[0], revenue: null, enterprise_value: undefined, note: 'extra' }]);
      expect(Number.isFinite(p)).toBe(true);
    }
  });
});

describe('explanations', () => {
  it('are additive on the log scale and match the predictions, for every family', () => {
    for (const [family, m] of Object.entries(models)) {
      const predictions = m.predict(rows);
      const explanations = m.explain(rows, { paths: 8 });
      expect(explanations).toHaveLength(rows.length);
      explanations.forEach((e, i) => {
        const [a] = e.attributions;
        expect(a.outputIndex).toEqual([0]);
        expect(Object.keys(a.featureAttributions)).toEqual(m.preprocessing.inputs.map((t) => t.name));
        expect(Math.exp(a.instanceOutputValue) / predictions[i], family).toBeCloseTo(1, 4);
        const sum = Object.values(a.featureAttributions).reduce((s, v) => s + v, 0);
        expect(sum, family).toBeCloseTo(a.instanceOutputValue - a.baselineOutputValue, 4);
        expect(a.approximationError).toBeGreaterThanOrEqual(0);
      });
    }
  });

  it('are exact for trees and ridge (no approximation error), and reproducible for the MLP', () => {
    const [t] = models.trees.explain([rows[5]])[0].attributions;
    expect(t.approximationError).toBe(0);
    const [r] = models.ridge.explain([rows[5]], { paths: 2 })[0].attributions;
    expect(r.approximationError).toBeLessThan(1e-5);
    expect(models.mlp.explain(rows.slice(0, 3), { seed: 4 })).toEqual(
      models.mlp.explain(rows.slice(0, 3), { seed: 4 }),
    );
    expect(models.mlp.explain(rows.slice(0, 1), { paths: 2 })[0].attributions[0].approximationError).toBeGreaterThan(0);
  });

  it("give ridge's linear attributions: weight times distance from the baseline row, on the log scale", async () => {
    const p = await readJson<Preprocessing>(store, store.uri('runs/ridge'), 'preprocessing');
    const ridge = await readJson<RidgeModel>(store, store.uri('runs/ridge'), 'ridge');
    const { explanationBaseline } = await readJson<{ explanationBaseline: number[] }>(
      store,
      store.uri('runs/ridge'),
      'family',
    );
    const x = models.ridge.inputs([rows[0]]).values;
    const col = p.columns.indexOf('log_revenue');
    const [a] = models.ridge.explain([rows[0]])[0].attributions;
    expect(a.featureAttributions.log_revenue).toBeCloseTo(
      ridge.weights[col] * (x[col] - explanationBaseline[col]) * p.target.std,
      5,
    );
  });

  it('rejects an unusable number of paths', () => {
    expect(issuesOf(() => models.mlp.explain([rows[0]], { paths: 0 })).issues).toEqual([
      'paths: must be an integer from 1 to 500; got 0',
    ]);
  });
});
