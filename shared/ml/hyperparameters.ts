/** Training hyperparameters, with the guide's defaults; unknown names are rejected so typos surface. */
import { z } from 'zod';
import { ValidationError } from '../domain/errors.js';

const schema = z.strictObject({
  epochs: z.number().int().min(1).max(1000).default(100),
  batchSize: z.number().int().min(1).max(8192).default(64),
  learningRate: z.number().gt(0).max(1).default(0.001),
  /** Epochs without validation improvement before stopping. */
  patience: z.number().int().min(1).max(1000).default(10),
  dropout: z.number().min(0).lt(1).default(0.2),
  /** L2 penalty of the ridge baseline. */
  ridgeAlpha: z.number().min(0).default(1),
  /** Gradient-boosted trees: most boosting iterations (early stopping on the validation split usually ends sooner). */
  treeMaxIterations: z.number().int().min(1).max(5000).default(500),
  /** Shrinkage applied to every tree's leaf values. */
  treeLearningRate: z.number().gt(0).max(1).default(0.1),
  treeMaxLeafNodes: z.number().int().min(2).max(1024).default(31),
  treeMaxDepth: z.number().int().min(1).max(64).default(12),
  treeMinSamplesLeaf: z.number().int().min(1).default(20),
  /** L2 penalty on leaf values. */
  treeL2: z.number().min(0).default(0),
  /** Value bins per numeric feature (at most 255; missing values have their own bin). */
  treeMaxBins: z.number().int().min(2).max(255).default(255),
  /** Iterations without validation improvement before stopping. */
  treePatience: z.number().int().min(1).max(1000).default(20),
});
/** Parsed hyperparameters. */
export type Hyperparameters = z.output<typeof schema>;

/** Parse hyperparameters from a name -> number map. */
export function parseHyperparameters(input: Record<string, number> = {}): Hyperparameters {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      'hyperparameters',
      parsed.error.issues.map((i) => ({
        path: i.path.join('.') || String((i as { keys?: string[] }).keys ?? ''),
        message: i.message,
      })),
    );
  }
  return parsed.data;
}
