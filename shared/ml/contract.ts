/**
 * The data contract: which columns a dataset has, which is the target, the entity and time columns,
 * and the feature transforms. Everything downstream reads names from here, never from code.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError, type Issue } from '../domain/errors.js';
import {
  contractSchema,
  MISSING_RATE_DEFAULTS,
  type ColumnType,
  type FeatureSpec,
  type ParsedContract,
} from './contract-schema.js';

export { COLUMN_TYPES, DATE_PARTS, type ColumnType, type DatePart, type FeatureSpec } from './contract-schema.js';

/** Feature transform kinds. */
export type FeatureKind = FeatureSpec['kind'];
/** Feature kinds whose output is a category (one-hot encoded for the model). */
export const CATEGORICAL_FEATURE_KINDS: readonly FeatureKind[] = ['bucket', 'one_hot'];
/** Feature kinds computed along each entity's history in time order. */
export const SEQUENTIAL_FEATURE_KINDS: readonly FeatureKind[] = ['growth', 'change', 'rolling_mean', 'rolling_std'];

/** A parsed, checked data contract. */
export type DataContract = ParsedContract;
/** A contract column declaration. */
export type ContractColumn = DataContract['columns'][number];

/** Parse and cross-check a contract; every problem is reported with its path. */
export function parseContract(input: unknown): DataContract {
  const parsed = contractSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      'data contract',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
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
    if (t === undefined)
      issues.push({ path, message: `names column "${col}", which the contract's columns do not declare` });
    else if (!allowed.includes(t))
      issues.push({ path, message: `column "${col}" is ${t}; expected ${allowed.join(' or ')}` });
  };
  if (new Set(types.keys()).size !== c.columns.length)
    issues.push({ path: 'columns', message: 'column names must be unique' });
  expect('entityColumn', c.entityColumn, ['id', 'categorical']);
  expect('timeColumn', c.timeColumn, ['date']);
  expect('target.column', c.target.column, ['numeric']);
  c.sliceColumns.forEach((s, i) => expect(`sliceColumns.${i}`, s, ['categorical', 'id']));
  const featureKinds = new Map<string, 'numeric'>();
  const names = new Set<string>();
  const kindOf = (col: string): 'numeric' | 'categorical' | 'date' | undefined => {
    const t = types.get(col);
    return featureKinds.get(col) ?? (t === undefined ? undefined : t === 'numeric' || t === 'date' ? t : 'categorical');
  };
  c.features.forEach((f, i) => {
    const sources = f.kind === 'ratio' ? [f.numerator, f.denominator] : [f.source];
    const want = f.kind === 'one_hot' ? ['categorical', 'date'] : f.kind === 'date_part' ? ['date'] : ['numeric'];
    for (const s of sources) {
      const kind = kindOf(s);
      if (s === c.target.column)
        issues.push({ path: `features.${i}`, message: `uses the target column "${s}" as an input (leakage)` });
      else if (kind === undefined)
        issues.push({
          path: `features.${i}`,
          message: `names "${s}", which is neither a contract column nor an earlier feature`,
        });
      else if (!want.includes(kind))
        issues.push({ path: `features.${i}`, message: `"${f.kind}" needs a ${want[0]} source; "${s}" is ${kind}` });
    }
    if (names.has(f.name) || types.has(f.name))
      issues.push({ path: `features.${i}.name`, message: `"${f.name}" is already a column or feature name` });
    // Encoded (categorical) features are model inputs only; they cannot feed another transform.
    names.add(f.name);
    if (!CATEGORICAL_FEATURE_KINDS.includes(f.kind)) featureKinds.set(f.name, 'numeric');
  });
  c.columns.forEach((col, i) => {
    if (col.parse !== undefined && col.type !== 'numeric')
      issues.push({
        path: `columns.${i}.parse`,
        message: `only numeric columns take a parser; "${col.name}" is ${col.type}`,
      });
  });
  if (!c.features.some((f) => f.input))
    issues.push({ path: 'features', message: 'at least one feature must be a model input' });
  if (c.split.train + c.split.validation >= 1)
    issues.push({ path: 'split', message: 'train + validation must leave a test share' });
  const families = c.model?.families ?? [];
  if (new Set(families).size !== families.length)
    issues.push({ path: 'model.families', message: 'each family may be named once' });
  if (families.includes('mlp-ensemble') && c.model?.mlpSeeds === 1)
    issues.push({ path: 'model.mlpSeeds', message: 'an mlp-ensemble needs at least 2 seeds' });
  return issues;
}

/**
 * A stable SHA-256 of the contract's data and features (key order normalised). The `model` section (and
 * `$schema`) are left out: which families compete does not change what data a model reads, so it is no new major version.
 */
export function contractHash(c: DataContract): string {
  const { model: _model, $schema: _schema, ...data } = c;
  return createHash('sha256').update(stableStringify(data)).digest('hex');
}

/** JSON with sorted object keys, so equal values hash equally. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Missing-share bounds of a column: its own, else the contract's `validation` defaults, else 0.5 / 0.1. */
export function missingRateLimits(c: DataContract, col: ContractColumn): { max: number; warn: number } {
  return {
    max: col.maxMissingRate ?? c.validation?.maxMissingRate ?? MISSING_RATE_DEFAULTS.max,
    warn: col.warnMissingRate ?? c.validation?.warnMissingRate ?? MISSING_RATE_DEFAULTS.warn,
  };
}

/** File name of the data contract's JSON Schema under docs/contracts. */
export const DATA_CONTRACT_SCHEMA_FILE = 'data-contract.schema.json';

/** The JSON Schema of a contract file (input side: defaults are optional), for docs/contracts and editors. */
export function dataContractJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(contractSchema, { io: 'input' }) as Record<string, unknown>;
  return { $schema, $id: `ipo-mlops/contracts/${DATA_CONTRACT_SCHEMA_FILE}`, title: 'data contract', ...rest };
}
