/**
 * Principal component projection by randomized range finding (Halko, Martinsson & Tropp 2011):
 * four passes over the data instead of a dim×dim covariance, which matters at 44k×512. Used to
 * shrink embeddings before the neighbour search; distances between unit vectors survive it well
 * because the variance that separates photos lives in few directions.
 */
import { dot, matrix, selectRows, type Matrix } from './matrix';
import { Rng } from './random';

export interface PcaResult {
  /** rows × components, ordered by decreasing variance. */
  projected: Matrix;
  /** Variance captured by each component (descending). */
  variances: Float64Array;
}

export function pcaProject(x: Matrix, components: number, rng: Rng, options: PcaOptions = {}): PcaResult {
  const { rows: n, cols: d, data } = x;
  const k = Math.min(components, d, n);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= Math.max(n, 1);
  if (n === 0 || k === 0) return { projected: matrix(n, 0), variances: new Float64Array(0) };

  // The directions are learnt from a seeded sample of rows (plenty to pin down a few dozen
  // components), then every row is projected once.
  const sampleRows = options.sampleRows ?? 10_000;
  const fit = n > sampleRows ? selectRows(x, sampleIndices(n, sampleRows, rng)) : x;
  const { directions, variances } = principalDirections(fit, mean, k, rng, options.oversample ?? 10);
  const shift = new Float64Array(k);
  for (let c = 0; c < k; c++) shift[c] = dot(mean, 0, directions, c * d, d);
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) out[i * k + c] = dot(data, i * d, directions, c * d, d) - shift[c];
  }
  return { projected: matrix(n, k, out), variances };
}

export interface PcaOptions {
  /** Learn the components from at most this many rows (default 10,000). */
  sampleRows?: number;
  oversample?: number;
}

function sampleIndices(n: number, size: number, rng: Rng): Int32Array {
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(n - i);
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  return all.slice(0, size).sort();
}

/** Top-k right singular vectors of (X − μ), column-major k×d, with their variances. */
function principalDirections(
  x: Matrix,
  mean: Float64Array,
  k: number,
  rng: Rng,
  oversample: number,
): { directions: Float64Array; variances: Float64Array } {
  const { rows: n, cols: d } = x;
  const l = Math.min(k + oversample, d, n);
  // Y = (X − μ)Ω, orthonormalised; one power iteration sharpens the spectrum.
  const omega = new Float64Array(d * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.gaussian();
  let q = orthonormalize(timesRight(x, mean, omega, l), n, l);
  const z = orthonormalize(transposeTimes(x, mean, q, l), d, l);
  q = orthonormalize(timesRight(x, mean, z, l), n, l);

  // B = Qᵀ(X − μ) is l×d; BBᵀ = UΣ²Uᵀ and the right singular vectors are V = BᵀUΣ⁻¹.
  const b = transposeTimes(x, mean, q, l); // row r of B is column r here
  const bbt = new Float64Array(l * l);
  for (let r = 0; r < l; r++) {
    for (let c = r; c < l; c++) bbt[r * l + c] = bbt[c * l + r] = dot(b, r * d, b, c * d, d);
  }
  const { values, vectors } = symmetricEigen(bbt, l);
  const order = Array.from(values.keys())
    .sort((a, c) => values[c] - values[a])
    .slice(0, k);
  const directions = new Float64Array(k * d);
  const variances = new Float64Array(k);
  order.forEach((e, c) => {
    const sigma = Math.sqrt(Math.max(values[e], 0));
    variances[c] = (sigma * sigma) / Math.max(n - 1, 1);
    if (sigma < 1e-12) return;
    const out = c * d;
    for (let r = 0; r < l; r++) {
      const u = vectors[r * l + e] / sigma;
      if (u === 0) continue;
      for (let j = 0; j < d; j++) directions[out + j] += b[r * d + j] * u;
    }
    // Fix each direction's sign so the projection is reproducible.
    let best = 0;
    for (let j = 0; j < d; j++)
      if (Math.abs(directions[out + j]) > Math.abs(best)) best = directions[out + j];
    if (best < 0) for (let j = 0; j < d; j++) directions[out + j] = -directions[out + j];
  });
  return { directions, variances };
}

/** (X − μ)·M for M given as l columns of length d (column-major); result column-major, l×n. */
function timesRight(x: Matrix, mean: Float64Array, m: Float64Array, l: number): Float64Array {
  const { rows: n, cols: d, data } = x;
  const out = new Float64Array(l * n);
  const shift = new Float64Array(l);
  for (let c = 0; c < l; c++) shift[c] = dot(mean, 0, m, c * d, d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < l; c++) out[c * n + i] = dot(data, i * d, m, c * d, d) - shift[c];
  }
  return out;
}

