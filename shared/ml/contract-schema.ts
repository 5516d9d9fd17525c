/**
 * The data contract's shape (zod), with a description on every field: the same text reaches
 * parse errors, the generated JSON Schema (docs/contracts/data-contract.schema.json) and editors.
 * New optional fields carry no defaults, so contracts written before them parse (and hash) as before.
 */
import { z } from 'zod';
import { MODEL_FAMILIES } from './model-families.js';

/** Column types a contract can declare. */
export const COLUMN_TYPES = ['numeric', 'categorical', 'date', 'id'] as const;
/** A column type. */
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** How a numeric column's text is read: a plain number, or a range like "26.00 - 32.00" read as its midpoint. */
export const NUMBER_PARSERS = ['number', 'range'] as const;
/** Parts of a date a `date_part` feature extracts (UTC). */
export const DATE_PARTS = ['year', 'quarter', 'month', 'day_of_week', 'day_of_year'] as const;
/** A date part. */
export type DatePart = (typeof DATE_PARTS)[number];
/** How rows are split in time: whole periods counted by period, or whole periods counted by their share of rows. */
export const SPLIT_BY = ['periods', 'rows'] as const;

/** The rule column and feature names follow (stated in the error). */
export const NAME_RULE = 'must start with a letter or "_" and contain only letters, digits, spaces, "_", "." or "-"';
const name = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_ .-]*$/, { error: (issue) => `${NAME_RULE}; got ${JSON.stringify(issue.input)}` });
const share = z.number().min(0).max(1);

const column = z
  .strictObject({
    name: name.describe(`Column name as in the CSV header; ${NAME_RULE}.`),
    type: z
      .enum(COLUMN_TYPES)
      .describe(
        'numeric: numbers (NaN-safe); categorical: labels; date: a period like 2021Q3, 2021-03-15, 3/15/2021 or 2021; id: an identifier.',
      ),
    description: z.string().optional(),
    min: z.number().optional().describe('Values below are treated as missing and reported as a warning.'),
    max: z.number().optional().describe('Values above are treated as missing and reported as a warning.'),
    parse: z
      .enum(NUMBER_PARSERS)
      .optional()
      .describe(
        'Numeric columns only. "range" reads "26.00 - 32.00", "$26 to $32" or "26–32" as the midpoint (29) and a single number as itself.',
      ),
    maxMissingRate: share
      .optional()
      .describe(
        'Share of missing cells above which validation fails (default: validation.maxMissingRate, else 0.5). Text such as "N/A", "-" or "null" counts as missing.',
      ),
    warnMissingRate: share
      .optional()
      .describe('Share of missing cells above which validation warns (default: validation.warnMissingRate, else 0.1).'),
  })
  .describe('One column of the data.');

const base = {
  name: name.describe(`Feature name (unique across columns and features); ${NAME_RULE}.`),
  input: z.boolean().default(true).describe('Whether the model reads the feature (false: only other features use it).'),
};
const source = name.describe('A contract column or an earlier feature.');
const lag = z.number().int().min(1).max(64).describe('Periods back, within the entity.');
const windowSize = z.number().int().min(2).max(64).describe('Periods in the window, ending at the current one.');
const featureSpec = z
  .discriminatedUnion('kind', [
    z.strictObject({ ...base, kind: z.literal('value').describe('The source as it is.'), source }),
    z.strictObject({
      ...base,
      kind: z
        .literal('log')
        .describe('Signed log: sign(x)·ln(1 + |x|), defined for every number (0 -> 0, -e+1 -> -1).'),
      source,
    }),
    z.strictObject({
      ...base,
      kind: z.literal('ratio').describe('numerator / denominator of the same row; missing when the denominator is 0.'),
      numerator: source,
      denominator: source,
    }),
    z.strictObject({
      ...base,
      kind: z.literal('growth').describe('(x_t - x_{t-lag}) / |x_{t-lag}| within the entity.'),
      source,
      lag,
    }),
    z.strictObject({ ...base, kind: z.literal('change').describe('x_t - x_{t-lag} within the entity.'), source, lag }),
    z.strictObject({
      ...base,
      kind: z.literal('rolling_mean').describe('Mean of the last `window` periods of the entity.'),
      source,
      window: windowSize,
    }),
    z.strictObject({
      ...base,
      kind: z.literal('rolling_std').describe('Sample standard deviation of the last `window` periods of the entity.'),
      source,
      window: windowSize,
    }),
    z.strictObject({
      ...base,
      kind: z.literal('bucket').describe('Quantile bucket (q1..qN) of the source, edges fitted on training rows.'),
      source,
      bins: z.number().int().min(2).max(20),
    }),
    z.strictObject({
      ...base,
      kind: z
        .literal('one_hot')
        .describe(
          'A categorical column as categories; the most frequent `maxCategories` training values are kept, the rest fold into "(other)" (validation warns when that happens).',
        ),
      source,
      maxCategories: z.number().int().min(1).max(200).default(50),
    }),
    z.strictObject({
      ...base,
      kind: z
        .literal('date_part')
        .describe(
          'A part of a date column (UTC): year, quarter (1-4), month (1-12), day_of_week (0 = Sunday), day_of_year (1-366).',
        ),
      source,
      part: z.enum(DATE_PARTS),
    }),
  ])
  .describe('A feature transform, computed in order; sequential kinds look only backwards in time.');
