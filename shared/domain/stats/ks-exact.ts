/**
 * Exact null distribution of the two-sample KS statistic, ported from scipy
 * (`_compute_prob_outside_square` for equal sizes, `_compute_outer_prob_inside_method` otherwise,
 * Hodges 1958 with Viehmann's 1 - p recursion).
 */

/** Pr(D ≥ h/n) for two samples of the same size n. */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

/** Proportion of lattice paths that leave the band |x/m - y/n| < h/lcm(m, n). */
function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1];
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Exact two-sided p-value of the two-sample KS statistic `d` for sizes n1, n2, as scipy's
 * `method='exact'`. Returns the statistic rounded to the lattice (h / lcm), like scipy, and
 * `undefined` for the p-value when the computation is not representable (caller falls back).
 */
export function ksExactPValue(d: number, n1: number, n2: number): { d: number; p: number | undefined } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = Math.round(d * lcm);
  const dLattice = h / lcm;
  if (h === 0) return { d: dLattice, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
  if (!(p >= 0 && p <= 1)) return { d: dLattice, p: undefined };
  return { d: dLattice, p };
}
