/**
 * The one logical state schema (Firestore in production, SQLite locally). Collection paths are
 * built here only; documents are plain JSON.
 */

/** Collection paths. */
export const COLLECTIONS = {
  models: 'models',
  versions: (modelId: string) => `models/${modelId}/versions`,
  runs: 'runs',
  deployments: 'deployments',
  experiments: 'experiments',
  alerts: 'alerts',
  processed: 'processed',
  audit: 'audit',
  datasets: 'datasets',
} as const;

/** Evaluation metrics as the pipeline reports them (mape in percent). */
export interface MetricSet {
  r2: number;
  mse: number;
  mae: number;
  rmse: number;
  mape: number;
  directionalAccuracy?: number;
  overfitting: number;
  [extra: string]: unknown;
}

/** One entry of a model's champion history: who held production, when, on what evidence. */
export interface ChampionEntry {
  version: string;
  from: string;
  to?: string;
  actor: string;
  reason: string;
  evidence?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** What the control plane remembers about the current champion. */
export interface ChampionFacts {
  version: string;
  artifactUri: string;
  rows: number;
  dataSnapshotAt: string;
  trainedAt: string;
  contractHash: string;
  datasetFingerprint: string;
  [extra: string]: unknown;
}

/** `models/{modelId}`. */
export interface ModelDoc {
  modelId: string;
  policy: Record<string, unknown>;
  championVersion?: string;
  /** Facts about the champion the retrain policy needs (from its version's lineage). */
  champion?: ChampionFacts;
  championHistory: ChampionEntry[];
  /** Every registered version id (kept on registration so the next semver needs no scan). */
  versionList?: string[];
  endpointId: string;
  lastDataUri?: string;
  lastDataRows?: number;
  lastDataAt?: string;
  lastRetrainRequestAt?: string;
  lastRunFinishedAt?: string;
  inFlightRunId?: string;
  createdAt: string;
  updatedAt: string;
  [extra: string]: unknown;
}

/** `models/{modelId}/versions/{semver}`. */
export interface VersionDoc {
  modelId: string;
  version: string;
  state: string;
  runId: string;
  artifactUri: string;
  metrics: MetricSet;
  baselineMetrics?: MetricSet;
  gate: { verdict: 'blessed' | 'rejected'; reasons: string[]; evidence: unknown[] };
  lineage: Record<string, unknown>;
  approvals: { actor: string; at: string; reason?: string }[];
  stateHistory: { from?: string; to: string; at: string; actor: string; reason: string }[];
  createdAt: string;
  updatedAt: string;
  [extra: string]: unknown;
}

/** `runs/{runId}`. */
export interface RunDoc {
  runId: string;
  modelId: string;
  state: string;
  reasons: string[];
  dataUri: string;
  contractUri?: string;
  artifactUri: string;
  pipelineJobId: string;
  attempt: number;
  retryOf?: string;
  notBefore?: string;
  followUp?: { reasons: string[]; dataUri?: string; requestedAt: string };
  correlationId: string;
  progress?: Record<string, unknown>;
  error?: string;
  createdAt: string;
  updatedAt: string;
  [extra: string]: unknown;
}

/** `deployments/{endpointId}`: the traffic split always sums to 100. */
export interface DeploymentDoc {
  endpointId: string;
  modelId: string;
  split: Record<string, number>;
  artifacts: Record<string, string>;
  revision: number;
  history: { revision: number; split: Record<string, number>; at: string; actor: string; reason: string }[];
  updatedAt: string;
  [extra: string]: unknown;
}

/** `alerts/{id}`. */
export interface AlertDoc {
  alertId: string;
  modelId: string;
  source: string;
  signal: string;
  state: 'open' | 'closed';
  summary: string;
  action?: string;
  /** The last decision kind (rollback-canary, request-retrain, debounced, resolve) and when; debounce reads these. */
  decision?: string;
  decidedAt?: string;
  /** When this alert requested a retrain; survives later decisions so the debounce still sees it. */
  retrainRequestedAt?: string;
  evidence?: Record<string, unknown>;
  openedAt: string;
  closedAt?: string;
  updatedAt: string;
  [extra: string]: unknown;
}
