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

/**
 * What runs on Google Cloud: the four event functions (the drift webhook is an entry of on-drift-alert)
 * and the actuals ingestion HTTP function. Each gets only the variables its code needs.
 */
export const GCP_TARGETS = [...FUNCTION_NAMES, 'ingest-actuals'] as const;
/** A deployed unit on Google Cloud. */
export type GcpTarget = (typeof GCP_TARGETS)[number];
/** The functions-framework entry point of the actuals ingestion function. */
export const INGEST_ACTUALS_ENTRY_POINT = 'ingestActuals';

const logLevels = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number) => z.coerce.number().int().min(min);
const SECRET_VERSION = /^projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/]+$/;

// A Google API root override: https for private endpoints, plain http only for a local emulator or fake.
const apiEndpoint = z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' });

/** Declaration of one option. `requiredOnGcp` lists the targets that must receive it on Google Cloud. */
interface OptionSpec<T> {
  env: string;
  description: string;
  schema: z.ZodType<T>;
  default?: string;
  requiredOnGcp?: readonly GcpTarget[] | 'all';
}

const all = 'all' as const;
const functions = FUNCTION_NAMES;
const launchers = ['on-new-data', 'on-eval-complete'] as const satisfies readonly GcpTarget[];
// on-promotion deploys; on-eval-complete's reconciler re-drives any function's stale deployment effect.
const deployers = ['on-promotion', 'on-eval-complete'] as const satisfies readonly GcpTarget[];

