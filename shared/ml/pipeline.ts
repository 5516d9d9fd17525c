/**
 * The training pipeline: extract -> validate -> features -> split -> train -> evaluate -> artifacts.
 * Runs the same in the local worker and in the Vertex trainer container; all I/O goes through the ArtifactStore.
 */
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { PipelineLaunchRequest } from '../ports/pipeline-launcher.js';
import { saveModel, writeJson } from './artifacts.js';
import { contractHash, parseContractText, type DataContract } from './contract.js';
import { parseCsv } from './csv.js';
import { DEFAULT_CONTRACT } from './default-contract.js';
import type { Evaluation } from './evaluation.js';
import { parseHyperparameters } from './hyperparameters.js';
import { sha256, type Lineage, type PipelineStep } from './lineage.js';
import { TFJS_VERSION, useBackend, type TfBackend } from './tf-backend.js';
import { evaluateModels, prepareData, trainModels } from './training-steps.js';
import { assertValid, validateTable, type ValidationReport } from './validation.js';

/** Progress of a run: step boundaries and training epochs (losses in model space). */
export type PipelineProgress =
  | { kind: 'step'; step: PipelineStep; status: 'started' | 'finished'; elapsedMs?: number }
  | { kind: 'epoch'; step: 'train'; epoch: number; epochs: number; loss: number; valLoss: number };

/** What a run needs besides the request. */
export interface PipelineDeps {
  store: ArtifactStore;
  onProgress?: (event: PipelineProgress) => void;
  /** Preferred tfjs backend (default wasm, falling back to cpu). */
  backend?: TfBackend;
  /** Version of the code, recorded in lineage. */
  codeVersion?: string;
  /** Stop after validation (the Vertex pipeline's first component). */
  validateOnly?: boolean;
}

/** What a successful run produced. */
export interface PipelineOutput {
  artifactUri: string;
  metrics?: Evaluation;
  validation: ValidationReport;
  lineage?: Lineage;
}

/** Run the pipeline for a request. Bad data throws DatasetValidationError after writing validation.json. */
export async function runPipeline(request: PipelineLaunchRequest, deps: PipelineDeps): Promise<PipelineOutput> {
  const { store, onProgress } = deps;
  const startedAt = new Date();
  const timings: Partial<Record<PipelineStep, number>> = {};
  const step = async <T>(name: PipelineStep, fn: () => T | Promise<T>): Promise<T> => {
    onProgress?.({ kind: 'step', step: name, status: 'started' });
    const t0 = performance.now();
    const result = await fn();
    timings[name] = Math.round(performance.now() - t0);
    onProgress?.({ kind: 'step', step: name, status: 'finished', elapsedMs: timings[name] });
    return result;
  };
  const hp = parseHyperparameters(request.hyperparameters);
  const { bytes, contract, table } = await step('extract', async () => {
    const contract: DataContract = request.contractUri ? parseContractText(new TextDecoder().decode(await store.read(request.contractUri))) : DEFAULT_CONTRACT;
    const bytes = await store.read(request.dataUri);
    return { bytes, contract, table: parseCsv(new TextDecoder().decode(bytes)) };
  });
  const { report, frame } = await step('validate', async () => {
    const result = validateTable(table, contract);
    await writeJson(store, request.artifactUri, 'validation', result.report);
    assertValid(result.report);
    return result;
  });
  if (deps.validateOnly || !frame) return { artifactUri: request.artifactUri, validation: report };

  const prepared = await step('features', () => prepareData(frame, contract));
  await step('split', () => prepared.split.rule);
  const backend = await useBackend(deps.backend);
  const models = await step('train', () =>
    trainModels(prepared, hp, request.seed, (log) => onProgress?.({ kind: 'epoch', step: 'train', epochs: hp.epochs, ...log })),
  );
  try {
    const { evaluation, baseline } = await step('evaluate', () => evaluateModels(frame, contract, prepared, models));
    const lineage = await step('artifacts', async () => {
      await saveModel(store, request.artifactUri, models.mlp.model);
      await writeJson(store, request.artifactUri, 'preprocessing', prepared.preprocessing);
      await writeJson(store, request.artifactUri, 'ridge', models.ridge);
      await writeJson(store, request.artifactUri, 'metrics', evaluation);
      await writeJson(store, request.artifactUri, 'baseline', baseline);
      return lineageOf(request, contract, bytes, table.header, report.rowCount, prepared.split.rule, hp, backend, deps.codeVersion, timings, startedAt);
    });
    await writeJson(store, request.artifactUri, 'lineage', lineage);
    return { artifactUri: request.artifactUri, metrics: evaluation, validation: report, lineage };
  } finally {
    models.mlp.model.dispose();
  }
}

function lineageOf(
  request: PipelineLaunchRequest, contract: DataContract, bytes: Uint8Array, columns: string[], rows: number, split: Lineage['split'],
  hyperparameters: Lineage['parameters']['hyperparameters'], backend: TfBackend, codeVersion: string | undefined, timings: Lineage['timings'], startedAt: Date,
): Lineage {
  return {
    runId: request.runId,
    modelId: request.modelId,
    correlationId: request.correlationId,
    artifactUri: request.artifactUri,
    dataset: { uri: request.dataUri, sha256: sha256(bytes), bytes: bytes.byteLength, rows, columns },
    contract: { name: contract.name, version: contract.version, sha256: contractHash(contract), uri: request.contractUri ?? null },
    parameters: { hyperparameters, seed: request.seed },
    split,
    code: { version: codeVersion ?? 'unknown', tfjs: TFJS_VERSION, backend, node: process.version },
    timings,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  };
}

