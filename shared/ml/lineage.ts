/** Lineage of a trained model (`lineage.json`): what data, contract, parameters and code produced it, and how long it took. */
import { createHash } from 'node:crypto';
import type { SplitRule } from './split.js';
import type { Hyperparameters } from './hyperparameters.js';
import type { ModelFamily } from './model-families.js';

/** Pipeline steps, in order. */
export const PIPELINE_STEPS = ['extract', 'validate', 'features', 'split', 'train', 'evaluate', 'artifacts'] as const;
/** A pipeline step. */
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

/** The lineage record. */
export interface Lineage {
  runId: string;
  modelId: string;
  correlationId: string;
  artifactUri: string;
  dataset: { uri: string; sha256: string; bytes: number; rows: number; columns: string[] };
  contract: { name: string; version: string; sha256: string; uri: string | null };
  parameters: { hyperparameters: Hyperparameters; seed: number };
  split: SplitRule;
  /** The family that was chosen, and what every candidate was judged on (validation loss in model space, overfitting indicator). */
  model: {
    family: ModelFamily;
    candidates: { family: ModelFamily; validationLoss: number; overfitting: number; eligible: boolean }[];
    selection: string;
  };
  code: { version: string; tfjs: string; backend: string; node: string };
  /** Milliseconds per step. */
  timings: Partial<Record<PipelineStep, number>>;
  startedAt: string;
  finishedAt: string;
}

/** SHA-256 of bytes, hex. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