/** Every option the system reads. Terraform tests compare function environments against this table. */
export const OPTIONS = {
  backend: {
    env: 'IPO_BACKEND',
    description: 'local (embedded stack) or gcp',
    schema: z.enum(BACKENDS),
    default: 'local',
    requiredOnGcp: all,
  },
  modelId: {
    env: 'IPO_MODEL_ID',
    description: 'Default model id when a message names none',
    schema: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/),
    default: 'ipo-valuation',
  },
  logLevel: { env: 'LOG_LEVEL', description: 'Minimum log severity', schema: z.enum(logLevels), default: 'INFO' },
  gcpProject: {
    env: 'GCP_PROJECT',
    description: 'Google Cloud project id',
    schema: z.string().min(1),
    requiredOnGcp: all,
  },
  gcpRegion: {
    env: 'GCP_REGION',
    description: 'Region of Vertex AI, functions and Pub/Sub publishing',
    schema: z.string().min(1),
    default: 'us-central1',
    requiredOnGcp: all,
  },
  firestoreDatabase: {
    env: 'FIRESTORE_DATABASE',
    description: 'Firestore database id',
    schema: z.string().min(1),
    default: '(default)',
    requiredOnGcp: functions,
  },
  artifactBucket: {
    env: 'ARTIFACT_BUCKET',
    description: 'GCS bucket holding pipeline artifacts and models',
    schema: z.string().min(1),
    requiredOnGcp: functions,
  },
  // on-eval-complete launches retries and coalesced follow-up runs (and its reconciler relaunches lost ones).
  pipelineServiceAccount: {
    env: 'PIPELINE_SERVICE_ACCOUNT',
    description: 'Service account Vertex pipeline jobs run as',
    schema: z.email(),
    requiredOnGcp: launchers,
  },
  trainerImage: {
    env: 'TRAINER_IMAGE',
    description: 'Container image URI of the trainer (pipeline components)',
    schema: z.string().min(1),
    requiredOnGcp: launchers,
  },
  servingImage: {
    env: 'SERVING_IMAGE',
    description: 'Container image (docker/serving.Dockerfile) Vertex AI serves uploaded versions with',
    schema: z.string().min(1),
    requiredOnGcp: deployers,
  },
  servingServiceAccount: {
    env: 'SERVING_SERVICE_ACCOUNT',
    description: 'Service account the deployed serving containers run as (writes the prediction log)',
    schema: z.email(),
    requiredOnGcp: deployers,
  },
  bigqueryDataset: {
    env: 'BIGQUERY_DATASET',
    description: 'BigQuery dataset with prediction and actuals tables',
    schema: z.string().regex(/^[A-Za-z0-9_]+$/),
    requiredOnGcp: ['on-drift-alert', 'ingest-actuals', ...deployers],
  },
  // Every function stores it: a model created on first sight (by any function) records its endpoint.
  vertexEndpointId: {
    env: 'VERTEX_ENDPOINT_ID',
    description:
      'Numeric id of the Vertex AI endpoint serving the model; models/{id}.endpointId and deployments/{id} use it',
    schema: z.string().regex(/^[1-9][0-9]{0,18}$/, 'must be the numeric endpoint id'),
    requiredOnGcp: functions,
  },
  webhookTokenSecret: {
    env: 'WEBHOOK_TOKEN_SECRET',
    description:
      'Secret Manager version holding the drift webhook token (read at cold start unless WEBHOOK_TOKEN is mounted)',
    schema: z.string().regex(SECRET_VERSION, 'must be projects/P/secrets/S/versions/V'),
    requiredOnGcp: ['on-drift-alert'],
  },
  functionTarget: {
    env: 'FUNCTION_TARGET',
    description: 'Entry point the runtime serves (set by Cloud Functions); scopes the gcp checks to that function',
    schema: z.string().min(1).optional(),
  },
  webhookToken: {
    env: 'WEBHOOK_TOKEN',
    description: 'Drift webhook token (locally; on Google Cloud mounted from Secret Manager)',
    schema: z.string().min(16).optional(),
  },
  dataDir: {
    env: 'IPO_DATA_DIR',
    description: 'Local state, artifacts and landing folder',
    schema: z.string().min(1),
    default: '.ipo-mlops',
  },
  port: {
    env: 'PORT',
    description: 'HTTP port of the local platform / function',
    schema: int(0).max(65535),
    default: '8080',
  },
  maxDeliveryAttempts: {
    env: 'IPO_MAX_DELIVERY_ATTEMPTS',
    description: 'Local bus: attempts before dead-lettering',
    schema: int(1).max(100),
    default: '5',
  },
  sqliteSynchronous: {
    env: 'IPO_SQLITE_SYNCHRONOUS',
    description: 'SQLite synchronous pragma (FULL or NORMAL)',
    schema: z.enum(['FULL', 'NORMAL']),
    default: 'NORMAL',
  },
  monitorIntervalSeconds: {
    env: 'IPO_MONITOR_INTERVAL_SECONDS',
    description: 'Local scheduler: seconds between monitor checks (Cloud Scheduler on Google Cloud)',
    schema: int(5),
    default: '300',
  },
  reconcileIntervalSeconds: {
    env: 'IPO_RECONCILE_INTERVAL_SECONDS',
    description: 'Local scheduler: seconds between reconciler passes',
    schema: int(5),
    default: '60',
  },
  scheduledRetrainHours: {
    env: 'IPO_SCHEDULED_RETRAIN_HOURS',
    description: 'Local scheduler: hours between scheduled retrain requests (0 = off)',
    schema: int(0),
    default: '24',
  },
  bootstrapSampleData: {
    env: 'IPO_BOOTSTRAP_SAMPLE_DATA',
    description: 'Local platform: generate the sample dataset on a first start with no data',
    schema: bool,
    default: 'true',
  },
  // runtime: the embedded bus's retry policy, Pub/Sub's defaults (Terraform's delivery.minimum_backoff / maximum_backoff).
  busMinBackoffSeconds: {
    env: 'IPO_BUS_MIN_BACKOFF_SECONDS',
    description:
      'Local bus: first redelivery delay after a failed delivery, doubling per attempt (Pub/Sub minimum_backoff)',
    schema: z.coerce.number().min(0).max(600),
    default: '10',
  },
  busMaxBackoffSeconds: {
    env: 'IPO_BUS_MAX_BACKOFF_SECONDS',
    description: 'Local bus: longest redelivery delay (Pub/Sub maximum_backoff); at least IPO_BUS_MIN_BACKOFF_SECONDS',
    schema: z.coerce.number().min(0).max(600),
    default: '600',
  },
  // operator: the local platform's API token, bind address and notification webhook.
  operatorToken: {
    env: 'IPO_OPERATOR_TOKEN',
    description:
      'Local platform: operator token for the API, console and CLI (generated and kept in DATA_DIR/operator-token when unset)',
    schema: z.string().min(16).optional(),
  },
  bindAddress: {
    env: 'IPO_BIND_ADDRESS',
    description: 'Local platform: IP address the HTTP server binds (a specific address: the Host check needs it)',
    schema: z
      .union([z.ipv4(), z.ipv6()])
      .refine((a) => a !== '0.0.0.0' && a !== '::', 'must be a specific address, not a wildcard'),
    default: '127.0.0.1',
  },
  notifyWebhookUrl: {
    env: 'IPO_NOTIFY_WEBHOOK_URL',
    description:
      'Local platform: Slack-compatible webhook receiving lifecycle events worth a human (approval needed, rollback, failed run, drift)',
    schema: z.url({ protocol: /^https?$/ }).optional(),
  },
  // signals:
  eventTtlHours: {
    env: 'IPO_EVENT_TTL_HOURS',
    description:
      'Events older than this many hours (by publish time, else their own time) are discarded with an audit entry',
    schema: z.coerce.number().positive(),
    default: '168',
  },
  maxDatasetBytes: {
    env: 'IPO_MAX_DATASET_BYTES',
    description:
      "Size guard for landed data (bytes): larger files are refused (DATA.TOO_LARGE) and never become a model's last dataset",
    schema: int(1),
    default: String(512 * 1024 * 1024),
  },
  approvers: {
    env: 'IPO_APPROVERS',
    description:
      'Comma-separated approvers of a model created on first sight (automation is added: its commands are signed); change later with policy.update',
    schema: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((a) => a.trim())
          .filter((a) => a !== ''),
      )
      .pipe(z.array(z.string()).min(1, 'must name at least one approver'))
      .optional(),
    requiredOnGcp: functions,
  },
  // gcp: every Google client can be pointed at a local emulator or fake (plain http: no credentials are sent).
  vertexApiEndpoint: {
    env: 'IPO_VERTEX_API_ENDPOINT',
    description: 'Vertex AI API root override (default https://REGION-aiplatform.googleapis.com)',
    schema: apiEndpoint.optional(),
  },
  bigqueryApiEndpoint: {
    env: 'IPO_BIGQUERY_API_ENDPOINT',
    description: 'BigQuery REST root override (default https://bigquery.googleapis.com)',
    schema: apiEndpoint.optional(),
  },
  monitoringApiEndpoint: {
    env: 'IPO_MONITORING_API_ENDPOINT',
    description: 'Cloud Monitoring API root override (default https://monitoring.googleapis.com)',
    schema: apiEndpoint.optional(),
  },
  storageApiEndpoint: {
    env: 'IPO_STORAGE_API_ENDPOINT',
    description: 'Cloud Storage JSON API root override (default https://storage.googleapis.com)',
    schema: apiEndpoint.optional(),
  },
  firestoreEmulatorHost: {
    env: 'FIRESTORE_EMULATOR_HOST',
    description:
      'host:port of the Firestore emulator (read by the SDK; the REST transport then gets a placeholder credential)',
    schema: z
      .string()
      .regex(/^[^/:]+:\d+$/, 'must be host:port')
      .optional(),
  },
  secretManagerApiEndpoint: {
    env: 'IPO_SECRET_MANAGER_API_ENDPOINT',
    description: 'Secret Manager REST root override (default https://secretmanager.googleapis.com)',
    schema: apiEndpoint.optional(),
  },
  // governance: the key signing the control plane's own (actor "automation") commands.
  commandSigningKey: {
    env: 'COMMAND_SIGNING_KEY',
    description:
      'HMAC key signing automation commands, at least 32 characters (locally; generated and kept under IPO_DATA_DIR when unset)',
    schema: z.string().min(32).optional(),
  },
  commandSigningKeySecret: {
    env: 'COMMAND_SIGNING_KEY_SECRET',
    description:
      'Secret Manager version holding the command signing key (read at cold start unless COMMAND_SIGNING_KEY is mounted)',
    schema: z.string().regex(SECRET_VERSION, 'must be projects/P/secrets/S/versions/V'),
    requiredOnGcp: functions,
  },
} satisfies Record<string, OptionSpec<unknown>>;

