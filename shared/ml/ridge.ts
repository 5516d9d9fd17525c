/** The ridge-regression baseline: closed form (X'X + alpha I) w = X'y on standardised inputs, in plain TypeScript. */

/** A fitted linear model. */
export interface RidgeModel {
  alpha: number;
  intercept: number;
  weights: number[];
}

/** Fit ridge regression; the intercept is not penalised (inputs are centred by the fit). */
export function fitRidge(x: Float32Array, y: ArrayLike<number>, rows: number, alpha: number): RidgeModel {
  const d = x.length / rows;
  const xMean = new Float64Array(d);
  let yMean = 0;
  for (let r = 0; r < rows; r++) {
    yMean += y[r] / rows;
    for (let j = 0; j < d; j++) xMean[j] += x[r * d + j] / rows;
  }
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  const xc = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) xc[j] = x[r * d + j] - xMean[j];
    const yc = y[r] - yMean;
    for (let j = 0; j < d; j++) {
      b[j] += xc[j] * yc;
      for (let k = j; k < d; k++) a[j * d + k] += xc[j] * xc[k];
    }
  }
  for (let j = 0; j < d; j++) {
    a[j * d + j] += alpha;
    for (let k = 0; k < j; k++) a[j * d + k] = a[k * d + j];
  }
  const weights = solveSymmetric(a, b, d);
  const intercept = yMean - weights.reduce((s, w, j) => s + w * xMean[j], 0);
  return { alpha, intercept, weights };
}

/** Solve A w = b by Gaussian elimination with partial pivoting (A is positive definite for alpha > 0). */
function solveSymmetric(a: Float64Array, b: Float64Array, d: number): number[] {
  const m = Float64Array.from(a);
  const v = Float64Array.from(b);
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r * d + c]) > Math.abs(m[p * d + c])) p = r;
    if (p !== c) {
      for (let k = 0; k < d; k++) [m[c * d + k], m[p * d + k]] = [m[p * d + k], m[c * d + k]];
      [v[c], v[p]] = [v[p], v[c]];
    }
    const pivot = m[c * d + c] || 1e-12;
    for (let r = c + 1; r < d; r++) {
      const f = m[r * d + c] / pivot;
      if (f === 0) continue;
      for (let k = c; k < d; k++) m[r * d + k] -= f * m[c * d + k];
      v[r] -= f * v[c];
    }
  }
  const w = new Array<number>(d).fill(0);
  for (let r = d - 1; r >= 0; r--) {
    let s = v[r];
    for (let k = r + 1; k < d; k++) s -= m[r * d + k] * w[k];
    w[r] = s / (m[r * d + r] || 1e-12);
  }
  return w;
}

/** Predict with a ridge model (row-major inputs). */
export function predictRidge(model: RidgeModel, x: Float32Array, rows: number): Float64Array {
  const d = model.weights.length;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = model.intercept;
    for (let j = 0; j < d; j++) s += model.weights[j] * x[r * d + j];
    out[r] = s;
  }
  return out;
}
