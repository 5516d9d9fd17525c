/** Drift bench worker: holds its share of baselines and shared current columns, computes on request. */
import { parentPort, workerData } from 'node:worker_threads';
import { ksPValue } from '../../shared/domain/stats/ks-test.js';
import {
  numericBaselineFromJson,
  type NumericBaseline,
  type NumericBaselineJson,
} from '../../shared/domain/stats/numeric-baseline.js';
import { compareNumeric } from '../../shared/domain/stats/numeric-drift.js';
import { referenceIndex } from '../../shared/domain/stats/reference-index.js';

interface Input {
  features: number[];
  baselines: NumericBaselineJson[];
  current: SharedArrayBuffer[];
}
const input = workerData as Input;
const baselines: NumericBaseline[] = input.baselines.map((b) => numericBaselineFromJson(b));
baselines.forEach((b) => referenceIndex(b));
const current = input.current.map((buf) => new Float64Array(buf));
parentPort?.on('message', () => {
  const results = baselines.map((b, i) => {
    const c = compareNumeric(b, current[i]);
    return { feature: input.features[i], ...c, ksPValue: ksPValue(c.ksStatistic, b.count, c.nCurrent).pValue };
  });
  parentPort?.postMessage(results);
});
parentPort?.postMessage('ready');
