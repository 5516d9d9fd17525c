/**
 * Load a trained model of any family for serving: its predictor plus the saved preprocessing, so raw
 * rows become inputs exactly as in training. Rows of the same entity are treated as its history in
 * time order. Rows are checked against the contract first (PREDICT.INPUT_INVALID names each field).
 */
import { ValidationError } from '../domain/errors.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import { readJson } from './artifacts.js';
import type { DataContract } from './contract.js';
import { DEFAULT_PATHS, toVertexExplanation, type VertexExplanation } from './explanations.js';
import { computeFeatures } from './features.js';
import { loadPredictor } from './model-artifacts.js';
import type { ModelFamily } from './model-families.js';
import { targetFromModel, transformInputs, type Preprocessing } from './preprocessing.js';
import { frameFromRequest, requiredFields, type RawRow } from './serving-inputs.js';
import { useBackend, type TfBackend } from './tf-backend.js';

export type { RawRow } from './serving-inputs.js';

/** Most sampled-Shapley orders an explanation may ask for (each costs one model call per feature and row). */
export const MAX_PATHS = 500;

/** Options of `explain`: sampled-Shapley feature orders per instance (default 20, at most 500) and the seed (default 0). */
export interface ExplainOptions {
  paths?: number;
  seed?: number;
}

/** A loaded model that predicts the target from raw rows. */
export interface ServingModel {
  artifactUri: string;
  contract: DataContract;
  preprocessing: Preprocessing;
  family: ModelFamily;
  /** Fields every row must have (null is allowed and means unknown). */
  requiredFields: string[];
  /** Predictions on the target's scale, one per row, in input order. */
  predict(rows: readonly RawRow[]): number[];
  /**
   * Per-row attributions in Vertex AI's explanation shape, keyed by input feature name, on the
   * transformed target's scale (log of the target for a log transform): exact TreeSHAP for trees,
   * sampled Shapley from the training median / mode row for the other families.
   */
  explain(rows: readonly RawRow[], options?: ExplainOptions): VertexExplanation[];
  /** The model's input matrix for raw rows (for skew checks and debugging). */
  inputs(rows: readonly RawRow[]): { columns: string[]; values: Float32Array };
  dispose(): void;
}

/** Load the model and preprocessing under an artifact URI. */
export async function loadServingModel(
  store: ArtifactStore,
  artifactUri: string,
  options: { backend?: TfBackend } = {},
): Promise<ServingModel> {
  await useBackend(options.backend);
  const preprocessing = await readJson<Preprocessing>(store, artifactUri, 'preprocessing');
  const predictor = await loadPredictor(store, artifactUri, preprocessing);
  const contract = preprocessing.contract;
  const required = requiredFields(contract);
  const prepare = (rows: readonly RawRow[]) => {
    const frame = frameFromRequest(contract, required, rows);
    return { features: computeFeatures(frame, contract), all: Array.from({ length: frame.n }, (_, i) => i) };
  };
  return {
    artifactUri,
    contract,
    preprocessing,
    family: predictor.family,
    requiredFields: required,
    inputs(rows) {
      const { features, all } = prepare(rows);
      return { columns: preprocessing.columns, values: transformInputs(preprocessing, features, all) };
    },
    predict(rows) {
      const { features, all } = prepare(rows);
      if (all.length === 0) return [];
      return Array.from(predictor.predict(features, all), (z) => targetFromModel(preprocessing.target, z));
    },
    explain(rows, opts = {}) {
      const paths = opts.paths ?? DEFAULT_PATHS;
      if (!Number.isInteger(paths) || paths < 1 || paths > MAX_PATHS) {
        throw new ValidationError(
          'explanation options',
          [{ path: 'paths', message: `must be an integer from 1 to ${MAX_PATHS}; got ${paths}` }],
          'PREDICT.INPUT_INVALID',
        );
      }
      const { features, all } = prepare(rows);
      if (all.length === 0) return [];
      return predictor
        .attribute(features, all, { paths, seed: opts.seed ?? 0 })
        .map((v) => toVertexExplanation(preprocessing, v));
    },
    dispose() {
      predictor.dispose();
    },
  };
}
