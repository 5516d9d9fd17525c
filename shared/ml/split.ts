/**
 * Split by time: whole periods go to train, validation or test, so no period straddles a boundary.
 * The contract's shares count distinct periods (`by: periods`, the default) or rows in time order
 * (`by: rows`: a period goes to the part its middle row falls in), e.g. for IPOs where a few busy
 * months hold most of the rows.
 */
import { ValidationError } from '../domain/errors.js';
import type { DataContract } from './contract.js';
import type { Frame } from './frame.js';

/** The recorded split rule. */
export interface SplitRule {
  kind: 'time';
  by: 'periods' | 'rows';
  column: string;
  fractions: { train: number; validation: number; test: number };
  /** Labels of the first and last period in each part. */
  train: [string, string];
  validation: [string, string];
  test: [string, string];
  periods: { train: number; validation: number; test: number };
  rows: { train: number; validation: number; test: number };
}

/** Row indices of each part, plus the rule. */
export interface TimeSplit {
  train: number[];
  validation: number[];
  test: number[];
  rule: SplitRule;
}

/** Split rows by period; only rows where `usable(row)` (e.g. the target is present) are assigned. */
export function splitByTime(frame: Frame, contract: DataContract, usable: (row: number) => boolean): TimeSplit {
  const labels = new Map<number, string>();
  const times = frame.text[contract.timeColumn];
  for (let i = 0; i < frame.n; i++) if (!labels.has(frame.timeKey[i])) labels.set(frame.timeKey[i], times[i] ?? '');
  const periods = [...labels.keys()].sort((a, b) => a - b);
  const p = periods.length;
  if (p < 3) {
    throw new ValidationError(
      'dataset',
      [{ path: contract.timeColumn, message: `a time split needs at least 3 distinct periods; the data has ${p}` }],
      'DATA.INVALID',
    );
  }
  const by = contract.split.by ?? 'periods';
  const counts = new Map<number, number>();
  for (let i = 0; i < frame.n; i++)
    if (usable(i)) counts.set(frame.timeKey[i], (counts.get(frame.timeKey[i]) ?? 0) + 1);
  const { nTrain, nVal } =
    by === 'rows'
      ? byRows(
          periods.map((k) => counts.get(k) ?? 0),
          contract.split,
        )
      : byPeriods(p, contract.split);
  const trainEnd = periods[nTrain - 1];
  const valEnd = periods[nTrain + nVal - 1];
  const parts = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  for (let i = 0; i < frame.n; i++) {
    if (!usable(i)) continue;
    const k = frame.timeKey[i];
    (k <= trainEnd ? parts.train : k <= valEnd ? parts.validation : parts.test).push(i);
  }
  const label = (a: number, b: number): [string, string] => [
    labels.get(periods[a]) ?? '',
    labels.get(periods[b]) ?? '',
  ];
  const rule: SplitRule = {
    kind: 'time',
    by,
    column: contract.timeColumn,
    fractions: {
      train: contract.split.train,
      validation: contract.split.validation,
      test: 1 - contract.split.train - contract.split.validation,
    },
    train: label(0, nTrain - 1),
    validation: label(nTrain, nTrain + nVal - 1),
    test: label(nTrain + nVal, p - 1),
    periods: { train: nTrain, validation: nVal, test: p - nTrain - nVal },
    rows: { train: parts.train.length, validation: parts.validation.length, test: parts.test.length },
  };
  return { ...parts, rule };
}

/** Periods per part from period shares: at least one period each. */
function byPeriods(p: number, share: { train: number; validation: number }): { nTrain: number; nVal: number } {
  const nVal = Math.max(1, Math.round(p * share.validation));
  return { nVal, nTrain: Math.min(p - nVal - 1, Math.max(1, Math.round(p * share.train))) };
}

/** Periods per part from row shares: a period joins the part its middle row falls in; at least one period each. */
function byRows(counts: number[], share: { train: number; validation: number }): { nTrain: number; nVal: number } {
  const total = counts.reduce((a, b) => a + b, 0);
  let before = 0;
  let nTrain = 0;
  let nTrainVal = 0;
  for (const c of counts) {
    const middle = (before + c / 2) / Math.max(1, total);
    if (middle <= share.train) nTrain++;
    if (middle <= share.train + share.validation) nTrainVal++;
    before += c;
  }
  const p = counts.length;
  nTrain = Math.min(p - 2, Math.max(1, nTrain));
  const nVal = Math.min(p - 1 - nTrain, Math.max(1, nTrainVal - nTrain));
  return { nTrain, nVal };
}
