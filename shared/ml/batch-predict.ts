/**
 * Batch prediction over CSV text (the core of `ipo-mlops predict --input in.csv --output out.csv`):
 * every input row comes back in order with a prediction column, or an error column saying which field
 * is wrong; rows of one entity are each other's history, as in serving. A file that lacks a required
 * column altogether is rejected as a whole.
 */
import { ValidationError, formatIssues, type Issue } from '../domain/errors.js';
import { parseCsv, toCsv } from './csv.js';
import { frameFromRecords } from './frame.js';
import type { RawRow, ServingModel } from './serving-model.js';

/** Options: the prediction column's name (default `predicted_<target>`) and per-feature attribution columns. */
export interface BatchOptions {
  predictionColumn?: string;
  /** Add `attribution_<feature>` columns (log scale for a log target), plus `attribution_baseline`. */
  explain?: boolean;
  /** Sampled-Shapley orders when explaining a non-tree model. */
  paths?: number;
}

/** One input row that got no prediction: its 1-based data row, its file line, and every problem. */
export interface FailedRow {
  row: number;
  line: number;
  issues: Issue[];
}

/** The output CSV, how many rows were predicted, and the rows that were not. */
export interface BatchResult {
  csv: string;
  rows: number;
  failed: FailedRow[];
}

const invalid = (issues: Issue[]): ValidationError =>
  new ValidationError('batch input', issues, 'PREDICT.INPUT_INVALID');

/** Predict every row of a CSV; rows with unusable values are reported, not predicted (nor used as history). */
export function predictCsv(model: ServingModel, csvText: string, options: BatchOptions = {}): BatchResult {
  const table = parseCsv(csvText);
  if (table.header.length === 0) throw invalid([{ path: '', message: 'the file is empty: no header row' }]);
  const absent = model.requiredFields.filter((f) => !table.header.includes(f));
  if (absent.length > 0)
    throw invalid(
      absent.map((f) => ({
        path: f,
        message: `required column is missing from the header (${table.header.join(', ')})`,
      })),
    );
  const column = options.predictionColumn ?? `predicted_${model.contract.target.column}`;
  if (table.header.includes(column) || table.header.includes('error')) {
    throw invalid([
      {
        path: 'predictionColumn',
        message: `the input already has a column "${table.header.includes(column) ? column : 'error'}"; name the prediction column differently`,
      },
    ]);
  }
  const records: RawRow[] = table.rows.map((r) => Object.fromEntries(table.header.map((h, j) => [h, r[j] ?? null])));
  const issues: Issue[][] = table.rows.map((r) =>
    r.length === table.header.length
      ? []
      : [{ path: '', message: `has ${r.length} fields; the header has ${table.header.length}` }],
  );
  const { problems } = frameFromRecords(records, model.contract);
  for (const [field, p] of Object.entries(problems)) {
    for (const i of p.unparseable)
      issues[i].push({ path: field, message: `unusable value ${JSON.stringify(records[i][field])}` });
  }
  const good = records.flatMap((_, i) => (issues[i].length === 0 ? [i] : []));
  const goodRows = good.map((i) => records[i]);
  const predictions = new Map<number, number>();
  model.predict(goodRows).forEach((p, k) => predictions.set(good[k], p));
  const features = model.preprocessing.inputs.map((t) => t.name);
  const attributions = new Map<number, (number | null)[]>();
  if (options.explain && goodRows.length > 0) {
    model.explain(goodRows, options.paths === undefined ? {} : { paths: options.paths }).forEach((e, k) => {
      const [a] = e.attributions;
      attributions.set(good[k], [a.baselineOutputValue, ...features.map((f) => a.featureAttributions[f])]);
    });
  }
  const extra = options.explain ? ['attribution_baseline', ...features.map((f) => `attribution_${f}`)] : [];
  const header = [...table.header, column, ...extra, 'error'];
  const out = table.rows.map((r, i) => {
    const cells = table.header.map((_, j) => r[j] ?? null);
    const explained = options.explain ? (attributions.get(i) ?? extra.map(() => null)) : [];
    return [
      ...cells,
      predictions.get(i) ?? null,
      ...explained,
      issues[i].length === 0 ? null : formatIssues(issues[i]),
    ];
  });
  return {
    csv: toCsv(header, out),
    rows: good.length,
    failed: issues.flatMap((list, i) =>
      list.length === 0 ? [] : [{ row: i + 1, line: table.lines[i], issues: list }],
    ),
  };
}
