/**
 * The model inspector over the artifact store and the ML layer: reads a run's evaluation, checks
 * that its artifact loads and predicts finite values (servability), and scores a champion on the
 * candidate's own test periods so change thresholds compare like with like.
 */
import { errorMessage } from '../domain/errors.js';
import type { MetricSet } from '../domain/state.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { ModelInspector, RunEvaluation } from '../ports/model-inspector.js';
import { artifactPath, readJson } from '../ml/artifacts.js';
import { parseCsv } from '../ml/csv.js';
import type { Evaluation } from '../ml/evaluation.js';
import type { Importances } from '../ml/explanations.js';
import { parseNumber, parsePeriod } from '../ml/frame.js';
import type { Lineage } from '../ml/lineage.js';
import { targetMetrics, type RegressionMetrics } from '../ml/metrics.js';
import type { RawRow, ServingModel } from '../ml/serving-model.js';
import type { ValidationReport } from '../ml/validation.js';

const SAMPLE_ROWS = 200;

/** TensorFlow.js is loaded on first use only: most functions never score a model, and it costs ~1 s and ~90 MB at import. */
async function loadModel(store: ArtifactStore, artifactUri: string): Promise<ServingModel> {
  const { loadServingModel } = await import('../ml/serving-model.js');
  return loadServingModel(store, artifactUri);
}

/** Map the pipeline's regression metrics to the gate's metric set (`logScale` passes through for log-transformed targets). */
export function toMetricSet(m: RegressionMetrics, overfitting: number): MetricSet {
  return {
    r2: m.r2,
    mse: m.mse,
    mae: m.mae,
    rmse: m.rmse,
    mape: m.mape,
    overfitting,
    ...(m.directionalAccuracy === null ? {} : { directionalAccuracy: m.directionalAccuracy }),
    ...(m.logScale ? { logScale: m.logScale } : {}),
  };
}

/** Every candidate family's validation and test metric sets (absent in runs from before families). */
function familyMetricSets(e: Evaluation): Record<string, { validation: MetricSet; test: MetricSet }> {
  return Object.fromEntries(
    Object.entries(e.families ?? {}).map(([f, s]) => [
      f,
      { validation: toMetricSet(s.validation, Number.NaN), test: toMetricSet(s.test, Number.NaN) },
    ]),
  );
}

async function testRows(
  store: ArtifactStore,
  artifactUri: string,
): Promise<{ rows: RawRow[]; test: number[]; lineage: Lineage }> {
  const lineage = await readJson<Lineage>(store, artifactUri, 'lineage');
  const table = parseCsv(new TextDecoder().decode(await store.read(lineage.dataset.uri)));
  const rows = table.rows.map((r) => Object.fromEntries(table.header.map((h, i) => [h, r[i]])) as RawRow);
  const from = parsePeriod(lineage.split.test[0]) ?? Number.POSITIVE_INFINITY;
  const to = parsePeriod(lineage.split.test[1]) ?? Number.NEGATIVE_INFINITY;
  const test: number[] = [];
  rows.forEach((row, i) => {
    const t = parsePeriod(row[lineage.split.column]);
    if (t !== undefined && t >= from && t <= to) test.push(i);
  });
  return { rows, test, lineage };
}

/** Build the inspector. */
export function mlModelInspector(store: ArtifactStore): ModelInspector {
  return {
    async readEvaluation(artifactUri: string): Promise<RunEvaluation> {
      const metrics = await readJson<Evaluation>(store, artifactUri, 'metrics');
      const lineage = await readJson<Lineage>(store, artifactUri, 'lineage');
      const validation = await readJson<ValidationReport>(store, artifactUri, 'validation');
      const family = metrics.chosenFamily ?? 'mlp';
      const importances = (await store.exists(artifactPath(artifactUri, 'importances')))
        ? await readJson<Importances>(store, artifactUri, 'importances')
        : undefined;
      return {
        metrics: { ...toMetricSet(metrics.test, metrics.overfittingIndicator), family },
        baselineMetrics: toMetricSet(metrics.baseline, Number.NaN),
        validationPassed: validation.ok,
        lineage: {
          contractHash: lineage.contract.sha256,
          datasetFingerprint: lineage.dataset.sha256,
          rows: lineage.dataset.rows,
          dataSnapshotAt: lineage.finishedAt,
          contract: lineage.contract,
          dataset: lineage.dataset,
          parameters: lineage.parameters,
          split: lineage.split,
          code: lineage.code,
          timings: lineage.timings,
          model: {
            family,
            candidates: lineage.model?.candidates ?? [],
            families: familyMetricSets(metrics),
            ...(importances ? { importances } : {}),
          },
        },
        slices: {
          slices: metrics.slices,
          trainValidationGap: metrics.trainValidationGap,
          training: { family, epochsRun: metrics.training.epochsRun, bestEpoch: metrics.training.bestEpoch },
        },
      };
    },
    async servability(artifactUri: string) {
      try {
        const model = await loadModel(store, artifactUri);
        try {
          const { rows, test } = await testRows(store, artifactUri);
          const sample = rows.slice(0, Math.max(...test.slice(0, SAMPLE_ROWS), 0) + 1);
          const predictions = model.predict(sample).slice(-Math.min(SAMPLE_ROWS, sample.length));
          const bad = predictions.filter((p) => !Number.isFinite(p)).length;
          return bad === 0
            ? { ok: true, predictions: predictions.slice(0, 5) }
            : { ok: false, error: `${bad} of ${predictions.length} sample predictions are not finite` };
        } finally {
          model.dispose();
        }
      } catch (err) {
        return { ok: false, error: `artifact does not load or predict: ${errorMessage(err)}` };
      }
    },
    async evaluateOn(modelArtifactUri: string, testArtifactUri: string) {
      const { rows, test } = await testRows(store, testArtifactUri);
      const own = await readJson<Evaluation>(store, modelArtifactUri, 'metrics');
      let model;
      try {
        model = await loadModel(store, modelArtifactUri);
      } catch {
        return undefined;
      }
      try {
        const target = model.contract.target.column;
        if (rows.length === 0 || !(target in rows[0])) return undefined;
        const predicted = model.predict(rows);
        // parseNumber gives NaN for a missing cell and undefined for text: score only rows with a real target.
        const keep = test.filter((i) => Number.isFinite(parseNumber(rows[i][target])));
        const actual = keep.map((i) => parseNumber(rows[i][target]) as number);
        return toMetricSet(
          targetMetrics(
            model.contract.target.transform,
            actual,
            keep.map((i) => predicted[i]),
          ),
          own.overfittingIndicator,
        );
      } catch {
        return undefined; // the champion cannot read the candidate's data: a different feature contract
      } finally {
        model.dispose();
      }
    },
  };
}
