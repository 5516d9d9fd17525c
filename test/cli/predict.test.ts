/** `ipo-mlops predict`: batch prediction of a CSV with a registered version, from the platform's data directory. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictCommand } from '../../shared/cli/predict.command.js';
import { trainCommand } from '../../shared/cli/train.command.js';
import { openLocalTelemetry } from '../../shared/composition/cli.js';
import { COLLECTIONS, type ModelDoc, type VersionDoc } from '../../shared/domain/state.js';
import { parseCsv, toCsv } from '../../shared/ml/csv.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import { loadServingModel } from '../../shared/ml/serving-model.js';
import { captureIO } from './support.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ipo-predict-'));
const dataDir = path.join(dir, 'data');
const artifactDir = path.join(dataDir, 'artifacts', 'runs', 'run-1');
const artifactUri = pathToFileURL(artifactDir).href;
const sample = parseCsv(generateSampleCsv({ companies: 30, quarters: 12, seed: 5 }));
const input = path.join(dir, 'in.csv');

beforeAll(async () => {
  const training = path.join(dir, 'train.csv');
  writeFileSync(training, toCsv(sample.header, sample.rows));
  const io = captureIO();
  expect(
    await trainCommand.run(['--data', training, '--out', artifactDir, '--epochs', '2', '--batch-size', '128'], io),
  ).toBe(0);
  // Register it as version 1.0.0, the champion, as the platform would.
  const at = new Date().toISOString();
  const metrics = { r2: 0.8, mse: 1, mae: 1, rmse: 1, mape: 10, overfitting: 1 };
  const model: ModelDoc = {
    modelId: 'ipo-valuation',
    policy: {},
    championVersion: '1.0.0',
    championHistory: [],
    versionList: ['1.0.0'],
    endpointId: 'ep',
    createdAt: at,
    updatedAt: at,
  };
  const version: VersionDoc = {
    modelId: 'ipo-valuation',
    version: '1.0.0',
    state: 'production',
    runId: 'run-1',
    artifactUri,
    metrics,
    gate: { verdict: 'blessed', reasons: [], evidence: [] },
    lineage: {},
    approvals: [],
    stateHistory: [],
    createdAt: at,
    updatedAt: at,
  };
  const local = openLocalTelemetry(dataDir);
  await local.store.transaction(async (tx) => {
    tx.set(COLLECTIONS.models, 'ipo-valuation', model);
    tx.set(COLLECTIONS.versions('ipo-valuation'), '1.0.0', version);
  });
  await local.close();
  // The last quarters of five companies, without the target.
  const target = sample.header.indexOf('enterprise_value');
  const rows = sample.rows
    .filter((r) => ['C00001', 'C00002', 'C00003', 'C00004', 'C00005'].includes(String(r[0])))
    .map((r) => r.filter((_, j) => j !== target));
  writeFileSync(
    input,
    toCsv(
      sample.header.filter((_, j) => j !== target),
      rows,
    ),
  );
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function predict(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO();
  const code = await predictCommand.run([...args, '--data-dir', dataDir], io);
  return { code, out: io.lines.join('\n'), err: io.errors.join('\n') };
}

describe('ipo-mlops predict', () => {
  it('writes every input row with the prediction of the production version, the same as the model serves', async () => {
    const output = path.join(dir, 'out.csv');
    const r = await predict('--input', input, '--output', output);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const inRows = parseCsv(readFileSync(input, 'utf8'));
    expect(r.out).toBe(`wrote ${inRows.rows.length} predictions of ipo-valuation 1.0.0 to ${output}`);
    const out = parseCsv(readFileSync(output, 'utf8'));
    expect(out.header).toEqual([...inRows.header, 'predicted_enterprise_value', 'error']);
    expect(out.rows.map((row) => row.slice(0, -2))).toEqual(inRows.rows);
    expect(out.rows.every((row) => row.at(-1) === null || row.at(-1) === '')).toBe(true);
    const local = openLocalTelemetry(dataDir);
    const model = await loadServingModel(local.artifacts, artifactUri).finally(() => local.close());
    const expected = model.predict(
      inRows.rows.map((row) => Object.fromEntries(inRows.header.map((h, j) => [h, row[j] ?? null]))),
    );
    model.dispose();
    out.rows.forEach((row, i) => expect(Number(row.at(-2))).toBeCloseTo(expected[i], 0));
    expect(await predict('--input', input, '--output', path.join(dir, 'v.csv'), '--model', '1.0.0')).toMatchObject({
      code: 0,
    });
  });

  it('--explain adds attribution columns that sum, with the baseline, to each prediction on the model scale', async () => {
    const output = path.join(dir, 'explained.csv');
    expect(await predict('--input', input, '--output', output, '--explain')).toMatchObject({ code: 0 });
    const out = parseCsv(readFileSync(output, 'utf8'));
    const attributionColumns = out.header.filter((h) => h.startsWith('attribution_') && h !== 'attribution_baseline');
    expect(attributionColumns.length).toBeGreaterThan(0);
    expect(out.header).toContain('attribution_baseline');
    for (const row of out.rows) {
      const cell = (name: string) => Number(row[out.header.indexOf(name)]);
      expect(attributionColumns.every((c) => Number.isFinite(cell(c)))).toBe(true);
      const onModelScale = cell('attribution_baseline') + attributionColumns.reduce((sum, c) => sum + cell(c), 0);
      const predicted = cell('predicted_enterprise_value');
      expect(onModelScale).toBeCloseTo(Math.sign(predicted) * Math.log1p(Math.abs(predicted)), 3);
    }
  });

  it('names what is wrong: an unknown version, a bad flag, a missing file, a data dir that is not one, bad values', async () => {
    const output = path.join(dir, 'x.csv');
    expect(await predict('--input', input, '--output', output, '--model', '9.9.9')).toMatchObject({
      code: 1,
      err: 'predict: --model: version 9.9.9 of ipo-valuation does not exist (versions: 1.0.0)',
    });
    expect((await predict('--input', input, '--output', output, '--model', 'latest')).err).toMatch(
      /^predict: --model: expected a version like 1\.2\.0 or production, got "latest"/,
    );
    expect((await predict('--input', input)).err).toMatch(
      /^predict: --input IN\.csv and --output OUT\.csv are required/,
    );
    expect((await predict('--input', path.join(dir, 'nope.csv'), '--output', output)).err).toMatch(
      /^predict: --input .*nope\.csv: cannot read/,
    );
    const io = captureIO();
    expect(await predictCommand.run(['--input', input, '--output', output, '--data-dir', dir], io)).toBe(1);
    expect(io.errors.join('\n')).toMatch(/has no state\.db: is it the platform's data directory \(--data-dir\)\?/);
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, readFileSync(input, 'utf8').replace(/\n(C00001,[^,]*,[^,]*,)[^,]*/, '\n$1not-a-number'));
    const r = await predict('--input', bad, '--output', output);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/revenue/);
  });
});
