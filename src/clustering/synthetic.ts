/**
 * Seeded synthetic embeddings with known groups, shaped like photo embeddings: unit vectors around
 * random unit centres plus a share of unrelated unit vectors (noise, truth label −1). Tests and the
 * clustering benchmark both draw from here.
 */
import { matrix, type Matrix } from './matrix';
import { Rng } from './random';

export interface SyntheticOptions {
  points: number;
  dim?: number;
  clusters?: number;
  /** Share of points that belong to no cluster. */
  noise?: number;
  /** Length of the random offset from the centre, relative to the centre's unit length. */
  spread?: number;
  seed?: number;
}

export interface SyntheticData {
  vectors: Matrix;
  truth: Int32Array;
}

export function syntheticEmbeddings(options: SyntheticOptions): SyntheticData {
  const { points: n, dim = 512, clusters = 40, noise = 0.1, spread = 0.6, seed = 7 } = options;
  const rng = new Rng(seed);
  const unit = (v: Float64Array) => {
    let s = 0;
    for (const x of v) s += x * x;
    const inv = 1 / Math.sqrt(s || 1);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
    return v;
  };
  const centres = Array.from({ length: clusters }, () =>
    unit(Float64Array.from({ length: dim }, () => rng.gaussian())),
  );
  const weights = Array.from({ length: clusters }, () => 0.5 + rng.next());
  const total = weights.reduce((a, b) => a + b, 0);
  const noisy = Math.round(n * noise);
  const truth = new Int32Array(n).fill(-1);
  let at = 0;
  for (let c = 0; c < clusters && at < n - noisy; c++) {
    const size = c === clusters - 1 ? n - noisy - at : Math.round(((n - noisy) * weights[c]) / total);
    for (let i = 0; i < size && at < n - noisy; i++) truth[at++] = c;
  }
  // Shuffle so the order of rows says nothing about the groups.
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = truth[i];
    truth[i] = truth[j];
    truth[j] = t;
  }
  const data = new Float32Array(n * dim);
  const v = new Float64Array(dim);
  const scale = spread / Math.sqrt(dim);
  for (let i = 0; i < n; i++) {
    const c = truth[i];
    for (let j = 0; j < dim; j++) v[j] = c >= 0 ? centres[c][j] + scale * rng.gaussian() : rng.gaussian();
    unit(v);
    data.set(v, i * dim);
  }
  return { vectors: matrix(n, dim, data), truth };
}
