/**
 * The data contract: which columns a dataset has, which is the target, the entity and time columns,
 * and the feature transforms. Everything downstream reads names from here, never from code.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError, type Issue } from '../domain/errors.js';
import { MODEL_FAMILIES } from './model-families.js';

/** Column types a contract can declare. */
export const COLUMN_TYPES = ['numeric', 'categorical', 'date', 'id'] as const;
/** A column type. */
export type ColumnType = (typeof COLUMN_TYPES)[number];

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_ .-]*$/, 'must be a plain column name');
const column = z.object({
  name,
  type: z.enum(COLUMN_TYPES),
  description: z.string().optional(),
  /** Values below / above are treated as missing and reported. */
  min: z.number().optional(),
  max: z.number().optional(),
  /** Missing rate above which validation fails (default 0.5). */
  maxMissingRate: z.number().min(0).max(1).optional(),
});

const base = { name, input: z.boolean().default(true) };
const lag = z.number().int().min(1).max(64);
const windowSize = z.number().int().min(2).max(64);
const featureSpec = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('value'), source: name }),
  z.object({ ...base, kind: z.literal('log'), source: name }),
  z.object({ ...base, kind: z.literal('ratio'), numerator: name, denominator: name }),
  z.object({ ...base, kind: z.literal('growth'), source: name, lag }),
  z.object({ ...base, kind: z.literal('change'), source: name, lag }),
  z.object({ ...base, kind: z.literal('rolling_mean'), source: name, window: windowSize }),
  z.object({ ...base, kind: z.literal('rolling_std'), source: name, window: windowSize }),
  z.object({ ...base, kind: z.literal('bucket'), source: name, bins: z.number().int().min(2).max(20) }),
  z.object({ ...base, kind: z.literal('one_hot'), source: name, maxCategories: z.number().int().min(1).max(200).default(50) }),
]);
/** One declared feature transform; `source` names a contract column or an earlier feature. */
export type FeatureSpec = z.output<typeof featureSpec>;
/** Feature transform kinds. */
export type FeatureKind = FeatureSpec['kind'];
/** Feature kinds whose output is a category (one-hot encoded for the model). */
export const CATEGORICAL_FEATURE_KINDS: readonly FeatureKind[] = ['bucket', 'one_hot'];
/** Feature kinds computed along each entity's history in time order. */
export const SEQUENTIAL_FEATURE_KINDS: readonly FeatureKind[] = ['growth', 'change', 'rolling_mean', 'rolling_std'];

const contractSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  columns: z.array(column).min(1),
  /** The entity whose history sequential features follow (e.g. a company). */
  entityColumn: name,
  timeColumn: name,
  /** Columns whose values define evaluation slices (e.g. sector). */
  sliceColumns: z.array(name).default([]),
  target: z.object({ column: name, transform: z.enum(['log', 'none']).default('log') }),
  /** Forward-fill numeric columns within each entity before computing features. */
  forwardFill: z.boolean().default(true),
  features: z.array(featureSpec).min(1),
  split: z.object({ train: z.number().gt(0).lt(1), validation: z.number().gt(0).lt(1) }).default({ train: 0.7, validation: 0.15 }),
  minRows: z.number().int().min(1).default(50),
  /** Which model families to train and choose from on the validation split (default: trees, mlp, ridge). */
  model: z.object({
    families: z.array(z.enum(MODEL_FAMILIES)).min(1).optional(),
    /** Members of the `mlp-ensemble` family (default 5). */
    mlpSeeds: z.number().int().min(1).max(20).optional(),
    /** Candidates above this overfitting indicator are chosen only if none is within it (default 2; null: no bound). */
    maxOverfitting: z.number().positive().nullable().optional(),
  }).strict().optional(),
});
/** A parsed, checked data contract. */
export type DataContract = z.output<typeof contractSchema>;
/** A contract column declaration. */
export type ContractColumn = DataContract['columns'][number];

/** Parse and cross-check a contract; every problem is reported with its path. */
export function parseContract(input: unknown): DataContract {
  const parsed = contractSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError('data contract', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const contract = parsed.data;
  const issues = crossCheck(contract);
  if (issues.length > 0) throw new ValidationError('data contract', issues);
  return contract;
}

/** Parse contract JSON text. */
export function parseContractText(text: string): DataContract {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ValidationError('data contract', [{ path: '', message: `not valid JSON: ${(err as Error).message}` }]);
  }
  return parseContract(json);
}

function crossCheck(c: DataContract): Issue[] {
  const issues: Issue[] = [];
  const types = new Map(c.columns.map((col) => [col.name, col.type]));
  const expect = (path: string, col: string, allowed: readonly ColumnType[]): void => {
    const t = types.get(col);
    if (t === undefined) issues.push({ path, message: `names column "${col}", which the contract's columns do not declare` });
    else if (!allowed.includes(t)) issues.push({ path, message: `column "${col}" is ${t}; expected ${allowed.join(' or ')}` });
  };
  if (new Set(types.keys()).size !== c.columns.length) issues.push({ path: 'columns', message: 'column names must be unique' });
  expect('entityColumn', c.entityColumn, ['id', 'categorical']);
  expect('timeColumn', c.timeColumn, ['date']);
  expect('target.column', c.target.column, ['numeric']);
  c.sliceColumns.forEach((s, i) => expect(`sliceColumns.${i}`, s, ['categorical', 'id']));
  const featureKinds = new Map<string, 'numeric'>();
  const names = new Set<string>();
  c.features.forEach((f, i) => {
    const sources = f.kind === 'ratio' ? [f.numerator, f.denominator] : [f.source];
    for (const s of sources) {
      const kind = featureKinds.get(s) ?? (types.get(s) === 'numeric' ? 'numeric' : types.get(s) === undefined ? undefined : 'categorical');
      const want = f.kind === 'one_hot' ? 'categorical' : 'numeric';
      if (s === c.target.column) issues.push({ path: `features.${i}`, message: `uses the target column "${s}" as an input (leakage)` });
      else if (kind === undefined) issues.push({ path: `features.${i}`, message: `names "${s}", which is neither a contract column nor an earlier feature` });
      else if (kind !== want) issues.push({ path: `features.${i}`, message: `"${f.kind}" needs a ${want} source; "${s}" is ${kind}` });
    }
    if (names.has(f.name) || types.has(f.name)) issues.push({ path: `features.${i}.name`, message: `"${f.name}" is already a column or feature name` });
    // Encoded (categorical) features are model inputs only; they cannot feed another transform.
    names.add(f.name);
    if (!CATEGORICAL_FEATURE_KINDS.includes(f.kind)) featureKinds.set(f.name, 'numeric');
  });
  if (!c.features.some((f) => f.input)) issues.push({ path: 'features', message: 'at least one feature must be a model input' });
  if (c.split.train + c.split.validation >= 1) issues.push({ path: 'split', message: 'train + validation must leave a test share' });
  const families = c.model?.families ?? [];
  if (new Set(families).size !== families.length) issues.push({ path: 'model.families', message: 'each family may be named once' });
  if (families.includes('mlp-ensemble') && c.model?.mlpSeeds === 1) issues.push({ path: 'model.mlpSeeds', message: 'an mlp-ensemble needs at least 2 seeds' });
  return issues;
}

/**
 * A stable SHA-256 of the contract's data and features (key order normalised). The `model` section is
 * left out: which families compete does not change what data a model reads, so it is no new major version.
 */
export function contractHash(c: DataContract): string {
  const { model: _model, ...data } = c;
  return createHash('sha256').update(stableStringify(data)).digest('hex');
}

/** JSON with sorted object keys, so equal values hash equally. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
