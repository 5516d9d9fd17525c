/** Split by time: whole periods go to train, validation or test, so no period straddles a boundary. */
import { ValidationError } from '../domain/errors.js';
import type { DataContract } from './contract.js';
import type { Frame } from './frame.js';

/** The recorded split rule. */
export interface SplitRule {
  kind: 'time';
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
    throw new ValidationError('dataset', [{ path: contract.timeColumn, message: `a time split needs at least 3 distinct periods; the data has ${p}` }], 'DATA.INVALID');
  }
  const nVal = Math.max(1, Math.round(p * contract.split.validation));
  const nTrain = Math.min(p - nVal - 1, Math.max(1, Math.round(p * contract.split.train)));
  const trainEnd = periods[nTrain - 1];
  const valEnd = periods[nTrain + nVal - 1];
  const parts = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  for (let i = 0; i < frame.n; i++) {
    if (!usable(i)) continue;
    const k = frame.timeKey[i];
    (k <= trainEnd ? parts.train : k <= valEnd ? parts.validation : parts.test).push(i);
  }
  const label = (a: number, b: number): [string, string] => [labels.get(periods[a]) ?? '', labels.get(periods[b]) ?? ''];
  const rule: SplitRule = {
    kind: 'time',
    column: contract.timeColumn,
    fractions: { train: contract.split.train, validation: contract.split.validation, test: 1 - contract.split.train - contract.split.validation },
    train: label(0, nTrain - 1),
    validation: label(nTrain, nTrain + nVal - 1),
    test: label(nTrain + nVal, p - 1),
    periods: { train: nTrain, validation: nVal, test: p - nTrain - nVal },
    rows: { train: parts.train.length, validation: parts.validation.length, test: parts.test.length },
  };
  return { ...parts, rule };
}
