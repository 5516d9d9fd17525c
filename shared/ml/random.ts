/** Seeded pseudo-random numbers, so data generation, shuffling and dropout are reproducible. */
import { createPrng, type Prng } from '../domain/stats/bootstrap.js';

/** A seeded generator of uniform numbers in [0, 1). */
export type Rng = Prng;

/** Mulberry32 (the same generator the statistics use), so simulation and shuffling are reproducible. */
export function createRng(seed: number): Rng {
  return createPrng(seed);
}

/** A standard normal draw (Box-Muller). */
export function normal(rng: Rng, mean = 0, sd = 1): number {
  const u = Math.max(rng(), 1e-12);
  const v = rng();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A uniformly random integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function permutation(rng: Rng, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}

/** A 31-bit integer seed drawn from a generator (for tfjs initialisers and dropout). */
export function nextSeed(rng: Rng): number {
  return Math.floor(rng() * 2147483647);
}