/** One declared feature transform; `source` names a contract column or an earlier feature. */
export type FeatureSpec = z.output<typeof featureSpec>;

/** The contract schema (zod). */
export const contractSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Optional link to this JSON Schema, for editors.'),
    name: z.string().min(1),
    version: z.string().min(1),
    columns: z.array(column).min(1),
    entityColumn: name.describe(
      'The entity whose history sequential features follow (e.g. a company); an id or categorical column.',
    ),
    timeColumn: name.describe('The date column that orders rows and defines the time split.'),
    sliceColumns: z
      .array(name)
      .default([])
      .describe('Categorical columns whose values get their own evaluation metrics.'),
    target: z.strictObject({
      column: name.describe('The numeric column to predict.'),
      transform: z
        .enum(['log', 'none'])
        .default('log')
        .describe(
          'log: the model learns ln(target) (rows with target <= 0 are left out of training); none: the target as it is.',
        ),
    }),
    forwardFill: z
      .boolean()
      .default(true)
      .describe('Forward-fill numeric columns within each entity before computing features.'),
    features: z.array(featureSpec).min(1),
    split: z
      .strictObject({
        train: z.number().gt(0).lt(1),
        validation: z.number().gt(0).lt(1),
        by: z
          .enum(SPLIT_BY)
          .optional()
          .describe(
            'periods (default): shares of distinct periods; rows: shares of rows in time order. Either way a period is never split.',
          ),
      })
      .default({ train: 0.7, validation: 0.15 })
      .describe('Oldest periods train, the next validate (model selection, early stopping), the newest test.'),
    minRows: z.number().int().min(1).default(50),
    validation: z
      .strictObject({
        maxMissingRate: share
          .optional()
          .describe('Default per-column share of missing cells that fails validation (0.5 when unset).'),
        warnMissingRate: share
          .optional()
          .describe('Default per-column share of missing cells that warns (0.1 when unset).'),
      })
      .optional(),
    model: z
      .strictObject({
        families: z
          .array(z.enum(MODEL_FAMILIES))
          .min(1)
          .optional()
          .describe(
            'Candidate families, best on the validation split wins (default trees, mlp, ridge; ties go to the earlier one). Ridge is always trained as the gate baseline.',
          ),
        mlpSeeds: z
          .number()
          .int()
          .min(1)
          .max(20)
          .optional()
          .describe('Members of the mlp-ensemble family (default 5).'),
        maxOverfitting: z
          .number()
          .positive()
          .nullable()
          .optional()
          .describe(
            'Candidates whose validation/training loss ratio exceeds this are chosen only if none is within it (default 2; null: no bound).',
          ),
      })
      .optional(),
  })
  .describe(
    'A data contract: the columns of a dataset, its target, entity and time columns, feature transforms, split and model families.',
  );

/** A contract as parsed (defaults applied). */
export type ParsedContract = z.output<typeof contractSchema>;

/** Default missing-share bounds per column. */
export const MISSING_RATE_DEFAULTS = { max: 0.5, warn: 0.1 } as const;
