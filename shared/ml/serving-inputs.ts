/**
 * What a prediction request must carry: every contract column a model input reads (through any chain
 * of features), plus the entity and time columns when a feature follows an entity's history. A field
 * that is present but null counts as a missing value, which the model handles as in training.
 */
import { ValidationError, type Issue } from '../domain/errors.js';
import { SEQUENTIAL_FEATURE_KINDS, type DataContract, type FeatureSpec } from './contract.js';
import { frameFromRecords, type Frame, type RawCell } from './frame.js';

/** A raw input row: contract column name -> value. */
export type RawRow = Record<string, RawCell>;

/** The sources a feature reads (contract columns or earlier features). */
export function featureSources(f: FeatureSpec): string[] {
  if (f.kind === 'ratio') return [f.numerator, f.denominator];
  return [f.source];
}

/** The fields a prediction row must have, in contract column order. */
export function requiredFields(contract: DataContract): string[] {
  const byName = new Map(contract.features.map((f) => [f.name, f]));
  const needed = new Set<string>();
  let sequential = false;
  const visit = (f: FeatureSpec): void => {
    if (SEQUENTIAL_FEATURE_KINDS.includes(f.kind)) sequential = true;
    for (const s of featureSources(f)) {
      const parent = byName.get(s);
      if (parent) visit(parent);
      else needed.add(s);
    }
  };
  contract.features.filter((f) => f.input).forEach(visit);
  if (sequential) needed.add(contract.entityColumn).add(contract.timeColumn);
  return contract.columns.map((c) => c.name).filter((c) => needed.has(c));
}

const listRows = (rows: number[]): string =>
  `${rows.length} rows (${rows.slice(0, 5).join(', ')}${rows.length > 5 ? ', ...' : ''})`;

/**
 * Check request rows against the contract and build their frame. Throws ValidationError (code
 * PREDICT.INPUT_INVALID) listing every missing required field and every unusable value, each under its field name.
 */
export function frameFromRequest(contract: DataContract, required: readonly string[], rows: readonly unknown[]): Frame {
  const issues: Issue[] = [];
  const notObjects = rows.flatMap((r, i) => (r === null || typeof r !== 'object' || Array.isArray(r) ? [i] : []));
  if (notObjects.length > 0)
    issues.push({ path: 'instances', message: `${listRows(notObjects)} are not objects of column values` });
  const records = rows.map((r, i) => (notObjects.includes(i) ? {} : (r as RawRow)));
  for (const field of required) {
    const absent = records.flatMap((r, i) => (notObjects.includes(i) || r[field] !== undefined ? [] : [i]));
    if (absent.length > 0)
      issues.push({
        path: field,
        message: `required field is missing from ${listRows(absent)}; the model reads it (send null for an unknown value)`,
      });
  }
  const { frame, problems } = frameFromRecords(records, contract);
  for (const [column, p] of Object.entries(problems)) {
    if (p.unparseable.length > 0)
      issues.push({
        path: column,
        message: `${listRows(p.unparseable)} have unusable values, e.g. ${p.samples.map((s) => JSON.stringify(s)).join(', ')}`,
      });
  }
  if (issues.length > 0) throw new ValidationError('prediction rows', issues, 'PREDICT.INPUT_INVALID');
  return frame;
}
