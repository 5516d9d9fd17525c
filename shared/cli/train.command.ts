/** `ipo-mlops train`: run the training pipeline on a local CSV and print metrics against the gate thresholds. */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { fileArtifactStore } from '../composition/cli.js';
import { errorMessage } from '../domain/errors.js';
import type { Evaluation } from '../ml/evaluation.js';
import { runPipeline, type PipelineProgress } from '../ml/pipeline.js';
import { TF_BACKENDS, type TfBackend } from '../ml/tf-backend.js';
import { DatasetValidationError } from '../ml/validation.js';
import type { CliCommand, CliIO } from './command.js';
import { EtaTracker, progressLine } from './progress.js';

const help = `Usage: ipo-mlops train --data FILE.csv --out DIR [options]

Validate the data, compute features, split by time, train the MLP and the ridge baseline,
evaluate, and write the artifacts (model, preprocessing, metrics, baselines, lineage) to DIR.

Options:
  --data FILE          training data CSV (required)
  --contract FILE      data contract JSON (default: the built-in company-panel contract)
  --out DIR            artifact directory (required)
  --epochs N           maximum epochs (default 100; early stopping on validation loss)
  --batch-size N       batch size (default 64)
  --learning-rate X    Adam learning rate (default 0.001)
  --patience N         early-stopping patience in epochs (default 10)
  --seed S             random seed (default 42)
  --backend B          wasm or cpu (default wasm)
  --help               show this help`;

/** The gate thresholds the summary compares against. */
export const GATE_THRESHOLDS = { r2: 0.7, mapePercent: 15, overfitting: 2 } as const;

const HP_FLAGS = {
  epochs: 'epochs',
  'batch-size': 'batchSize',
  'learning-rate': 'learningRate',
  patience: 'patience',
} as const;

/** Prints step timings and epoch progress with an ETA: every epoch on a terminal, every tenth of the run otherwise. */
export function progressPrinter(io: CliIO, now: () => number = Date.now): (e: PipelineProgress) => void {
  const eta = new EtaTracker();
  return (e) => {
    if (e.kind === 'step') {
      if (e.status === 'finished') io.out(`  ${e.step.padEnd(10)} done in ${e.elapsedMs ?? 0} ms`);
      return;
    }
    const left = eta.update(e, now());
    if (io.isTTY || e.epoch === e.epochs || e.epoch % Math.max(1, Math.round(e.epochs / 10)) === 0)
      io.out(`  ${progressLine(e, left)}`);
  };
}

/** The metrics summary table (MLP vs ridge baseline vs gate), as lines. */
export function summaryTable(m: Evaluation): string[] {
  const f = (v: number | null, digits = 4): string => (v === null || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));
  const row = (name: string, model: string, baseline: string, gate: string, pass: boolean | undefined): string =>
    `${name.padEnd(22)}${model.padStart(14)}${baseline.padStart(14)}${gate.padStart(12)}  ${pass === undefined ? '' : pass ? 'PASS' : 'FAIL'}`;
  return [
    row('metric (test split)', 'MLP', 'ridge', 'gate', undefined),
    row('R²', f(m.test.r2), f(m.baseline.r2), `>= ${GATE_THRESHOLDS.r2}`, m.test.r2 >= GATE_THRESHOLDS.r2),
    row(
      'MAPE %',
      f(m.test.mape, 2),
      f(m.baseline.mape, 2),
      `<= ${GATE_THRESHOLDS.mapePercent}`,
      m.test.mape <= GATE_THRESHOLDS.mapePercent,
    ),
    row(
      'overfitting (val/train)',
      f(m.overfittingIndicator, 3),
      '',
      `<= ${GATE_THRESHOLDS.overfitting}`,
      m.overfittingIndicator <= GATE_THRESHOLDS.overfitting,
    ),
    row('RMSE', m.test.rmse.toExponential(3), m.baseline.rmse.toExponential(3), '', undefined),
    row('MAE', m.test.mae.toExponential(3), m.baseline.mae.toExponential(3), '', undefined),
    row('directional accuracy', f(m.test.directionalAccuracy, 3), f(m.baseline.directionalAccuracy, 3), '', undefined),
    row('train/val loss gap', f(m.trainValidationGap), '', '', undefined),
  ];
}

/** The `train` command. */
export const trainCommand: CliCommand = {
  path: ['train'],
  summary: 'Train and evaluate a model on a local CSV',
  help,
  async run(args, io) {
    let values: Record<string, string | boolean | undefined>;
    const hyperparameters: Record<string, number> = {};
    try {
      values = parseArgs({
        args,
        options: {
          data: { type: 'string' },
          contract: { type: 'string' },
          out: { type: 'string' },
          seed: { type: 'string' },
          backend: { type: 'string' },
          help: { type: 'boolean' },
          ...Object.fromEntries(Object.keys(HP_FLAGS).map((k) => [k, { type: 'string' as const }])),
        },
        strict: true,
      }).values;
      if (values.help) {
        io.out(help);
        return 0;
      }
      if (typeof values.data !== 'string' || typeof values.out !== 'string')
        throw new Error('--data FILE.csv and --out DIR are required');
      for (const [flag, key] of Object.entries(HP_FLAGS)) {
        const v = values[flag];
        if (typeof v !== 'string') continue;
        if (!Number.isFinite(Number(v))) throw new Error(`--${flag} must be a number, got "${v}"`);
        hyperparameters[key] = Number(v);
      }
      if (values.backend !== undefined && !TF_BACKENDS.includes(values.backend as TfBackend))
        throw new Error(`--backend must be one of ${TF_BACKENDS.join(', ')}`);
    } catch (err) {
      io.err(`train: ${errorMessage(err)}\n\n${help}`);
      return 2;
    }
    const url = (p: string): string => pathToFileURL(path.resolve(p)).href;
    const outDir = path.resolve(String(values.out));
    const request = {
      runId: `cli-${randomUUID()}`,
      modelId: 'cli',
      correlationId: randomUUID(),
      dataUri: url(String(values.data)),
      ...(typeof values.contract === 'string' ? { contractUri: url(values.contract) } : {}),
      artifactUri: url(outDir),
      hyperparameters,
      seed: values.seed === undefined ? 42 : Number(values.seed),
    };
    io.out(`training on ${values.data} -> ${outDir}`);
    try {
      const named = [String(values.data), ...(typeof values.contract === 'string' ? [values.contract] : [])].map((p) =>
        path.resolve(p),
      );
      const out = await runPipeline(request, {
        store: fileArtifactStore(outDir, named),
        onProgress: progressPrinter(io),
        backend: values.backend as TfBackend | undefined,
      });
      const m = out.metrics;
      if (!m) throw new Error('the pipeline produced no metrics');
      io.out('');
      for (const line of summaryTable(m)) io.out(line);
      io.out('');
      io.out(
        `epochs run ${m.training.epochsRun} (best ${m.training.bestEpoch}${m.training.stoppedEarly ? ', stopped early' : ''}); backend ${out.lineage?.code.backend}; artifacts in ${outDir}`,
      );
      return 0;
    } catch (err) {
      if (err instanceof DatasetValidationError) {
        io.err(`train: the data failed validation (${err.report.errors} errors):`);
        for (const i of err.report.issues)
          io.err(`  ${i.severity.toUpperCase()} ${i.column || '(file)'}: ${i.message}`);
        return 1;
      }
      io.err(`train: ${errorMessage(err)}`);
      return 1;
    }
  },
};
