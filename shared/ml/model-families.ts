/** The model families a run can train, and what a contract's `model` section resolves to. */

/** Families: gradient-boosted trees, the guide's MLP, a seed ensemble of the MLP, and ridge regression. */
export const MODEL_FAMILIES = ['trees', 'mlp', 'mlp-ensemble', 'ridge'] as const;
/** A model family. */
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

/** Families a contract without a `model` section trains (ridge is always trained as the gate's baseline too). */
export const DEFAULT_FAMILIES: readonly ModelFamily[] = ['trees', 'mlp', 'ridge'];
/** Members of the `mlp-ensemble` family when the contract does not say. */
export const DEFAULT_MLP_SEEDS = 5;

/**
 * Candidates whose overfitting indicator (validation loss / training loss) exceeds this are not chosen
 * when another candidate is within it: the default gate rejects a model above 2, and boosted trees fit
 * small training sets almost exactly, so without the bound a run could choose a model the gate must reject.
 */
export const DEFAULT_MAX_OVERFITTING = 2;

/** What a run trains: the candidate families, in order of preference on ties, the ensemble size and the selection bound. */
export interface ModelSpec {
  families: ModelFamily[];
  mlpSeeds: number;
  /** Null: no bound. */
  maxOverfitting: number | null;
}

/** Resolve a contract's optional `model` section. */
export function modelSpec(
  model: { families?: ModelFamily[]; mlpSeeds?: number; maxOverfitting?: number | null } | undefined,
): ModelSpec {
  return {
    families: [...(model?.families ?? DEFAULT_FAMILIES)],
    mlpSeeds: model?.mlpSeeds ?? DEFAULT_MLP_SEEDS,
    maxOverfitting: model?.maxOverfitting === undefined ? DEFAULT_MAX_OVERFITTING : model.maxOverfitting,
  };
}
