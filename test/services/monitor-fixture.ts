/**
 * A production version for the monitor and experiment tests without training a network: the
 * training CSV, lineage, preprocessing and baseline distributions are written to the embedded stack's
 * artifact store as the pipeline writes them, with a simple stand-in predictor (market cap + debt).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../shared/config.js';
import { createLocalStack, type LocalStack } from '../../shared/composition/local.js';
import { defaultPolicy, type ModelPolicyInput } from '../../shared/domain/lifecycle/index.js';
import { COLLECTIONS, type ModelDoc, type VersionDoc } from '../../shared/domain/state.js';
import { silentLogger } from '../../shared/logging.js';
import {
  categoricalDistribution,
  numericDistribution,
  type BaselineDistributions,
  type Distribution,
} from '../../shared/ml/baseline-distributions.js';
import { parseCsv } from '../../shared/ml/csv.js';
import { DEFAULT_CONTRACT } from '../../shared/ml/default-contract.js';
import { computeFeatures } from '../../shared/ml/features.js';
import { buildFrame, type Frame, type RawCell } from '../../shared/ml/frame.js';
import { categoryOf, fitPreprocessing } from '../../shared/ml/preprocessing.js';
import { generateSampleCsv, type SampleDataOptions } from '../../shared/ml/sample-data.generator.js';
import { splitByTime } from '../../shared/ml/split.js';
import { pick } from '../../shared/ml/stats.js';
import type { PredictionRecord } from '../../shared/ports/prediction-log.js';

/** The clock of the fixtures. */
export const NOW = new Date('2024-06-01T12:00:00.000Z');
/** Model id of the fixtures. */
export const MODEL_ID = 'ipo-valuation';
const contract = DEFAULT_CONTRACT;

/** Raw rows of a generated panel as objects (column -> cell). */
export function panelRows(options: SampleDataOptions): Record<string, RawCell>[] {
  const t = parseCsv(generateSampleCsv(options));
  return t.rows.map((r) => Object.fromEntries(t.header.map((h, j) => [h, r[j] === '' ? null : r[j]])));
}

function frameOf(rows: readonly Record<string, RawCell>[]): Frame {
  const raw: Record<string, RawCell[]> = {};
  for (const c of contract.columns) raw[c.name] = rows.map((r) => r[c.name]);
  return buildFrame(raw, rows.length, contract).frame;
}

/** The stand-in model: EV ≈ market cap + debt (12 × revenue when those are missing). */
export function standInPredict(row: Record<string, RawCell>): number {
  const v = Number(row.market_cap) + Number(row.total_debt);
  if (Number.isFinite(v) && v > 0) return v;
  const r = Number(row.revenue);
  return Number.isFinite(r) && r > 0 ? 12 * r : 1e9;
}

/** A stack with a production version 1.0.0 trained (in name) on `generateSampleCsv({ seed: 1 })`. */
export interface MonitorFixture {
  stack: LocalStack;
  artifactUri: string;
  close(): Promise<void>;
}

