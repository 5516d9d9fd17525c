/**
 * The one logical state schema (Firestore in production, SQLite locally). Collection paths are
 * built here only; documents are plain JSON, read back through the zod schemas below (`SCHEMAS`),
 * so a malformed stored document fails loudly naming the field instead of flowing on as a cast.
 * Schemas are loose: fields they do not name are kept (older or newer writers may add some).
 */
import { z } from 'zod';
import { PermanentError } from './errors.js';

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

const json = z.record(z.string(), z.unknown());
const iso = z.string().min(1);
// JSON has no NaN or Infinity: a metric that was one (an undefined ratio) was stored as null; read it back as NaN.
const metric = z.union([z.number(), z.null().transform(() => Number.NaN)]);

/** Evaluation metrics as the pipeline reports them (mape in percent). */
export const metricSetSchema = z.looseObject({
  r2: metric,
  mse: metric,
  mae: metric,
  rmse: metric,
  mape: metric,
  directionalAccuracy: metric.optional(),
  overfitting: metric,
});
/** Evaluation metrics as the pipeline reports them (mape in percent). */
export type MetricSet = z.output<typeof metricSetSchema>;

/** One entry of a model's champion history: who held production, when, on what evidence. */
export const championEntrySchema = z.looseObject({
  version: z.string(),
  from: iso,
  to: iso.optional(),
  actor: z.string(),
  reason: z.string(),
  evidence: json.optional(),
});
/** One entry of a model's champion history. */
export type ChampionEntry = z.output<typeof championEntrySchema>;

/** What the control plane remembers about the current champion. */
export const championFactsSchema = z.looseObject({
  version: z.string(),
  artifactUri: z.string(),
  rows: z.number(),
  dataSnapshotAt: z.string(),
  trainedAt: z.string(),
  contractHash: z.string(),
  datasetFingerprint: z.string(),
});
/** What the control plane remembers about the current champion. */
export type ChampionFacts = z.output<typeof championFactsSchema>;

/** `models/{modelId}`. */
export const modelDocSchema = z.looseObject({
  modelId: z.string().min(1),
  policy: json,
  championVersion: z.string().optional(),
  /** Facts about the champion the retrain policy needs (from its version's lineage). */
  champion: championFactsSchema.optional(),
  championHistory: z.array(championEntrySchema),
  /** Every registered version id (kept on registration so the next semver needs no scan). */
  versionList: z.array(z.string()).optional(),
  endpointId: z.string().min(1),
  lastDataUri: z.string().optional(),
  lastDataRows: z.number().optional(),
  lastDataAt: z.string().optional(),
  lastRetrainRequestAt: z.string().optional(),
  lastRunFinishedAt: z.string().optional(),
  /** The data contract the model's data follows (from a landing's contractUri or sidecar); every later retrain uses it. */
  contractUri: z.string().optional(),
  /** Content hash of the last dataset (the dedupe key of keyless landings). */
  lastDataSha256: z.string().optional(),
  /** The open alert of each slot (`source:signal:version`, or `source:incidentId`): later observations update it. */
  openAlerts: z.record(z.string(), z.string()).optional(),
  // null once the run in flight ended (Firestore keeps explicit nulls).
  inFlightRunId: z.string().nullable().optional(),
  createdAt: iso,
  updatedAt: iso,
});
/** `models/{modelId}`. */
export type ModelDoc = z.output<typeof modelDocSchema>;

const stateChangeSchema = z.looseObject({
  from: z.string().optional(),
  to: z.string(),
  at: iso,
  actor: z.string(),
  reason: z.string(),
});

/** `models/{modelId}/versions/{semver}`. */
export const versionDocSchema = z.looseObject({
  modelId: z.string().min(1),
  version: z.string().min(1),
  state: z.string().min(1),
  runId: z.string(),
  artifactUri: z.string(),
  metrics: metricSetSchema,
  baselineMetrics: metricSetSchema.optional(),
  gate: z.looseObject({
    verdict: z.enum(['blessed', 'rejected']),
    reasons: z.array(z.string()),
    evidence: z.array(z.unknown()),
  }),
  lineage: json,
  approvals: z.array(z.looseObject({ actor: z.string(), at: iso, reason: z.string().optional() })),
  stateHistory: z.array(stateChangeSchema),
  createdAt: iso,
  updatedAt: iso,
});
/** `models/{modelId}/versions/{semver}`. */
export type VersionDoc = z.output<typeof versionDocSchema>;

