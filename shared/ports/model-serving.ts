/** Model serving port: apply a traffic split to an endpoint (local in-process endpoint or Vertex AI). */

/** A desired deployment: the split (percent per version, sums to 100) and each version's artifact URI. */
export interface DesiredDeployment {
  endpointId: string;
  modelId: string;
  split: Record<string, number>;
  artifacts: Record<string, string>;
  /** Machine-size hints per version (cost policy): challengers at minimum replicas. */
  replicas?: Record<string, { min: number; max: number }>;
}

/** The endpoint adapter. `apply` is idempotent (check-then-act) and restores the previous split if it fails midway. */
export interface ModelServing {
  apply(desired: DesiredDeployment): Promise<{ changed: boolean }>;
  /** The split currently live on the endpoint, by version. */
  currentSplit(endpointId: string): Promise<Record<string, number>>;
}
