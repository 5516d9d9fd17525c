/**
 * Training benchmark: each model family (gradient-boosted trees, the MLP, ridge; optionally the MLP
 * seed ensemble) trained on the same prepared data, side by side: training wall time, iterations,
 * validation loss, test R² (target and log scale) and test MAPE, on the synthetic company panel (5k and
 * 20k rows, with and without a regime shift), the housing fixture and an IPO-shaped table.
 * Run: `npx tsx bench/train/main.ts [--quick] [--sizes 5000,20000] [--backend wasm|cpu] [--ensemble 5]`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { disposeCandidates, trainCandidates } from '../../shared/ml/candidates.js';
import { parseContract, type DataContract } from '../../shared/ml/contract.js';
import { parseCsv } from '../../shared/ml/csv.js';
import { DEFAULT_CONTRACT } from '../../shared/ml/default-contract.js';
import { parseHyperparameters } from '../../shared/ml/hyperparameters.js';
import type { ModelFamily } from '../../shared/ml/model-families.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import { TF_BACKENDS, useBackend, type TfBackend } from '../../shared/ml/tf-backend.js';
import { evaluateCandidates, prepareData } from '../../shared/ml/training-steps.js';
import { validateTable } from '../../shared/ml/validation.js';
import { generateIpoLikeCsv, IPO_LIKE_CONTRACT } from '../../test/fixtures/ml/ipo-like.js';
import { load, mib, printSummary, printTable, QUICK } from '../support/report.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    sizes: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    ensemble: { type: 'string', default: '0' },
  },
});
if (!TF_BACKENDS.includes(values.backend as TfBackend))
  throw new Error(`--backend must be one of ${TF_BACKENDS.join(', ')}`);
const sizes = (values.sizes ?? (QUICK ? '5000' : '5000,20000')).split(',').map(Number);
const ensemble = Number(values.ensemble);
const families: ModelFamily[] = ['trees', 'mlp', 'ridge', ...(ensemble > 1 ? ['mlp-ensemble' as const] : [])];
const quarters = 24;
const housing = parseContract(
  JSON.parse(readFileSync(new URL('../../test/fixtures/ml/housing.contract.json', import.meta.url), 'utf8')),
);
const datasets: { name: string; csv: () => string; contract: DataContract }[] = [
  ...sizes.flatMap((rows) =>
    [false, true].map((shift) => ({
      name: `panel ${rows / 1000}k${shift ? ' shifted' : ''}`,
      csv: () => generateSampleCsv({ companies: Math.round(rows / quarters), quarters, seed: 42, regimeShift: shift }),
      contract: DEFAULT_CONTRACT,
    })),
  ),
  {
    name: 'housing 720',
    csv: () => readFileSync(new URL('../../test/fixtures/ml/housing.csv', import.meta.url), 'utf8'),
    contract: housing,
  },
  { name: 'ipo-like 3k', csv: () => generateIpoLikeCsv(3000, 7), contract: parseContract(IPO_LIKE_CONTRACT) },
];

const backend = await useBackend(values.backend as TfBackend);
const hp = parseHyperparameters({});
console.log(
  `train bench${QUICK ? ' (--quick)' : ''}: node ${process.version}, tfjs ${backend}; default hyperparameters (MLP <= ${hp.epochs} epochs, trees <= ${hp.treeMaxIterations} iterations, early stopping on the validation split); load ${load()}`,
);
const table: (string | number)[][] = [];
const summary: Record<
  string,
  Record<string, { trainS: number; testR2: number; testLogR2: number | null; mape: number }>
> = {};
for (const ds of datasets) {
  const { report, frame } = validateTable(parseCsv(ds.csv()), ds.contract);
  if (!frame) throw new Error(`${ds.name}: ${report.issues.map((i) => i.message).join('; ')}`);
  const prepared = prepareData(frame, ds.contract);
  for (const family of families) {
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const trained = await trainCandidates(prepared, hp, 1, {
      families: [family],
      mlpSeeds: Math.max(2, ensemble),
      maxOverfitting: null,
    });
    const trainS = (performance.now() - t0) / 1000;
    const { evaluation: e } = evaluateCandidates(frame, ds.contract, prepared, trained.candidates, trained.ridge, null);
    const s = e.families[family];
    if (!s) throw new Error(`no scores for ${family}`);
    table.push([
      ds.name,
      `${prepared.split.rule.rows.train}/${prepared.split.rule.rows.validation}/${prepared.split.rule.rows.test}`,
      family,
      trainS.toFixed(2),
      s.epochsRun,
      s.validationLoss.toFixed(4),
      s.overfitting.toFixed(1),
      s.test.r2.toFixed(4),
      s.test.logScale ? s.test.logScale.r2.toFixed(4) : 'n/a',
      s.test.mape.toFixed(2),
      mib(process.memoryUsage().rss - rssBefore),
      load(),
    ]);
    (summary[ds.name] ??= {})[family] = {
      trainS: Number(trainS.toFixed(2)),
      testR2: Number(s.test.r2.toFixed(4)),
      testLogR2: s.test.logScale ? Number(s.test.logScale.r2.toFixed(4)) : null,
      mape: Number(s.test.mape.toFixed(2)),
    };
    disposeCandidates(trained.candidates);
  }
}
printTable(
  [
    'dataset',
    'train/val/test rows',
    'family',
    'train s',
    'iters',
    'val loss',
    'val/train',
    'test R²',
    'test R² (log)',
    'test MAPE %',
    'ΔRSS MB',
    'load',
  ],
  table,
);
printSummary('train', { backend, families: summary });