/** `runs/{runId}`. */
export const runDocSchema = z.looseObject({
  runId: z.string().min(1),
  modelId: z.string().min(1),
  state: z.string().min(1),
  reasons: z.array(z.string()),
  dataUri: z.string(),
  contractUri: z.string().optional(),
  artifactUri: z.string(),
  pipelineJobId: z.string(),
  attempt: z.number().int(),
  retryOf: z.string().optional(),
  notBefore: z.string().optional(),
  followUp: z
    .looseObject({ reasons: z.array(z.string()), dataUri: z.string().optional(), requestedAt: iso })
    .optional(),
  /** Who asked to cancel the run (`run.cancel`); it ends `cancelled` when the pipeline reports back. */
  cancelRequested: z.looseObject({ actor: z.string(), at: iso, reason: z.string().optional() }).optional(),
  /** The champion version this run's model turned out byte-identical to (it registered no new version). */
  identicalTo: z.string().optional(),
  correlationId: z.string(),
  progress: json.optional(),
  error: z.string().optional(),
  createdAt: iso,
  updatedAt: iso,
});
/** `runs/{runId}`. */
export type RunDoc = z.output<typeof runDocSchema>;

/** `deployments/{endpointId}`: the traffic split always sums to 100. */
export const deploymentDocSchema = z.looseObject({
  endpointId: z.string().min(1),
  modelId: z.string().min(1),
  split: z.record(z.string(), z.number()),
  artifacts: z.record(z.string(), z.string()),
  revision: z.number().int(),
  history: z.array(
    z.looseObject({
      revision: z.number().int(),
      split: z.record(z.string(), z.number()),
      at: iso,
      actor: z.string(),
      reason: z.string(),
    }),
  ),
  updatedAt: iso,
});
/** `deployments/{endpointId}`. */
export type DeploymentDoc = z.output<typeof deploymentDocSchema>;

/** `alerts/{id}`. */
export const alertDocSchema = z.looseObject({
  alertId: z.string().min(1),
  modelId: z.string(),
  source: z.string(),
  signal: z.string(),
  state: z.enum(['open', 'closed']),
  summary: z.string(),
  action: z.string().optional(),
  /** The last decision kind (rollback-canary, request-retrain, debounced, resolve) and when; debounce reads these. */
  decision: z.string().optional(),
  decidedAt: z.string().optional(),
  /** When this alert requested a retrain; survives later decisions so the debounce still sees it. */
  retrainRequestedAt: z.string().optional(),
  evidence: json.optional(),
  /** The slot on the model this alert occupies while open (see `alertSlot`). */
  slot: z.string().optional(),
  /** The version the alert names, when it names one. */
  version: z.string().optional(),
  /** How many times the alert was observed, and when last. */
  occurrences: z.number().int().optional(),
  lastSeenAt: z.string().optional(),
  /** Who acknowledged it, when and why. */
  acknowledged: z.looseObject({ actor: z.string(), at: iso, reason: z.string().optional() }).optional(),
  openedAt: iso,
  closedAt: z.string().optional(),
  /** Who closed it (a person, or the source: cloud-monitoring, monitor) and why. */
  closedBy: z.string().optional(),
  closeReason: z.string().optional(),
  updatedAt: iso,
});
/** `alerts/{id}`. */
export type AlertDoc = z.output<typeof alertDocSchema>;

/** The schema of each stored document type, by type name (what `getDoc` / `queryDocs` take). */
export const SCHEMAS = {
  ModelDoc: modelDocSchema,
  VersionDoc: versionDocSchema,
  RunDoc: runDocSchema,
  DeploymentDoc: deploymentDocSchema,
  AlertDoc: alertDocSchema,
} as const;

/** Check a stored document against its schema; throws `STATE.INVALID_DOCUMENT` naming the path and every bad field. */
export function parseStored<S extends z.ZodType>(schema: S, path: string, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ');
  throw new PermanentError('STATE.INVALID_DOCUMENT', `${path} is not a valid stored document: ${problems}`, { path });
}
