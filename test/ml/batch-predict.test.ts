/** Batch prediction over CSV text: every row back in order, with its prediction or the reason it has none. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../shared/adapters/local/fs.artifact-store.js';
import { ValidationError } from '../../shared/domain/errors.js';
import { predictCsv } from '../../shared/ml/batch-predict.js';
import { parseCsv, toCsv } from '../../shared/ml/csv.js';
import { DEFAULT_CONTRACT } from '../../shared/ml/default-contract.js';
import { runPipeline } from '../../shared/ml/pipeline.js';
import { generateSamplePanel } from '../../shared/ml/sample-data.generator.js';
import { loadServingModel, type ServingModel } from '../../shared/ml/serving-model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ipo-batch-'));
const store = new FsArtifactStore(dir);
const panel = generateSamplePanel({ companies: 40, quarters: 12, seed: 8, missingRate: 0 });
let model: ServingModel;

beforeAll(async () => {
  writeFileSync(path.join(dir, 'panel.csv'), toCsv(panel.header, panel.rows));
  writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ ...DEFAULT_CONTRACT, model: { families: ['trees'] } }));
  const artifactUri = store.uri('runs/b');
  await runPipeline(
    {
      runId: 'b',
      modelId: 'm',
      correlationId: 'c',
      dataUri: store.uri('panel.csv'),
      contractUri: store.uri('c.json'),
      artifactUri,
      hyperparameters: {},
      seed: 1,
    },
    { store },
  );
  model = await loadServingModel(store, artifactUri);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const records = (csv: string): Record<string, string>[] => {
  const t = parseCsv(csv);
  return t.rows.map((r) => Object.fromEntries(t.header.map((h, j) => [h, r[j]])));
};

describe('predictCsv', () => {
  it('adds the prediction to every row, in order, equal to predicting the rows directly', () => {
    const rows = panel.rows.slice(0, 36);
    const input = toCsv(panel.header, rows);
    const result = predictCsv(model, input);
    expect(result).toMatchObject({ rows: 36, failed: [] });
    const out = records(result.csv);
    expect(Object.keys(out[0])).toEqual([...panel.header, 'predicted_enterprise_value', 'error']);
    const direct = model.predict(records(input));
    out.forEach((r, i) => {
      expect(r.company_id).toBe(String(rows[i][0]));
      expect(Number(r.predicted_enterprise_value)).toBe(direct[i]);
      expect(r.error).toBe('');
    });
  });

  it('reports a row with an unusable value by row, line and field, and predicts the others', () => {
    const rows = panel.rows.slice(0, 24).map((r) => [...r]);
    rows[5][panel.header.indexOf('revenue')] = '12 million';
    rows[9] = rows[9].slice(0, 4);
    const result = predictCsv(model, toCsv(panel.header, rows));
    expect(result.rows).toBe(22);
    expect(result.failed).toEqual([
      { row: 6, line: 7, issues: [{ path: 'revenue', message: 'unusable value "12 million"' }] },
      { row: 10, line: 11, issues: [{ path: '', message: 'has 4 fields; the header has 9' }] },
    ]);
    const out = records(result.csv);
    expect(out[5]).toMatchObject({ predicted_enterprise_value: '', error: 'revenue: unusable value "12 million"' });
    expect(out[9].error).toBe('(root): has 4 fields; the header has 9');
    expect(
      out.filter((r) => r.predicted_enterprise_value !== '' && Number.isFinite(Number(r.predicted_enterprise_value))),
    ).toHaveLength(22);
  });

  it('rejects a file without a required column, naming it, and a prediction column that already exists', () => {
    const j = panel.header.indexOf('total_equity');
    const input = toCsv(
      panel.header.filter((_, k) => k !== j),
      panel.rows.slice(0, 3).map((r) => r.filter((_, k) => k !== j)),
    );
    expect(() => predictCsv(model, input)).toThrow(ValidationError);
    expect(() => predictCsv(model, input)).toThrow(/total_equity: required column is missing from the header/);
    expect(() =>
      predictCsv(model, toCsv(panel.header, panel.rows.slice(0, 2)), { predictionColumn: 'revenue' }),
    ).toThrow(/already has a column "revenue"/);
    expect(() => predictCsv(model, '')).toThrow(/the file is empty/);
  });

  it('adds per-feature attributions that sum to the log prediction minus the baseline', () => {
    const result = predictCsv(model, toCsv(panel.header, panel.rows.slice(0, 12)), {
      explain: true,
      predictionColumn: 'ev_hat',
    });
    const out = records(result.csv);
    const features = model.preprocessing.inputs.map((t) => `attribution_${t.name}`);
    expect(Object.keys(out[0]).slice(panel.header.length)).toEqual([
      'ev_hat',
      'attribution_baseline',
      ...features,
      'error',
    ]);
    for (const r of out) {
      const sum = features.reduce((s, f) => s + Number(r[f]), Number(r.attribution_baseline));
      expect(sum).toBeCloseTo(Math.log(Number(r.ev_hat)), 6);
    }
  });
});