/** (X − μ)ᵀ·Q for Q column-major (l×n); result column-major, l×d. */
function transposeTimes(x: Matrix, mean: Float64Array, q: Float64Array, l: number): Float64Array {
  const { rows: n, cols: d, data } = x;
  const out = new Float64Array(l * d);
  const colSum = new Float64Array(l);
  for (let i = 0; i < n; i++) {
    const xb = i * d;
    for (let c = 0; c < l; c++) {
      const a = q[c * n + i];
      if (a === 0) continue;
      colSum[c] += a;
      const ob = c * d;
      for (let j = 0; j < d; j++) out[ob + j] += a * data[xb + j];
    }
  }
  for (let c = 0; c < l; c++) for (let j = 0; j < d; j++) out[c * d + j] -= mean[j] * colSum[c];
  return out;
}

/** Modified Gram–Schmidt on l column-major columns of length `len`, in place. */
function orthonormalize(a: Float64Array, len: number, l: number): Float64Array {
  for (let c = 0; c < l; c++) {
    const cb = c * len;
    for (let p = 0; p < c; p++) {
      const pb = p * len;
      const proj = dot(a, cb, a, pb, len);
      for (let i = 0; i < len; i++) a[cb + i] -= proj * a[pb + i];
    }
    const norm = Math.sqrt(dot(a, cb, a, cb, len));
    // A zero column (rank-deficient data) stays zero and contributes nothing.
    const inv = norm > 1e-12 ? 1 / norm : 0;
    for (let i = 0; i < len; i++) a[cb + i] *= inv;
  }
  return a;
}

/** Cyclic Jacobi eigen-decomposition of a small symmetric matrix; vectors are the columns. */
export function symmetricEigen(
  input: Float64Array,
  l: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(l * l);
  for (let i = 0; i < l; i++) v[i * l + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < l; p++) for (let r = p + 1; r < l; r++) off += a[p * l + r] * a[p * l + r];
    if (off < 1e-22) break;
    for (let p = 0; p < l; p++) {
      for (let r = p + 1; r < l; r++) {
        const apr = a[p * l + r];
        if (Math.abs(apr) < 1e-300) continue;
        const theta = (a[r * l + r] - a[p * l + p]) / (2 * apr);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < l; k++) {
          const akp = a[k * l + p];
          const akr = a[k * l + r];
          a[k * l + p] = c * akp - s * akr;
          a[k * l + r] = s * akp + c * akr;
        }
        for (let k = 0; k < l; k++) {
          const apk = a[p * l + k];
          const ark = a[r * l + k];
          a[p * l + k] = c * apk - s * ark;
          a[r * l + k] = s * apk + c * ark;
        }
        for (let k = 0; k < l; k++) {
          const vkp = v[k * l + p];
          const vkr = v[k * l + r];
          v[k * l + p] = c * vkp - s * vkr;
          v[k * l + r] = s * vkp + c * vkr;
        }
      }
    }
  }
  const values = new Float64Array(l);
  for (let i = 0; i < l; i++) values[i] = a[i * l + i];
  return { values, vectors: v };
}
