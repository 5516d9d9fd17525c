import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { abtestAnalyzeCommand } from '../../shared/cli/abtest.command.js';
import type { CliCommand } from '../../shared/cli/command.js';
import { CAPACITY_FILE, costRecommendCommand, measureEndpointCapacity } from '../../shared/cli/cost.command.js';
import { driftReportCommand } from '../../shared/cli/drift.command.js';
import { loadConfig } from '../../shared/config.js';
import { createLocalStack } from '../../shared/composition/local.js';
import { COLLECTIONS } from '../../shared/domain/state.js';
import { createPrng } from '../../shared/domain/stats/index.js';
import { silentLogger } from '../../shared/logging.js';
import { toCsv } from '../../shared/ml/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'ipo-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(cmd: CliCommand, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cmd.run(args, { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const rand = createPrng(3);
const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const sectors = ['Tech', 'Energy', 'Health'];
const rowsOf = (n: number, shift: number, mix: number[]): (string | number)[][] =>
  Array.from({ length: n }, (_, i) => [
    `id-${i}`,
    Math.exp(10 + gauss() + shift),
    50 + 10 * gauss(),
    sectors[mix[i % mix.length]],
  ]);
const header = ['company_id', 'revenue', 'score', 'sector'];
const reference = file('ref.csv', toCsv(header, rowsOf(2000, 0, [0, 1, 2])));
const same = file('same.csv', toCsv(header, rowsOf(500, 0, [0, 1, 2])));
const shifted = file('shifted.csv', toCsv(header, rowsOf(500, 1, [0, 0, 0, 1])));

describe('drift report', () => {
  it('prints a table and the dataset verdict', async () => {
    const r = await run(driftReportCommand, ['--reference', reference, '--current', shifted]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/column\s+kind\s+method\s+statistic\s+p-value\s+threshold\s+verdict/);
    expect(r.out).toMatch(/revenue\s+numeric\s+psi\s+\S+\s+-\s+0\.2000\s+DRIFT/);
    expect(r.out).toMatch(/skipped company_id: text with more than 100 distinct values/);
    expect(r.out).toMatch(/dataset: DRIFT \(2 of 3 columns/);
  });

  it('--json: stable per-feature fields and verdict; no drift on a same-distribution sample', async () => {
    const r = await run(driftReportCommand, ['--reference', reference, '--current', same, '--json']);
    const j = JSON.parse(r.out) as {
      kind: string;
      dataset: { drifted: boolean; nFeatures: number };
      features: Record<string, unknown>[];
    };
    expect(j.kind).toBe('drift-report');
    expect(j.dataset).toMatchObject({ drifted: false, nFeatures: 3 });
    expect(Object.keys(j.features[0]).sort()).toEqual([
      'drifted',
      'feature',
      'kind',
      'method',
      'missingRate',
      'nCurrent',
      'nReference',
      'note',
      'pValue',
      'statistic',
      'statistics',
      'threshold',
    ]);
    expect(j.features.find((f) => f.feature === 'sector')).toMatchObject({
      kind: 'categorical',
      method: 'jensen_shannon',
      threshold: 0.1,
    });
    const e = JSON.parse(
      (await run(driftReportCommand, ['--reference', reference, '--current', shifted, '--json', '--evidently'])).out,
    ) as { features: { feature: string; method: string }[]; dataset: { driftShare: number } };
    expect(e.features.find((f) => f.feature === 'revenue')?.method).toBe('wasserstein');
    expect(e.dataset.driftShare).toBe(0.5);
  });

  it('names the file and column on bad input', async () => {
    const noScore = file('no-score.csv', toCsv(['company_id', 'revenue', 'sector'], [['a', 1, 'Tech']]));
    expect((await run(driftReportCommand, ['--reference', reference, '--current', noScore])).err).toMatch(
      /no-score\.csv: missing column\(s\) "score"/,
    );
    const text = file('text.csv', toCsv(header, [['a', 'lots', 1, 'Tech']]));
    const bad = await run(driftReportCommand, ['--reference', reference, '--current', text]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/text\.csv: column "revenue" must be numeric; line 2 has "lots"/);
    expect((await run(driftReportCommand, ['--reference', join(dir, 'nope.csv'), '--current', same])).err).toMatch(
      /nope\.csv: cannot read/,
    );
  });
});

describe('abtest analyze', () => {
  const rows: (string | number)[][] = [];
  for (let i = 0; i < 200; i++) {
    const a = 100 * Math.exp(gauss());
    rows.push(['1.0.0', a * (1 + 0.3 * gauss()), a], ['1.1.0', a * (1 + 0.05 * gauss()), a]);
  }
  const predictions = file('ab.csv', toCsv(['model_version', 'predicted_value', 'actual_value'], rows));

  it('prints per-version metrics, the tests and the decision', async () => {
    const r = await run(abtestAnalyzeCommand, ['--predictions', predictions]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/1\.0\.0\s+control\s+200/);
    expect(r.out).toMatch(/1\.1\.0\s+candidate\s+200/);
    expect(r.out).toMatch(/Welch p=/);
    expect(r.out).toMatch(/decision: PROMOTE/);
  });

  it('--json with --control: the roles swap and the decision is rollback', async () => {
    const j = JSON.parse(
      (await run(abtestAnalyzeCommand, ['--predictions', predictions, '--control', '1.1.0', '--json'])).out,
    ) as {
      control: string;
      candidate: string;
      arms: { version: string; mae: number }[];
      tests: { welch: { pValue: number } };
      decision: { kind: string };
    };
    expect([j.control, j.candidate]).toEqual(['1.1.0', '1.0.0']);
    expect(j.decision.kind).toBe('rollback');
    expect(j.tests.welch.pValue).toBeLessThan(0.05);
  });

  it('names the file, line and column on bad input', async () => {
    const missing = file('ab-missing.csv', toCsv(['model_version', 'prediction'], [['1', 2]]));
    expect((await run(abtestAnalyzeCommand, ['--predictions', missing])).err).toMatch(
      /ab-missing\.csv: missing column\(s\) "predicted_value", "actual_value"/,
    );
    const text = file(
      'ab-text.csv',
      toCsv(
        ['model_version', 'predicted_value', 'actual_value'],
        [
          ['a', 1, 2],
          ['b', 'x', 2],
        ],
      ),
    );
    expect((await run(abtestAnalyzeCommand, ['--predictions', text])).err).toMatch(
      /ab-text\.csv: line 3: predicted_value is not a number: "x"/,
    );
    const three = file(
      'ab-three.csv',
      toCsv(
        ['model_version', 'predicted_value', 'actual_value'],
        [
          ['a', 1, 2],
          ['b', 1, 2],
          ['c', 1, 2],
        ],
      ),
    );
    expect((await run(abtestAnalyzeCommand, ['--predictions', three])).err).toMatch(
      /exactly 2 distinct values to compare, found 3 \(a, b, c\)/,
    );
  });
});

describe('cost recommend', () => {
  it('measures a per-replica capacity with a load test of the in-process endpoint', async () => {
    const m = await measureEndpointCapacity({
      predict: async (rows) => rows.map(() => 1),
      instance: { revenue: 1 },
      requests: 40,
      concurrency: 2,
    });
    expect(m.requests).toBe(40);
    expect(m.perReplicaCapacity).toBeGreaterThan(0);
  });

  it('reads the platform telemetry and prints the dry-run plan (human and --json); errors name the data dir', async () => {
    const dataDir = join(dir, 'platform');
    const stack = await createLocalStack(loadConfig({ IPO_DATA_DIR: dataDir }), { logger: silentLogger });
    const at = new Date().toISOString();
    await stack.store.createIfAbsent(COLLECTIONS.models, 'ipo-valuation', {
      modelId: 'ipo-valuation',
      policy: {},
      championVersion: '1.0.0',
      championHistory: [],
      endpointId: 'ipo-valuation-endpoint',
      createdAt: at,
      updatedAt: at,
    });
    await stack.store.createIfAbsent(COLLECTIONS.deployments, 'ipo-valuation-endpoint', {
      endpointId: 'ipo-valuation-endpoint',
      modelId: 'ipo-valuation',
      split: { '1.0.0': 100 },
      artifacts: { '1.0.0': 'file:///x' },
      revision: 1,
      history: [],
      updatedAt: at,
    });
    await stack.predictionLog.record(
      Array.from({ length: 600 }, (_, i) => ({
        requestId: `r${i}`,
        modelId: 'ipo-valuation',
        version: '1.0.0',
        endpointId: 'ipo-valuation-endpoint',
        features: {},
        prediction: 1,
        predictedAt: new Date(Date.now() - 3_600_000 + i * 6000).toISOString(),
        latencyMs: 2,
      })),
    );
    await stack.close();
    const none = await run(costRecommendCommand, ['--data-dir', dataDir]);
    expect(none.err).toMatch(/no per-replica capacity: run with --measure/);
    writeFileSync(
      join(dataDir, CAPACITY_FILE),
      JSON.stringify({
        perReplicaCapacity: 0.1,
        requests: 100,
        concurrency: 4,
        seconds: 1000,
        measuredAt: at,
        artifactUri: null,
      }),
    );
    const human = await run(costRecommendCommand, ['--data-dir', dataDir]);
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/1\.0\.0\s+set_replicas\s+\d+/);
    expect(human.out).toMatch(/dry run: nothing applied/);
    const j = JSON.parse((await run(costRecommendCommand, ['--data-dir', dataDir, '--json'])).out) as {
      kind: string;
      dryRun: boolean;
      perReplicaCapacity: number;
      plan: { recommendedReplicas: number };
      measurement: { perReplicaCapacity: number };
    };
    expect(j).toMatchObject({
      kind: 'cost-recommendation',
      dryRun: true,
      perReplicaCapacity: 0.1,
      measurement: { perReplicaCapacity: 0.1 },
    });
    expect(j.plan.recommendedReplicas).toBeGreaterThanOrEqual(2); // ~0.17 req/s x 1.2 / 0.1
    expect((await run(costRecommendCommand, ['--data-dir', join(dir, 'nowhere')])).err).toMatch(
      /nowhere\/state\.db does not exist/,
    );
  });
});
