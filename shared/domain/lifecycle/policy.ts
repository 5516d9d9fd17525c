/**
 * The model policy stored on `models/{modelId}`: gate thresholds (TFX value and change thresholds),
 * promotion, retrain, alert, experiment and monitoring settings. Every field has a default, so `{}`
 * is a valid policy; unknown fields are rejected so a typo never silently falls back to a default.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { zodIssues } from '../contracts/zod-issues.js';
import { DRIFT_METHODS } from '../stats/drift-policy.js';

/** Metrics the gate can test (the guide's evaluation metrics; mape is in percent). */
export const GATE_METRICS = ['r2', 'mse', 'mae', 'rmse', 'mape', 'directionalAccuracy', 'overfitting'] as const;
/** A gate metric name. */
export type GateMetric = (typeof GATE_METRICS)[number];

/** Whether a bigger or a smaller value of a metric is better. */
export const DIRECTIONS = ['higher', 'lower'] as const;
/** A metric direction. */
export type Direction = (typeof DIRECTIONS)[number];

/** The natural direction of each gate metric. */
export const METRIC_DIRECTION: Readonly<Record<GateMetric, Direction>> = {
  r2: 'higher',
  mse: 'lower',
  mae: 'lower',
  rmse: 'lower',
  mape: 'lower',
  directionalAccuracy: 'higher',
  overfitting: 'lower',
};

const metricSchema = z.enum(GATE_METRICS);
const minutes = z.number().finite().nonnegative();

/** TFX `GenericValueThreshold`: the candidate's metric must lie within [lower, upper] (either bound optional). */
export const valueThresholdSchema = z
  .strictObject({ metric: metricSchema, lower: z.number().finite().optional(), upper: z.number().finite().optional() })
  .refine((t) => t.lower !== undefined || t.upper !== undefined, { message: 'set lower, upper or both' })
  .refine((t) => t.lower === undefined || t.upper === undefined || t.lower <= t.upper, {
    message: 'lower must not exceed upper',
  });
/** A value threshold. */
export type ValueThreshold = z.output<typeof valueThresholdSchema>;

/**
 * TFX `GenericChangeThreshold` against the champion on the same test data. `absolute` bounds
 * `candidate - champion` (>= for `higher`, <= for `lower`: `{r2, higher, absolute: -0.02}` = "not worse
 * by more than 0.02"); `relative` bounds `(candidate - champion) / |champion|` the same way.
 */
export const changeThresholdSchema = z
  .strictObject({
    metric: metricSchema,
    direction: z.enum(DIRECTIONS),
    absolute: z.number().finite().optional(),
    relative: z.number().finite().optional(),
  })
  .refine((t) => t.absolute !== undefined || t.relative !== undefined, { message: 'set absolute, relative or both' });
/** A change threshold. */
export type ChangeThreshold = z.output<typeof changeThresholdSchema>;

/** The scale the gate judges scale-dependent metrics (R², MSE, MAE, RMSE) on. */
export const GATE_SCALES = ['target', 'log'] as const;
/** A gate scale. */
export type GateScale = (typeof GATE_SCALES)[number];

const gateSchema = z.strictObject({
  /**
   * `target`: metrics on the target's own scale (currency). `log`: R², MSE, MAE and RMSE on the log scale the
   * model trains on (`metrics.logScale` of log-target models); MAPE, directional accuracy and overfitting are
   * scale-free and read as they are.
   */
  scale: z.enum(GATE_SCALES).default('target'),
  valueThresholds: z.array(valueThresholdSchema).default([
    { metric: 'r2', lower: 0.7 },
    { metric: 'mape', upper: 15 },
    { metric: 'overfitting', upper: 2 },
  ]),
  changeThresholds: z.array(changeThresholdSchema).default([
    { metric: 'r2', direction: 'higher', absolute: -0.02 },
    { metric: 'mape', direction: 'lower', absolute: 1.0 },
  ]),
  mustBeatBaseline: z.boolean().default(true),
  /** The metric on which the candidate must strictly beat the ridge baseline. */
  // MAPE, not RMSE: valuations span orders of magnitude, so RMSE is dominated by the largest companies;
  // the model is trained on a log target and judged, like the guide's gate, on relative error.
  baselineMetric: metricSchema.default('mape'),
});

const retrainSchema = z.strictObject({
  minNewRows: z.number().int().nonnegative().default(500),
  cooldownMinutes: minutes.default(60),
  freshnessDays: z.number().finite().positive().default(120),
  maxRunAttempts: z.number().int().min(1).default(3),
  retryBackoffMinutes: z.array(minutes).min(1).default([1, 5, 15]),
});

const experimentSchema = z.strictObject({
  minSamplesPerArm: z.number().int().min(2).default(30),
  maxDurationHours: z.number().finite().positive().default(72),
  alpha: z.number().gt(0).lt(1).default(0.05),
  /** Guardrail: the candidate's p99 latency (ms) from the prediction log must stay at or below this (Flagger's request-duration). */
  maxLatencyP99Ms: z.number().finite().positive().default(1000),
  /** A labelled prediction off by more than this percentage of the actual is a gross error. */
  grossErrorPct: z.number().finite().positive().default(50),
  /** Guardrail: the candidate's gross-error rate may exceed the control's by at most this (absolute share). */
  maxGrossErrorRateIncrease: z.number().min(0).max(1).default(0.1),
  /** Bootstrap resamples of the MAE-difference interval. */
  bootstrapResamples: z.number().int().min(100).max(100_000).default(1000),
});

