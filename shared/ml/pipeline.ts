/**
 * The training pipeline: extract -> validate -> features -> split -> train -> evaluate -> artifacts.
 * Runs the same in the local worker and in the Vertex trainer container; all I/O goes through the ArtifactStore.
 */
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { PipelineLaunchRequest } from '../ports/pipeline-launcher.js';
import { writeJson } from './artifacts.js';
import { disposeCandidates, trainCandidates, type Candidate } from './candidates.js';
import { contractHash, parseContractText, type DataContract } from './contract.js';
import { parseCsv } from './csv.js';
import { DEFAULT_CONTRACT } from './default-contract.js';
import type { Evaluation } from './evaluation.js';
import { globalImportances, type Importances } from './explanations.js';
import { parseHyperparameters } from './hyperparameters.js';
import { sha256, type Lineage, type PipelineStep } from './lineage.js';
import { saveCandidate } from './model-artifacts.js';
import { modelSpec, type ModelFamily } from './model-families.js';
import { TFJS_VERSION, useBackend, type TfBackend } from './tf-backend.js';
import { evaluateCandidates, prepareData, type PreparedData } from './training-steps.js';
import { gainImportance } from './trees/tree-model.js';
import { assertValid, validateTable, type ValidationReport } from './validation.js';

/**
 * Progress of a run: step boundaries and training iterations (losses in model space). `epoch` is an
 * MLP epoch or a boosting iteration of the trees (reported at most ~100 times), out of `epochs`;
 * families train one after another, and ensemble members count their epochs from 1 again.
 */
export type PipelineProgress =
  | { kind: 'step'; step: PipelineStep; status: 'started' | 'finished'; elapsedMs?: number }
  | {
      kind: 'epoch';
      step: 'train';
      epoch: number;
      epochs: number;
      loss: number;
      valLoss: number;
      family?: ModelFamily;
      member?: number;
      members?: number;
    };

/** Sampled-Shapley orders per row for global importances (an average over many rows needs fewer per row than one explanation). */
const IMPORTANCE_PATHS = 10;

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
    const contract: DataContract = request.contractUri
      ? parseContractText(new TextDecoder().decode(await store.read(request.contractUri)))
      : DEFAULT_CONTRACT;
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
  const spec = modelSpec(contract.model);
  const trained = await step('train', () =>
    trainCandidates(prepared, hp, request.seed, spec, (p) =>
      onProgress?.({
        kind: 'epoch',
        step: 'train',
        family: p.family,
        epoch: p.log.epoch,
        epochs: p.epochs,
        loss: p.log.loss,
        valLoss: p.log.valLoss,
        ...(p.member ? { member: p.member, members: p.members } : {}),
      }),
    ),
  );
  try {
    const { evaluation, chosen, baseline, importances } = await step('evaluate', () => {
      const result = evaluateCandidates(
        frame,
        contract,
        prepared,
        trained.candidates,
        trained.ridge,
        spec.maxOverfitting,
      );
      return { ...result, importances: importancesOf(prepared, result.chosen, request.seed) };
    });
    const lineage = await step('artifacts', async () => {
      await saveCandidate(store, request.artifactUri, chosen);
      await writeJson(store, request.artifactUri, 'preprocessing', prepared.preprocessing);
      await writeJson(store, request.artifactUri, 'ridge', trained.ridge);
      await writeJson(store, request.artifactUri, 'metrics', evaluation);
      await writeJson(store, request.artifactUri, 'baseline', baseline);
      await writeJson(store, request.artifactUri, 'importances', importances);
      return lineageOf(
        request,
        contract,
        bytes,
        table.header,
        report.rowCount,
        prepared.split.rule,
        hp,
        backend,
        deps.codeVersion,
        timings,
        startedAt,
        modelOf(evaluation),
      );
    });
    await writeJson(store, request.artifactUri, 'lineage', lineage);
    return { artifactUri: request.artifactUri, metrics: evaluation, validation: report, lineage };
  } finally {
    disposeCandidates(trained.candidates);
  }
}

/** Global importances of the chosen model over the validation rows (the training rows when there are none). */
function importancesOf(d: PreparedData, chosen: Candidate, seed: number): Importances {
  const [rows, split] =
    d.split.validation.length > 0 ? [d.split.validation, 'validation' as const] : [d.split.train, 'train' as const];
  const gain = chosen.artifact.kind === 'trees' ? gainImportance(chosen.artifact.model) : undefined;
  return globalImportances(d.preprocessing, chosen.predictor, d.features, rows, split, {
    paths: IMPORTANCE_PATHS,
    seed,
    ...(gain ? { gain } : {}),
  });
}

function modelOf(e: Evaluation): Lineage['model'] {
  const candidates = Object.entries(e.families).map(([family, s]) => ({
    family: family as ModelFamily,
    validationLoss: s.validationLoss,
    overfitting: s.overfitting,
    eligible: s.eligible,
  }));
  return {
    family: e.chosenFamily,
    candidates,
    selection: 'lowest validation loss (model space) among candidates within model.maxOverfitting',
  };
}

function lineageOf(
  request: PipelineLaunchRequest,
  contract: DataContract,
  bytes: Uint8Array,
  columns: string[],
  rows: number,
  split: Lineage['split'],
  hyperparameters: Lineage['parameters']['hyperparameters'],
  backend: TfBackend,
  codeVersion: string | undefined,
  timings: Lineage['timings'],
  startedAt: Date,
  model: Lineage['model'],
): Lineage {
  return {
    runId: request.runId,
    modelId: request.modelId,
    correlationId: request.correlationId,
    artifactUri: request.artifactUri,
    dataset: { uri: request.dataUri, sha256: sha256(bytes), bytes: bytes.byteLength, rows, columns },
    contract: {
      name: contract.name,
      version: contract.version,
      sha256: contractHash(contract),
      uri: request.contractUri ?? null,
    },
    parameters: { hyperparameters, seed: request.seed },
    split,
    model,
    code: { version: codeVersion ?? 'unknown', tfjs: TFJS_VERSION, backend, node: process.version },
    timings,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  };
}
