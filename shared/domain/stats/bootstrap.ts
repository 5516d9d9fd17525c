/**
 * Seeded randomness and the percentile bootstrap of the difference in mean absolute error.
 * Randomness is a parameter (`Prng`), so every analysis is reproducible from its seed.
 */
import { quantileSorted } from './numeric-baseline.js';
import { invalid, requireNonEmpty } from './validation.js';

/** A uniform generator on [0, 1). */
export type Prng = () => number;

/** Mulberry32: a small, fast, seedable 32-bit generator (deterministic across platforms). */
export function createPrng(seed: number): Prng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Percentile bootstrap interval of MAE(candidate) - MAE(control). */
export interface BootstrapInterval {
  /** Observed difference MAE(candidate) - MAE(control). */
  estimate: number;
  lower: number;
  upper: number;
  /** Confidence level, 1 - alpha. */
  confidence: number;
  resamples: number;
}

function resampledMean(values: Float64Array, prng: Prng): number {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[(prng() * n) | 0];
  return sum / n;
}

function mean(values: Float64Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/**
 * Bootstrap CI of the difference in MAE: each arm's absolute errors are resampled with replacement
 * `resamples` times; the interval is the alpha/2 and 1 - alpha/2 percentiles (numpy linear rule).
 * Throws `ValidationError` for an empty arm, resamples < 1 or alpha outside (0, 1).
 */
export function bootstrapMaeDifference(
  controlAbsErrors: Float64Array,
  candidateAbsErrors: Float64Array,
  prng: Prng,
  options: { resamples?: number; alpha?: number } = {},
): BootstrapInterval {
  const resamples = options.resamples ?? 1000;
  const alpha = options.alpha ?? 0.05;
  requireNonEmpty({ control: controlAbsErrors.length, candidate: candidateAbsErrors.length }, 'bootstrap input');
  if (!(Number.isInteger(resamples) && resamples >= 1))
    invalid('bootstrap input', 'resamples', `must be an integer >= 1, got ${resamples}`);
  if (!(alpha > 0 && alpha < 1)) invalid('bootstrap input', 'alpha', `must be in (0, 1), got ${alpha}`);
  const diffs = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++)
    diffs[b] = resampledMean(candidateAbsErrors, prng) - resampledMean(controlAbsErrors, prng);
  diffs.sort();
  return {
    estimate: mean(candidateAbsErrors) - mean(controlAbsErrors),
    lower: quantileSorted(diffs, alpha / 2),
    upper: quantileSorted(diffs, 1 - alpha / 2),
    confidence: 1 - alpha,
    resamples,
  };
}
