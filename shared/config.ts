/**
 * The only reader of `process.env`. Options are declared once as (key, env var, default, parser,
 * who needs it) and parsed from an injected environment, in the manner of functions-framework's
 * options.ts. A bad value fails at start with a message naming the variable.
 */
import { z } from 'zod';
import { ValidationError, type Issue } from './domain/errors.js';
import { DRIFT_WEBHOOK_ENTRY_POINT, FUNCTION_NAMES, entryPointOf, type FunctionName } from './domain/topics.js';

/** Where the system runs. */
export const BACKENDS = ['local', 'gcp'] as const;
/** A backend name. */
export type Backend = (typeof BACKENDS)[number];

const logLevels = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number) => z.coerce.number().int().min(min);

/** Declaration of one option. `requiredOnGcp` lists the functions that must receive it on Google Cloud. */
interface OptionSpec<T> {
  env: string;
  description: string;
  schema: z.ZodType<T>;
  default?: string;
  requiredOnGcp?: readonly FunctionName[] | 'all';
}

const all = 'all' as const;

/** Every option the system reads. Terraform tests compare function environments against this table. */
export const OPTIONS = {
  backend: { env: 'IPO_BACKEND', description: 'local (embedded stack) or gcp', schema: z.enum(BACKENDS), default: 'local', requiredOnGcp: all },
  modelId: { env: 'IPO_MODEL_ID', description: 'Default model id when a message names none', schema: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/), default: 'ipo-valuation' },
  logLevel: { env: 'LOG_LEVEL', description: 'Minimum log severity', schema: z.enum(logLevels), default: 'INFO' },
  gcpProject: { env: 'GCP_PROJECT', description: 'Google Cloud project id', schema: z.string().min(1), requiredOnGcp: all },
  gcpRegion: { env: 'GCP_REGION', description: 'Region of Vertex AI, functions and Pub/Sub publishing', schema: z.string().min(1), default: 'us-central1', requiredOnGcp: all },
  firestoreDatabase: { env: 'FIRESTORE_DATABASE', description: 'Firestore database id', schema: z.string().min(1), default: '(default)', requiredOnGcp: all },
  artifactBucket: { env: 'ARTIFACT_BUCKET', description: 'GCS bucket holding pipeline artifacts and models', schema: z.string().min(1), requiredOnGcp: all },
  landingBucket: { env: 'LANDING_BUCKET', description: 'GCS bucket where new data lands', schema: z.string().min(1), requiredOnGcp: ['on-new-data'] },
  // on-eval-complete launches retries and coalesced follow-up runs (and its reconciler relaunches lost ones).
  pipelineServiceAccount: { env: 'PIPELINE_SERVICE_ACCOUNT', description: 'Service account Vertex pipeline jobs run as', schema: z.string().email(), requiredOnGcp: ['on-new-data', 'on-eval-complete'] },
  trainerImage: { env: 'TRAINER_IMAGE', description: 'Container image URI of the trainer (pipeline components)', schema: z.string().min(1), requiredOnGcp: ['on-new-data', 'on-eval-complete'] },
  servingImage: { env: 'SERVING_IMAGE', description: 'Container image Vertex AI endpoints serve the model with (defaults to the project repository)', schema: z.string().min(1).optional() },
  bigqueryDataset: { env: 'BIGQUERY_DATASET', description: 'BigQuery dataset with prediction and actuals tables', schema: z.string().regex(/^[A-Za-z0-9_]+$/), requiredOnGcp: ['on-drift-alert'] },
  // on-eval-complete: its reconciler re-drives any function's stale outbox, deployments included.
  vertexEndpointId: { env: 'VERTEX_ENDPOINT_ID', description: 'Vertex AI endpoint serving the model', schema: z.string().min(1), requiredOnGcp: ['on-eval-complete', 'on-promotion', 'on-drift-alert'] },
  webhookTokenSecret: { env: 'WEBHOOK_TOKEN_SECRET', description: 'Secret Manager version name holding the drift webhook token', schema: z.string().min(1), requiredOnGcp: ['on-drift-alert'] },
  functionTarget: { env: 'FUNCTION_TARGET', description: 'Entry point the runtime serves (set by Cloud Functions); scopes the gcp checks to that function', schema: z.string().min(1).optional() },
  webhookToken: { env: 'WEBHOOK_TOKEN', description: 'Drift webhook token (locally; on Google Cloud mounted from Secret Manager)', schema: z.string().min(16).optional() },
  dataDir: { env: 'IPO_DATA_DIR', description: 'Local state, artifacts and landing folder', schema: z.string().min(1), default: '.ipo-mlops' },
  port: { env: 'PORT', description: 'HTTP port of the local platform / function', schema: int(0).max(65535), default: '8080' },
  maxDeliveryAttempts: { env: 'IPO_MAX_DELIVERY_ATTEMPTS', description: 'Local bus: attempts before dead-lettering', schema: int(1).max(100), default: '5' },
  sqliteSynchronous: { env: 'IPO_SQLITE_SYNCHRONOUS', description: 'SQLite synchronous pragma (FULL or NORMAL)', schema: z.enum(['FULL', 'NORMAL']), default: 'NORMAL' },
  monitorIntervalSeconds: { env: 'IPO_MONITOR_INTERVAL_SECONDS', description: 'Local scheduler: seconds between monitor checks (Cloud Scheduler on Google Cloud)', schema: int(5), default: '300' },
  reconcileIntervalSeconds: { env: 'IPO_RECONCILE_INTERVAL_SECONDS', description: 'Local scheduler: seconds between reconciler passes', schema: int(5), default: '60' },
  scheduledRetrainHours: { env: 'IPO_SCHEDULED_RETRAIN_HOURS', description: 'Local scheduler: hours between scheduled retrain requests (0 = off)', schema: int(0), default: '24' },
  bootstrapSampleData: { env: 'IPO_BOOTSTRAP_SAMPLE_DATA', description: 'Local platform: generate the sample dataset on a first start with no data', schema: bool, default: 'true' },
  // governance: the key signing the control plane's own (actor "automation") commands.
  commandSigningKey: { env: 'COMMAND_SIGNING_KEY', description: 'HMAC key signing automation commands, at least 32 characters (locally; generated and kept under IPO_DATA_DIR when unset)', schema: z.string().min(32).optional() },
  commandSigningKeySecret: { env: 'COMMAND_SIGNING_KEY_SECRET', description: 'Secret Manager version name holding the command signing key (every function on Google Cloud)', schema: z.string().min(1).optional() },
} satisfies Record<string, OptionSpec<unknown>>;