const monitoringSchema = z.strictObject({
  r2Floor: z.number().finite().default(0.65),
  minLabelled: z.number().int().min(1).default(30),
});

/** Per-feature override of the drift statistic (method and/or threshold), as in Evidently's per-column options. */
const driftOverrideSchema = z.strictObject({
  method: z.enum(DRIFT_METHODS).optional(),
  threshold: z.number().finite().nonnegative().optional(),
});

const driftSchema = z.strictObject({
  /** Most recent predictions of the production version judged by the scheduled check. */
  windowSize: z.number().int().min(10).max(100_000).default(500),
  /** Only predictions from the last this many hours (unset: no time limit, only `windowSize`). */
  windowHours: z.number().finite().positive().optional(),
  /** Fewer predictions than this in the window: drift and skew are not judged (too noisy). */
  minWindow: z.number().int().min(2).default(100),
  /**
   * Dataset drift when at least this share of monitored columns drift. Evidently's default is 0.5;
   * ours is 0.3 because a market-regime shift moves 2 of the 6 raw columns of the default contract.
   */
  driftShare: z.number().gt(0).max(1).default(0.3),
  /**
   * Statistic for every numeric raw column unless `features` says otherwise. Default PSI ≥ 0.2 on the
   * training quantile bins: scale-free and robust to the heavy tails and per-company clustering of
   * financial panels, where KS and normed Wasserstein (Evidently's defaults) raise false alarms.
   * `{}` restores Evidently's choice by reference size.
   */
  numericDefault: driftOverrideSchema.default({ method: 'psi', threshold: 0.2 }),
  /** Statistic for every categorical raw column unless `features` says otherwise (`{}`: Evidently's default). */
  categoricalDefault: driftOverrideSchema.default({}),
  /** Per raw column: `{ method?, threshold? }`, over the defaults above. */
  features: z.record(z.string(), driftOverrideSchema).default({}),
  /** Skew of a numeric model input: Jensen-Shannon distance on the training bins at or above this. */
  skewThreshold: z.number().gt(0).max(1).default(0.1),
  /** Skew of a categorical model input: L-infinity distance at or above this (Vertex notebook's 0.3). */
  skewCategoricalThreshold: z.number().gt(0).max(1).default(0.3),
  /** A skew finding when at least this share of model inputs are skewed. */
  skewShare: z.number().gt(0).max(1).default(0.3),
  /** Prediction drift: Jensen-Shannon distance of predictions on the training prediction bins at or above this. */
  predictionThreshold: z.number().gt(0).max(1).default(0.1),
});

const costSchema = z.strictObject({
  /** Replica bounds of the champion's deployment. */
  minReplicas: z.number().int().min(0).default(1),
  maxReplicas: z.number().int().min(1).default(10),
  /** Multiplier on the p95 request rate kept in reserve. */
  headroom: z.number().min(1).default(1.2),
  /** Request-rate history considered, and its bucket size. */
  historyHours: z.number().finite().positive().default(168),
  bucketMinutes: z.number().finite().positive().default(5),
});

/** The whole model policy with its defaults. */
export const modelPolicySchema = z.strictObject({
  gate: gateSchema.prefault({}),
  /** Share of traffic a canary receives, in whole percent. */
  canaryPercent: z.number().int().min(1).max(99).default(10),
  /** Actors allowed to approve, promote, roll back, set traffic and retire. */
  approvers: z.array(z.string().trim().min(1)).min(1).default(['operator@local', 'automation']),
  /** Four-eyes: the approver must differ from the requester. */
  requireDistinctApprover: z.boolean().default(false),
  /** A blessed version goes to canary without waiting for a human approval. */
  autoApprove: z.boolean().default(true),
  retrain: retrainSchema.prefault({}),
  /** Window in which a repeated alert for a model does not request another retrain. */
  alertDebounceMinutes: minutes.default(30),
  experiment: experimentSchema.prefault({}),
  monitoring: monitoringSchema.prefault({}),
  drift: driftSchema.prefault({}),
  cost: costSchema.prefault({}),
});

/** A complete, validated model policy. */
export type ModelPolicy = z.output<typeof modelPolicySchema>;
/** A policy as written by an operator: every field optional. */
export type ModelPolicyInput = z.input<typeof modelPolicySchema>;

/** Validate a policy (an object or a JSON string); throws `POLICY.INVALID` listing every problem with its path. */
export function parsePolicy(json: unknown): ModelPolicy {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json) as unknown;
    } catch (err) {
      throw new ValidationError(
        'Model policy',
        [{ path: '', message: `not valid JSON (${(err as Error).message})` }],
        'POLICY.INVALID',
      );
    }
  }
  const result = modelPolicySchema.safeParse(value ?? {});
  if (!result.success) throw new ValidationError('Model policy', zodIssues(result.error, 'policy'), 'POLICY.INVALID');
  return result.data;
}

/** The default policy, with optional overrides (nested objects merge field by field; arrays replace). */
export function defaultPolicy(overrides: ModelPolicyInput = {}): ModelPolicy {
  return parsePolicy(overrides);
}
