/** Seeded sample generators for the statistics tests. */
import { createPrng, type Prng } from '../../../shared/domain/stats/bootstrap.js';

/** A normal sampler (Box-Muller) on a seeded generator. */
export function normalSampler(seed: number): { prng: Prng; normal: (mean?: number, sd?: number) => number } {
  const prng = createPrng(seed);
  return {
    prng,
    normal: (mean = 0, sd = 1) => mean + sd * Math.sqrt(-2 * Math.log(1 - prng())) * Math.cos(2 * Math.PI * prng()),
  };
}

/** n draws from `draw`, as a Float64Array. */
export function sample(n: number, draw: () => number): Float64Array {
  return Float64Array.from({ length: n }, draw);
}
