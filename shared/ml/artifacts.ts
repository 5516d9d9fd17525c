/**
 * The artifact layout under a run's artifact URI, and the model's save/load through the ArtifactStore
 * (tfjs `withSaveHandler` / `fromMemory`: no file:// handler, so the same code writes to disk or GCS).
 */
// Types only at load time: readers of JSON artifacts (the control plane) must not pay for TensorFlow.js.
import type * as tf from '@tensorflow/tfjs';
import type { ArtifactStore } from '../ports/artifact-store.js';

/** File names under the artifact URI. */
export const ARTIFACT_FILES = {
  modelJson: 'model/model.json',
  modelWeights: 'model/weights.bin',
  preprocessing: 'preprocessing.json',
  ridge: 'baseline-model.json',
  metrics: 'metrics.json',
  baseline: 'baseline.json',
  validation: 'validation.json',
  lineage: 'lineage.json',
  /** Which family the artifact holds (absent in artifacts from before families: the MLP). */
  family: 'model-family.json',
  trees: 'trees.json',
  importances: 'importances.json',
} as const;
/** An artifact file key. */
export type ArtifactFile = keyof typeof ARTIFACT_FILES;

/** The URI of a file under an artifact URI. */
export function artifactPath(artifactUri: string, file: ArtifactFile): string {
  return `${artifactUri.replace(/\/+$/, '')}/${ARTIFACT_FILES[file]}`;
}

/** Write a JSON artifact (pretty-printed, stable for diffs). */
export async function writeJson(
  store: ArtifactStore,
  artifactUri: string,
  file: ArtifactFile,
  value: unknown,
): Promise<void> {
  await store.write(artifactPath(artifactUri, file), `${JSON.stringify(value, null, 2)}\n`);
}

/** Read a JSON artifact. */
export async function readJson<T>(store: ArtifactStore, artifactUri: string, file: ArtifactFile): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await store.read(artifactPath(artifactUri, file)))) as T;
}

/** The files of a layers model saved under `dir` (`model` for the MLP, `model/member-K` for ensemble members). */
function layersFiles(artifactUri: string, dir: string): { json: string; weights: string } {
  const base = `${artifactUri.replace(/\/+$/, '')}/${dir}`;
  return { json: `${base}/model.json`, weights: `${base}/weights.bin` };
}

/** Save a layers model as model.json + weights.bin under `dir` (default `model`). */
export async function saveModel(
  store: ArtifactStore,
  artifactUri: string,
  model: tf.LayersModel,
  dir = 'model',
): Promise<void> {
  const files = layersFiles(artifactUri, dir);
  const tf = await import('@tensorflow/tfjs');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData ?? new ArrayBuffer(0);
      const bytes = new Uint8Array(Array.isArray(weightData) ? tf.io.concatenateArrayBuffers(weightData) : weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await store.write(files.weights, bytes);
      await store.write(files.json, JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength },
      };
    }),
  );
}

/** Load a layers model saved by `saveModel`. */
export async function loadModel(store: ArtifactStore, artifactUri: string, dir = 'model'): Promise<tf.LayersModel> {
  const tf = await import('@tensorflow/tfjs');
  const files = layersFiles(artifactUri, dir);
  const modelJson = JSON.parse(new TextDecoder().decode(await store.read(files.json))) as tf.io.ModelJSON;
  const bytes = await store.read(files.weights);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
}
