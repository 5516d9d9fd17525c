/** The guide's regression metrics, computed on the original target scale (errors by the one rule in domain/stats/error-metrics). */
import { ErrorAccumulator } from '../domain/stats/error-metrics.js';

/** Metrics of one model on one set of rows. MAPE is in percent; directional accuracy is a share in [0, 1]. */
export interface RegressionMetrics {
  n: number;
  r2: number;
  mse: number;
  mae: number;
  rmse: number;
  mape: number;
  /** Share of rows where the predicted move from the previous period has the actual move's sign; null if no row has a previous period. */
  directionalAccuracy: number | null;
  /** For a log-transformed target: the same errors on the log scale the model is trained on (ln actual vs ln predicted). */
  logScale?: ScaleMetrics;
}

/** Errors on one scale. */
export interface ScaleMetrics {
  r2: number;
  mse: number;
  mae: number;
  rmse: number;
}

/**
 * Compute metrics. `previous[i]` is the entity's actual value in the prior period (NaN when unknown);
 * it drives directional accuracy: sign(pred - previous) == sign(actual - previous).
 */
export function regressionMetrics(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  previous?: ArrayLike<number>,
): RegressionMetrics {
  const n = actual.length;
  const errors = new ErrorAccumulator();
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i] / n;
  let sst = 0;
  let hits = 0;
  let moves = 0;
  for (let i = 0; i < n; i++) {
    errors.add(predicted[i], actual[i]);
    sst += (actual[i] - mean) ** 2;
    const prev = previous?.[i];
    if (prev !== undefined && Number.isFinite(prev)) {
      moves++;
      if (Math.sign(predicted[i] - prev) === Math.sign(actual[i] - prev)) hits++;
    }
  }
  // The accumulator skips missing pairs; in evaluation a NaN prediction (a diverged model) must poison every metric instead.
  const e = errors.n === n ? errors.result() : { mae: NaN, mse: NaN, rmse: NaN, mape: NaN };
  return {
    n,
    r2: sst === 0 ? NaN : 1 - (e.mse * n) / sst,
    mse: e.mse,
    mae: e.mae,
    rmse: e.rmse,
    mape: e.mape ?? NaN,
    directionalAccuracy: moves === 0 ? null : hits / moves,
  };
}

/** Metrics on the target's scale, plus `logScale` when the target is log-transformed (rows with a non-positive value are left out of it). */
export function targetMetrics(
  transform: 'log' | 'none',
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  previous?: ArrayLike<number>,
): RegressionMetrics {
  const m = regressionMetrics(actual, predicted, previous);
  if (transform !== 'log') return m;
  const a: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] > 0 && predicted[i] > 0) {
      a.push(Math.log(actual[i]));
      p.push(Math.log(predicted[i]));
    }
  }
  const { r2, mse, mae, rmse } = regressionMetrics(a, p);
  return { ...m, logScale: { r2, mse, mae, rmse } };
}