type Options = typeof OPTIONS;
/** The validated configuration. */
export type Config = { [K in keyof Options]: z.output<Options[K]['schema']> };

/** The environment variable names a function needs on Google Cloud. */
export function requiredGcpEnv(fn: FunctionName): string[] {
  return Object.values(OPTIONS as Record<string, OptionSpec<unknown>>)
    .filter((o) => o.requiredOnGcp === 'all' || (o.requiredOnGcp ?? []).includes(fn))
    .map((o) => o.env);
}

/** The function a functions-framework target belongs to (the webhook belongs to on-drift-alert). */
export function functionOf(target: string | undefined): FunctionName | undefined {
  if (target === undefined) return undefined;
  if (target === DRIFT_WEBHOOK_ENTRY_POINT) return 'on-drift-alert';
  return FUNCTION_NAMES.find((f) => entryPointOf(f) === target);
}

/** Parse and validate the configuration from an environment (defaults to `process.env`). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const issues: Issue[] = [];
  const out: Record<string, unknown> = {};
  const backend = env.IPO_BACKEND ?? 'local';
  // A deployed function only receives its own variables: check those when the runtime says which it is.
  const fn = functionOf(env.FUNCTION_TARGET);
  for (const [key, spec] of Object.entries(OPTIONS as Record<string, OptionSpec<unknown>>)) {
    const raw = env[spec.env] ?? spec.default;
    if (raw === undefined) {
      const needed = spec.requiredOnGcp === 'all' || (spec.requiredOnGcp !== undefined && (fn === undefined || spec.requiredOnGcp.includes(fn)));
      if (backend === 'gcp' && needed) {
        issues.push({ path: spec.env, message: `is required on the gcp backend (${spec.description})` });
      }
      continue;
    }
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else issues.push({ path: spec.env, message: `${parsed.error.issues.map((i) => i.message).join(', ')} (got ${JSON.stringify(raw)}; ${spec.description})` });
  }
  if (issues.length > 0) throw new ValidationError('configuration', issues, 'CONFIG.INVALID');
  return out as Config;
}
