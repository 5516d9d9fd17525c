/** Minimum sample size per arm for a two-sided comparison of means (normal approximation). */
import { normalQuantile } from './special-functions.js';
import { invalid } from './validation.js';

/** Inputs of the sample-size computation. */
export interface SampleSizeInput {
  /** Smallest difference in means worth detecting (e.g. MAE improvement), ≠ 0. */
  effect: number;
  /** Standard deviation of the compared quantity in each arm, > 0. */
  std: number;
  /** Two-sided significance level (default 0.05). */
  alpha?: number;
  /** Probability of detecting `effect` (default 0.8). */
  power?: number;
}

/**
 * n per arm = ⌈2·(z₁₋α/₂ + z_power)²·σ² / δ²⌉. Throws `ValidationError` naming the bad input
 * (effect 0, std ≤ 0, alpha or power outside (0, 1)).
 */
export function minSampleSizePerArm(input: SampleSizeInput): number {
  const { effect, std } = input;
  const alpha = input.alpha ?? 0.05;
  const power = input.power ?? 0.8;
  if (!(Number.isFinite(effect) && effect !== 0))
    invalid('sample size input', 'effect', `must be a non-zero number, got ${effect}`);
  if (!(std > 0 && Number.isFinite(std))) invalid('sample size input', 'std', `must be > 0, got ${std}`);
  if (!(alpha > 0 && alpha < 1)) invalid('sample size input', 'alpha', `must be in (0, 1), got ${alpha}`);
  if (!(power > 0 && power < 1)) invalid('sample size input', 'power', `must be in (0, 1), got ${power}`);
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return Math.ceil((2 * z * z * std * std) / (effect * effect));
}
