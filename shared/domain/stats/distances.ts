/**
 * Distances between distributions: Jensen-Shannon (scipy `spatial.distance.jensenshannon`),
 * PSI on binned proportions (Evidently's formula), L-infinity, and the 1-Wasserstein distance
 * of raw samples (scipy `wasserstein_distance`).
 */
import { invalid, requireNonEmpty, sortedFinite } from './validation.js';

/** Proportion used in place of an empty bin by PSI, as Evidently does (avoids log 0). */
export const PSI_EMPTY_BIN = 0.0001;

function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  return x === 0 && y >= 0 ? 0 : Infinity;
}

/**
 * Jensen-Shannon distance between two weight vectors (normalised to sum 1), with logarithm
 * `base` (default e, as scipy and Evidently; pass 2 for a distance bounded by 1).
 * Throws `ValidationError` on length mismatch, negative weights or an all-zero vector.
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>, base = Math.E): number {
  if (p.length !== q.length) invalid('Jensen-Shannon input', 'q', `length ${q.length} differs from p (${p.length})`);
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] >= 0) || !(q[i] >= 0)) invalid('Jensen-Shannon input', `[${i}]`, 'weights must be finite and >= 0');
    sp += p[i];
    sq += q[i];
  }
  if (sp === 0 || sq === 0) invalid('Jensen-Shannon input', sp === 0 ? 'p' : 'q', 'all weights are zero');
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] / sp;
    const b = q[i] / sq;
    const m = (a + b) / 2;
    js += relEntr(a, m) + relEntr(b, m);
  }
  js /= 2;
  if (base !== Math.E) js /= Math.log(base);
  return Math.sqrt(Math.max(0, js));
}

/**
 * Population stability index Σ (ref - cur)·ln(ref / cur) over bin proportions; empty bins count
 * as 0.0001 (Evidently). Drift by Evidently's convention when PSI ≥ 0.1.
 */
export function psiFromProportions(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  if (reference.length !== current.length) invalid('PSI input', 'current', 'bin count differs from reference');
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] === 0 ? PSI_EMPTY_BIN : reference[i];
    const c = current[i] === 0 ? PSI_EMPTY_BIN : current[i];
    psi += (r - c) * Math.log(r / c);
  }
  return psi;
}

/** L-infinity distance max |pᵢ - qᵢ| between two frequency vectors, each normalised to sum 1. */
export function lInfinityDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) invalid('L-infinity input', 'q', `length ${q.length} differs from p (${p.length})`);
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sq += q[i];
  }
  if (!(sp > 0) || !(sq > 0)) invalid('L-infinity input', sp > 0 ? 'q' : 'p', 'all frequencies are zero');
  let d = 0;
  for (let i = 0; i < p.length; i++) d = Math.max(d, Math.abs(p[i] / sp - q[i] / sq));
  return d;
}

/** 1-Wasserstein distance of two ascending-sorted samples: ∫|F_u - F_v| by merging the ECDFs. */
export function wassersteinSorted(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const nu = u.length;
  const nv = v.length;
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = Math.min(u[0], v[0]);
  while (i < nu || j < nv) {
    const x = j >= nv || (i < nu && u[i] <= v[j]) ? u[i] : v[j];
    total += Math.abs(i / nu - j / nv) * (x - prev);
    prev = x;
    while (i < nu && u[i] <= x) i++;
    while (j < nv && v[j] <= x) j++;
  }
  return total;
}

/** 1-Wasserstein distance of two raw samples (missing values dropped; empty is a `ValidationError`). */
export function wassersteinDistance(u: ArrayLike<number | null>, v: ArrayLike<number | null>): number {
  const a = sortedFinite(u);
  const b = sortedFinite(v);
  requireNonEmpty({ u: a.length, v: b.length }, 'Wasserstein input');
  return wassersteinSorted(a, b);
}