/** Build the stack, the version's artifacts and the model state. */
export async function monitorFixture(
  policy: ModelPolicyInput = {},
  clock: () => Date = () => NOW,
): Promise<MonitorFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'ipo-monitor-'));
  const stack = await createLocalStack(loadConfig({ IPO_DATA_DIR: dir }), { logger: silentLogger, clock, policy });
  const { artifacts, store } = stack;
  const csv = generateSampleCsv({ seed: 1 });
  const dataUri = artifacts.uri('landing/train.csv');
  await artifacts.write(dataUri, csv);
  const rows = panelRows({ seed: 1 });
  const frame = frameOf(rows);
  const features = computeFeatures(frame, contract);
  const target = frame.numeric[contract.target.column];
  const split = splitByTime(frame, contract, (i) => Number.isFinite(target[i]) && target[i] > 0);
  const pre = fitPreprocessing(contract, features, target, split.train);
  const train = split.train;
  const baseline: BaselineDistributions = {
    rows: train.length,
    columns: Object.fromEntries(
      contract.columns.flatMap((c): [string, Distribution][] =>
        c.type === 'numeric'
          ? [[c.name, numericDistribution(pick(frame.numeric[c.name], train))]]
          : c.type === 'categorical'
            ? [[c.name, categoricalDistribution(train.map((r) => frame.text[c.name][r]))]]
            : [],
      ),
    ),
    features: Object.fromEntries(
      pre.inputs.map((t) => [
        t.name,
        t.kind === 'numeric'
          ? numericDistribution(pick(features.numeric[t.name], train))
          : categoricalDistribution(train.map((r) => categoryOf(t, features, r))),
      ]),
    ),
    prediction: numericDistribution(Float64Array.from(train, (r) => standInPredict(rows[r]))),
  };
  const artifactUri = artifacts.uri('runs/run-1');
  await artifacts.write(`${artifactUri}/baseline.json`, JSON.stringify(baseline));
  await artifacts.write(`${artifactUri}/preprocessing.json`, JSON.stringify(pre));
  await artifacts.write(
    `${artifactUri}/lineage.json`,
    JSON.stringify({ dataset: { uri: dataUri }, split: split.rule }),
  );
  const at = NOW.toISOString();
  await store.createIfAbsent(COLLECTIONS.models, MODEL_ID, {
    modelId: MODEL_ID,
    policy: defaultPolicy(policy),
    championVersion: '1.0.0',
    championHistory: [],
    endpointId: `${MODEL_ID}-endpoint`,
    createdAt: at,
    updatedAt: at,
    champion: {
      version: '1.0.0',
      artifactUri,
      rows: train.length,
      dataSnapshotAt: at,
      trainedAt: at,
      contractHash: '',
      datasetFingerprint: '',
    },
  } satisfies ModelDoc);
  await store.createIfAbsent(COLLECTIONS.versions(MODEL_ID), '1.0.0', version('1.0.0', 'production', artifactUri));
  return {
    stack,
    artifactUri,
    async close() {
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A version document in a given state. */
export function version(v: string, state: string, artifactUri: string, enteredAt = NOW.toISOString()): VersionDoc {
  const metrics = { r2: 0.9, mse: 1, mae: 1, rmse: 1, mape: 10, overfitting: 1 };
  return {
    modelId: MODEL_ID,
    version: v,
    state,
    runId: `run-${v}`,
    artifactUri,
    metrics,
    gate: { verdict: 'blessed', reasons: [], evidence: [] },
    lineage: {},
    approvals: [],
    stateHistory: [{ to: state, at: enteredAt, actor: 'test', reason: 'fixture' }],
    createdAt: enteredAt,
    updatedAt: enteredAt,
  };
}

/**
 * Serving traffic: one request per company carrying its history in periods 2017Q2..2020Q1 (the
 * model's training periods, so only the distribution differs), each instance logged as `{id}:{i}`.
 */
export function servingRecords(
  options: SampleDataOptions,
  versionOf: (requestId: string) => string = () => '1.0.0',
  at = NOW,
): PredictionRecord[] {
  const rows = panelRows(options).filter(
    (r) => String(r.fiscal_quarter) >= '2017Q2' && String(r.fiscal_quarter) <= '2020Q1',
  );
  const byCompany = new Map<string, Record<string, RawCell>[]>();
  for (const r of rows) byCompany.set(String(r.company_id), [...(byCompany.get(String(r.company_id)) ?? []), r]);
  const out: PredictionRecord[] = [];
  let k = 0;
  for (const [company, history] of byCompany) {
    const requestId = `req-${company}`;
    const predictedAt = new Date(at.getTime() - 3_600_000 + k++ * 1000).toISOString();
    history.forEach((row, i) =>
      out.push({
        requestId: `${requestId}:${i}`,
        modelId: MODEL_ID,
        version: versionOf(requestId),
        endpointId: `${MODEL_ID}-endpoint`,
        features: row,
        prediction: standInPredict(row),
        predictedAt,
        latencyMs: 5,
        marketCondition: String(row.fiscal_quarter) >= '2019Q1' ? 'late-cycle' : 'expansion',
      }),
    );
  }
  return out;
}
