/**
 * Load a trained model for serving: the network plus the saved preprocessing, so raw rows are turned
 * into inputs exactly as in training. Rows of the same entity are treated as its history in time order.
 */
import type * as tf from '@tensorflow/tfjs';
import { ValidationError, type Issue } from '../domain/errors.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import { loadModel, readJson } from './artifacts.js';
import type { DataContract } from './contract.js';
import { computeFeatures } from './features.js';
import { frameFromRecords, type RawCell } from './frame.js';
import { predictMlp } from './mlp.js';
import { targetFromModel, transformInputs, type Preprocessing } from './preprocessing.js';
import { useBackend, type TfBackend } from './tf-backend.js';

/** A raw input row: contract column name -> value. */
export type RawRow = Record<string, RawCell>;

/** A loaded model that predicts the target from raw rows. */
export interface ServingModel {
  artifactUri: string;
  contract: DataContract;
  preprocessing: Preprocessing;
  /** Predictions on the target's scale, one per row, in input order. */
  predict(rows: readonly RawRow[]): number[];
  /** The model's input matrix for raw rows (for skew checks and debugging). */
  inputs(rows: readonly RawRow[]): { columns: string[]; values: Float32Array };
  dispose(): void;
}

/** Load the model and preprocessing under an artifact URI. */
export async function loadServingModel(store: ArtifactStore, artifactUri: string, options: { backend?: TfBackend } = {}): Promise<ServingModel> {
  await useBackend(options.backend);
  const preprocessing = await readJson<Preprocessing>(store, artifactUri, 'preprocessing');
  const model: tf.LayersModel = await loadModel(store, artifactUri);
  const contract = preprocessing.contract;
  const inputs = (rows: readonly RawRow[]): { columns: string[]; values: Float32Array } => {
    const { frame, problems } = frameFromRecords(rows, contract);
    const issues: Issue[] = [];
    for (const [column, p] of Object.entries(problems)) {
      if (p.unparseable.length > 0) issues.push({ path: column, message: `${p.unparseable.length} rows (${p.unparseable.slice(0, 5).join(', ')}) have unusable values, e.g. ${p.samples.map((s) => JSON.stringify(s)).join(', ')}` });
    }
    if (issues.length > 0) throw new ValidationError('prediction rows', issues, 'PREDICT.INPUT_INVALID');
    const features = computeFeatures(frame, contract);
    return { columns: preprocessing.columns, values: transformInputs(preprocessing, features, Array.from({ length: frame.n }, (_, i) => i)) };
  };
  return {
    artifactUri,
    contract,
    preprocessing,
    inputs,
    predict(rows) {
      if (rows.length === 0) return [];
      const x = inputs(rows);
      const z = predictMlp(model, { values: x.values, rows: rows.length, cols: x.columns.length });
      return Array.from(z, (v) => targetFromModel(preprocessing.target, v));
    },
    dispose() {
      model.dispose();
    },
  };
}
