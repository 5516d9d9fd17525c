/** Shared helpers of the ML tests. */
import { parseCsv } from '../../shared/ml/csv.js';
import type { DataContract } from '../../shared/ml/contract.js';
import { DEFAULT_CONTRACT } from '../../shared/ml/default-contract.js';
import type { Frame } from '../../shared/ml/frame.js';
import { validateTable } from '../../shared/ml/validation.js';

/** Validate CSV text and return the frame, failing loudly if invalid. */
export function frameOf(csv: string, contract: DataContract = DEFAULT_CONTRACT): Frame {
  const { report, frame } = validateTable(parseCsv(csv), contract);
  if (!frame) throw new Error(`invalid test data: ${report.issues.map((i) => i.message).join('; ')}`);
  return frame;
}

/** Small, fast hyperparameters for tests (early stopping on). */
export const FAST_HP = { epochs: 15, batchSize: 128, learningRate: 0.003, patience: 4 };
