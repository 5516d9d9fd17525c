/**
 * The single source of truth for the BigQuery tables: column lists as `as const` data, the row
 * types derived from them, and the JSON schema Terraform reads (terraform/schemas/bigquery/*.json,
 * checked equal to `bigQuerySchemaJson()` by test/terraform). Pure: no SDK, no file system.
 */

/** BigQuery column types used by the tables (standard SQL names). */
export const BIGQUERY_TYPES = ['STRING', 'FLOAT64', 'TIMESTAMP', 'JSON'] as const;
/** A BigQuery column type. */
export type BigQueryType = (typeof BIGQUERY_TYPES)[number];

/** Column modes used by the tables. */
export const BIGQUERY_MODES = ['REQUIRED', 'NULLABLE'] as const;
/** A BigQuery column mode. */
export type BigQueryMode = (typeof BIGQUERY_MODES)[number];

/** One column declaration. */
export interface BigQueryField {
  readonly name: string;
  readonly type: BigQueryType;
  readonly mode: BigQueryMode;
  readonly description: string;
}

/** A JSON value as BigQuery's JSON type stores it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Every logged online prediction, joined later with actuals on `request_id`. */
export const PREDICTION_LOG_FIELDS = [
  {
    name: 'request_id',
    type: 'STRING',
    mode: 'REQUIRED',
    description: 'Prediction request id (join key with actuals)',
  },
  { name: 'model_id', type: 'STRING', mode: 'REQUIRED', description: 'Model id' },
  { name: 'model_version', type: 'STRING', mode: 'REQUIRED', description: 'Semantic version that served the request' },
  { name: 'endpoint_id', type: 'STRING', mode: 'REQUIRED', description: 'Serving endpoint id' },
  { name: 'features', type: 'JSON', mode: 'REQUIRED', description: 'Raw input features as received' },
  { name: 'prediction', type: 'FLOAT64', mode: 'REQUIRED', description: 'Predicted valuation' },
  { name: 'predicted_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'When the prediction was served' },
  { name: 'latency_ms', type: 'FLOAT64', mode: 'REQUIRED', description: 'Serving latency in milliseconds' },
  { name: 'market_condition', type: 'STRING', mode: 'NULLABLE', description: 'Market condition label, when known' },
] as const satisfies readonly BigQueryField[];

/** Realised valuations (ground truth) for logged predictions. */
export const ACTUALS_FIELDS = [
  { name: 'request_id', type: 'STRING', mode: 'REQUIRED', description: 'Prediction request id the actual belongs to' },
  { name: 'model_id', type: 'STRING', mode: 'REQUIRED', description: 'Model id' },
  { name: 'actual_value', type: 'FLOAT64', mode: 'REQUIRED', description: 'Realised valuation' },
  { name: 'observed_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'When the actual was observed' },
] as const satisfies readonly BigQueryField[];

/** Business and monitoring metrics written by the metrics sink. */
export const METRICS_FIELDS = [
  { name: 'model_id', type: 'STRING', mode: 'REQUIRED', description: 'Model id' },
  { name: 'model_version', type: 'STRING', mode: 'REQUIRED', description: 'Semantic version the metric describes' },
  { name: 'metric', type: 'STRING', mode: 'REQUIRED', description: 'Metric name' },
  { name: 'labels', type: 'JSON', mode: 'REQUIRED', description: 'Metric labels (sector, market condition, ...)' },
  { name: 'value', type: 'FLOAT64', mode: 'REQUIRED', description: 'Metric value' },
  { name: 'recorded_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'When the metric was recorded' },
] as const satisfies readonly BigQueryField[];

/** The tables, keyed by table id, with partitioning and clustering (Terraform mirrors these). */
export const BIGQUERY_TABLES = {
  prediction_log: {
    fields: PREDICTION_LOG_FIELDS,
    partitionField: 'predicted_at',
    clustering: ['model_id', 'model_version'],
  },
  actuals: { fields: ACTUALS_FIELDS, partitionField: 'observed_at', clustering: ['model_id'] },
  metrics: { fields: METRICS_FIELDS, partitionField: 'recorded_at', clustering: ['model_id', 'metric'] },
} as const;
/** A table id. */
export type BigQueryTableId = keyof typeof BIGQUERY_TABLES;
/** Every table id. */
export const BIGQUERY_TABLE_IDS = Object.keys(BIGQUERY_TABLES) as BigQueryTableId[];

/** TypeScript value of a column type (TIMESTAMP as an RFC 3339 string, as the client accepts it). */
type ValueOf<T extends BigQueryType> = T extends 'STRING' | 'TIMESTAMP'
  ? string
  : T extends 'FLOAT64'
    ? number
    : JsonValue;

type FieldList = readonly BigQueryField[];
type RequiredOf<F extends FieldList> = Extract<F[number], { mode: 'REQUIRED' }>;
type NullableOf<F extends FieldList> = Extract<F[number], { mode: 'NULLABLE' }>;

/** The row type of a column list: REQUIRED columns are required, NULLABLE ones optional or null. */
export type RowOf<F extends FieldList> = { [K in RequiredOf<F> as K['name']]: ValueOf<K['type']> } & {
  [K in NullableOf<F> as K['name']]?: ValueOf<K['type']> | null;
};

/** A prediction_log row. */
export type PredictionRow = RowOf<typeof PREDICTION_LOG_FIELDS>;
/** An actuals row. */
export type ActualRow = RowOf<typeof ACTUALS_FIELDS>;
/** A metrics row. */
export type MetricRow = RowOf<typeof METRICS_FIELDS>;

/** A column as BigQuery's JSON schema (and Terraform's `schema` argument) spells it. */
export interface BigQuerySchemaField {
  name: string;
  type: BigQueryType;
  mode: BigQueryMode;
  description: string;
}

/** The JSON schema of a table, exactly as terraform/schemas/bigquery/<table>.json must contain it. */
export function bigQuerySchemaJson(table: BigQueryTableId): BigQuerySchemaField[] {
  return BIGQUERY_TABLES[table].fields.map((f) => ({
    name: f.name,
    type: f.type,
    mode: f.mode,
    description: f.description,
  }));
}