type Options = typeof OPTIONS;
/** The validated configuration. */
export type Config = { [K in keyof Options]: z.output<Options[K]['schema']> };

/** The environment variable names a target needs on Google Cloud. */
export function requiredGcpEnv(target: GcpTarget): string[] {
  return Object.values(OPTIONS as Record<string, OptionSpec<unknown>>)
    .filter((o) => o.requiredOnGcp === 'all' || (o.requiredOnGcp ?? []).includes(target))
    .map((o) => o.env);
}

/** The target a functions-framework entry point belongs to (the webhook belongs to on-drift-alert). */
export function targetOf(entryPoint: string | undefined): GcpTarget | undefined {
  if (entryPoint === undefined) return undefined;
  if (entryPoint === DRIFT_WEBHOOK_ENTRY_POINT) return 'on-drift-alert';
  if (entryPoint === INGEST_ACTUALS_ENTRY_POINT) return 'ingest-actuals';
  return FUNCTION_NAMES.find((f) => entryPointOf(f) === entryPoint);
}

/** The event function an entry point belongs to, if it is one of the four. */
export function functionOf(entryPoint: string | undefined): FunctionName | undefined {
  const target = targetOf(entryPoint);
  return target === 'ingest-actuals' ? undefined : target;
}

/** The entry point the runtime serves (FUNCTION_TARGET), readable even when the rest of the configuration is invalid. */
export function servedEntryPoint(env: Record<string, string | undefined> = process.env): string | undefined {
  return env.FUNCTION_TARGET === '' ? undefined : env.FUNCTION_TARGET;
}

/** Parse and validate the configuration from an environment (defaults to `process.env`). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const issues: Issue[] = [];
  const out: Record<string, unknown> = {};
  const backend = env.IPO_BACKEND ?? 'local';
  // A deployed function only receives its own variables: check those when the runtime says which it is.
  const target = targetOf(env.FUNCTION_TARGET);
  for (const [key, spec] of Object.entries(OPTIONS as Record<string, OptionSpec<unknown>>)) {
    const raw = env[spec.env] ?? spec.default;
    if (raw === undefined) {
      const needed =
        spec.requiredOnGcp === 'all' ||
        (spec.requiredOnGcp !== undefined && (target === undefined || spec.requiredOnGcp.includes(target)));
      if (backend === 'gcp' && needed) {
        issues.push({ path: spec.env, message: `is required on the gcp backend (${spec.description})` });
      }
      continue;
    }
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else
      issues.push({
        path: spec.env,
        message: `${parsed.error.issues.map((i) => i.message).join(', ')} (got ${JSON.stringify(raw)}; ${spec.description})`,
      });
  }
  if (issues.length > 0) throw new ValidationError('configuration', issues, 'CONFIG.INVALID');
  return out as Config;
}
