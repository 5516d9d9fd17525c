/**
 * The serving container's options, and its only reader of the environment. Vertex AI sets the
 * AIP_* variables (custom container contract); the uploader (VertexModelServing) sets the IPO_* model
 * identity and GCP_PROJECT in the model's `containerSpec.env`. Declared once as (env var, default,
 * parser, description) like shared/config.ts; a bad value fails at start naming the variable.
 */
import { z } from 'zod';
import { ValidationError, type Issue } from '../domain/errors.js';

/** Where predictions are logged. */
export const PREDICTION_LOG_MODES = ['bigquery', 'off'] as const;
/** A prediction log mode. */
export type PredictionLogMode = (typeof PREDICTION_LOG_MODES)[number];

const int = (min: number) => z.coerce.number().int().min(min);
const route = z.string().regex(/^\/\S*$/, 'must be a path starting with /');
const identifier = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a plain identifier');

interface ServingOption<T> {
  env: string;
  description: string;
  schema: z.ZodType<T>;
  default?: string;
}

/** Every option the container reads (docs/serving.md lists them; the Dockerfile test checks them). */
export const SERVING_OPTIONS = {
  httpPort: {
    env: 'AIP_HTTP_PORT',
    description: 'Port the HTTP server listens on (0.0.0.0)',
    schema: int(0).max(65535),
    default: '8080',
  },
  healthRoute: {
    env: 'AIP_HEALTH_ROUTE',
    description: 'GET route answering 200 once the model is loaded, 503 before',
    schema: route,
    default: '/health',
  },
  predictRoute: {
    env: 'AIP_PREDICT_ROUTE',
    description: 'POST route for predictions; explanations are served at its :explain sibling',
    schema: route,
    default: '/predict',
  },
  storageUri: {
    env: 'AIP_STORAGE_URI',
    description:
      "Where the model artifacts are: the gs:// copy Vertex AI makes of the model's artifactUri (file:// locally)",
    schema: z.string().regex(/^(gs|file):\/\/.+/, 'must be a gs:// or file:// URI'),
  },
  deployedModelId: {
    env: 'AIP_DEPLOYED_MODEL_ID',
    description: 'Vertex AI deployed model id, returned as deployedModelId (default: the model version)',
    schema: z.string().min(1).optional(),
  },
  endpointId: {
    env: 'AIP_ENDPOINT_ID',
    description: 'Endpoint id logged with each prediction',
    schema: z.string().min(1),
    default: 'local',
  },
  modelId: {
    env: 'IPO_MODEL_ID',
    description: 'Model id logged with each prediction (set by the uploader)',
    schema: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/),
    default: 'ipo-valuation',
  },
  modelVersion: {
    env: 'IPO_MODEL_VERSION',
    description: 'Semantic version logged with each prediction (set by the uploader; required when logging)',
    schema: z.string().min(1).optional(),
  },
  predictionLog: {
    env: 'IPO_PREDICTION_LOG',
    description: 'bigquery (stream every prediction) or off',
    schema: z.enum(PREDICTION_LOG_MODES),
    default: 'bigquery',
  },
  gcpProject: {
    env: 'GCP_PROJECT',
    description: 'Project of the BigQuery dataset (set by the uploader; required when logging)',
    schema: identifier.optional(),
  },
  bigqueryDataset: {
    env: 'BIGQUERY_DATASET',
    description: 'BigQuery dataset with the prediction_log table',
    schema: identifier,
    default: 'ipo_mlops',
  },
  batchSize: {
    env: 'IPO_LOG_BATCH_SIZE',
    description: 'Predictions per BigQuery streaming insert',
    schema: int(1).max(10_000),
    default: '500',
  },
  flushIntervalMs: {
    env: 'IPO_LOG_FLUSH_MS',
    description: 'A partial batch is written after at most this many ms',
    schema: int(10),
    default: '1000',
  },
  maxBuffered: {
    env: 'IPO_LOG_MAX_BUFFERED',
    description: 'Most predictions held in memory while BigQuery is slow or down; the oldest are dropped beyond it',
    schema: int(1),
    default: '50000',
  },
  maxAttempts: {
    env: 'IPO_LOG_MAX_ATTEMPTS',
    description: 'Attempts per batch before it waits for the next flush',
    schema: int(1).max(100),
    default: '5',
  },
  shutdownGraceMs: {
    env: 'IPO_SHUTDOWN_GRACE_MS',
    description: 'On SIGTERM, how long to keep writing buffered predictions',
    schema: int(0),
    default: '20000',
  },
  bigqueryApiEndpoint: {
    env: 'IPO_BIGQUERY_API_ENDPOINT',
    description: 'BigQuery REST root override for emulators and tests (requests then carry no credentials)',
    schema: z.string().url().optional(),
  },
  storageApiEndpoint: {
    env: 'IPO_STORAGE_API_ENDPOINT',
    description: 'Cloud Storage JSON API root override for emulators and tests (no credentials)',
    schema: z.string().url().optional(),
  },
  logLevel: {
    env: 'LOG_LEVEL',
    description: 'Minimum log severity',
    schema: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR']),
    default: 'INFO',
  },
} satisfies Record<string, ServingOption<unknown>>;

type Options = typeof SERVING_OPTIONS;
/** The validated container configuration. */
export type ServingConfig = { [K in keyof Options]: z.output<Options[K]['schema']> };

/** Parse and validate the container's configuration from an environment (default `process.env`). */
export function loadServingConfig(env: Record<string, string | undefined> = process.env): ServingConfig {
  const issues: Issue[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SERVING_OPTIONS as Record<string, ServingOption<unknown>>)) {
    const given = env[spec.env];
    const raw = given === undefined || given === '' ? spec.default : given;
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else if (raw === undefined) issues.push({ path: spec.env, message: `is required (${spec.description})` });
    else
      issues.push({
        path: spec.env,
        message: `${parsed.error.issues.map((i) => i.message).join(', ')} (got ${JSON.stringify(raw)}; ${spec.description})`,
      });
  }
  const config = out as ServingConfig;
  if (issues.length === 0 && config.predictionLog === 'bigquery') {
    if (config.modelVersion === undefined)
      issues.push({
        path: 'IPO_MODEL_VERSION',
        message:
          'is required when IPO_PREDICTION_LOG=bigquery: every logged prediction records the version that served it',
      });
    if (config.gcpProject === undefined)
      issues.push({
        path: 'GCP_PROJECT',
        message: 'is required when IPO_PREDICTION_LOG=bigquery (project of the BigQuery dataset)',
      });
  }
  if (issues.length > 0) throw new ValidationError('serving configuration', issues, 'CONFIG.INVALID');
  return config;
}

/** The explain route next to a predict route: `…:predict` -> `…:explain`, `/predict` -> `/explain`, else `<route>:explain`. */
export function explainRouteFor(predictRoute: string): string {
  return /(^|[:/])predict$/.test(predictRoute)
    ? predictRoute.replace(/predict$/, 'explain')
    : `${predictRoute}:explain`;
}
