/**
 * UMAP (McInnes, Healy & Melville 2018) following umap-learn's choices: fuzzy simplicial set from
 * the kNN graph (local connectivity 1, fuzzy union), curve parameters a/b fitted to min_dist and
 * spread, and the same SGD with negative sampling and clipped gradients. Initialisation is the
 * leading principal components (umap-learn's `init="pca"`), which is cheaper than the spectral
 * embedding and keeps the layout reproducible.
 */
import type { KnnGraph } from './knn';
import { matrix, type Matrix } from './matrix';
import type { Rng } from './random';

export interface UmapOptions {
  nComponents: number;
  /** Neighbourhood size including the point itself (umap-learn's n_neighbors). */
  nNeighbors: number;
  minDist?: number;
  spread?: number;
  /** Default as umap-learn: 500 for small inputs, 200 above 10,000 rows. */
  nEpochs?: number;
  negativeSampleRate?: number;
  learningRate?: number;
  repulsionStrength?: number;
  onProgress?: (fraction: number) => void;
}

export interface FuzzyGraph {
  heads: Int32Array;
  tails: Int32Array;
  weights: Float32Array;
}

export function umapEmbed(knn: KnnGraph, init: Matrix, rng: Rng, options: UmapOptions): Matrix {
  const n = knn.rows;
  const dim = options.nComponents;
  if (init.rows !== n || init.cols < dim) throw new Error(`UMAP init must be ${n}×≥${dim}`);
  const nEpochs = options.nEpochs ?? (n <= 10_000 ? 500 : 200);
  const graph = fuzzySimplicialSet(knn, options.nNeighbors);
  const { a, b } = findAbParams(options.spread ?? 1, options.minDist ?? 0);
  const embedding = initialLayout(init, dim, rng);
  if (n > 1 && graph.weights.length) {
    optimizeLayout(embedding, graph, nEpochs, a, b, rng, options);
  }
  return matrix(n, dim, Float32Array.from(embedding));
}

/** Per-point smooth kNN distances, memberships, then the fuzzy union w = a + b − ab (both directions kept). */
export function fuzzySimplicialSet(knn: KnnGraph, nNeighbors: number): FuzzyGraph {
  const { rows: n, k, indices, distances } = knn;
  const target = Math.log2(Math.max(nNeighbors, 2));
  let total = 0;
  let count = 0;
  for (let i = 0; i < distances.length; i++) {
    if (indices[i] >= 0) {
      total += distances[i];
      count++;
    }
  }
  const meanAll = count ? total / (count + n) : 0; // umap-learn's mean includes each self distance (0)
  const weight = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let rho = 0;
    let rowSum = 0;
    let rowCount = 0;
    for (let s = 0; s < k; s++) {
      if (indices[base + s] < 0) continue;
      const d = distances[base + s];
      if (rho === 0 && d > 0) rho = d;
      rowSum += d;
      rowCount++;
    }
    let lo = 0;
    let hi = Infinity;
    let mid = 1;
    for (let it = 0; it < 64; it++) {
      let psum = 0;
      for (let s = 0; s < k; s++) {
        if (indices[base + s] < 0) continue;
        const d = distances[base + s] - rho;
        psum += d > 0 ? Math.exp(-d / mid) : 1;
      }
      if (Math.abs(psum - target) < 1e-5) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
      }
    }
    const meanRow = rowCount ? rowSum / rowCount : 0;
    const floor = 1e-3 * (rho > 0 ? meanRow : meanAll);
    const sigma = Math.max(mid, floor, 1e-12);
    for (let s = 0; s < k; s++) {
      if (indices[base + s] < 0) continue;
      const d = distances[base + s] - rho;
      weight[base + s] = d <= 0 ? 1 : Math.exp(-d / sigma);
    }
  }

  const heads: number[] = [];
  const tails: number[] = [];
  const weights: number[] = [];
  const reverseWeight = (from: number, to: number) => {
    for (let s = 0; s < k; s++) if (indices[from * k + s] === to) return weight[from * k + s];
    return -1;
  };
  const rowsOut: Array<Array<[number, number]>> = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < k; s++) {
      const j = indices[i * k + s];
      if (j < 0 || j === i) continue;
      const wij = weight[i * k + s];
      const wji = reverseWeight(j, i);
      if (wji >= 0) {
        // Both directions are in the kNN graph: each side emits its own entry.
        rowsOut[i].push([j, wij + wji - wij * wji]);
      } else {
        rowsOut[i].push([j, wij]);
        rowsOut[j].push([i, wij]);
      }
    }
  }
  let maxW = 0;
  for (const r of rowsOut) for (const [, w] of r) maxW = Math.max(maxW, w);
  for (let i = 0; i < n; i++) {
    rowsOut[i].sort((p, q) => p[0] - q[0]);
    for (const [j, w] of rowsOut[i]) {
      if (w <= 0) continue;
      heads.push(i);
      tails.push(j);
      weights.push(w);
    }
  }
  return {
    heads: Int32Array.from(heads),
    tails: Int32Array.from(tails),
    weights: Float32Array.from(weights),
  };
}

/** Fits 1 / (1 + a·x^(2b)) to the offset exponential umap-learn targets (least squares, pattern search). */
export function findAbParams(spread: number, minDist: number): { a: number; b: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < 300; i++) {
    const x = (3 * spread * i) / 299;
    xs.push(x);
    ys.push(x < minDist ? 1 : Math.exp(-(x - minDist) / spread));
  }
  const loss = (a: number, b: number) => {
    if (a <= 0 || b <= 0) return Infinity;
    let s = 0;
    for (let i = 0; i < xs.length; i++) {
      const r = 1 / (1 + a * Math.pow(xs[i], 2 * b)) - ys[i];
      s += r * r;
    }
    return s;
  };
  let a = 1;
  let b = 1;
  let best = loss(a, b);
  let step = 0.5;
  while (step > 1e-9) {
    let improved = false;
    for (const [da, db] of [
      [step, 0],
      [-step, 0],
      [0, step],
      [0, -step],
      [step, step],
      [-step, -step],
      [step, -step],
      [-step, step],
    ]) {
      const l = loss(a + da, b + db);
      if (l < best) {
        best = l;
        a += da;
        b += db;
        improved = true;
        break;
      }
    }
    if (!improved) step /= 2;
  }
  return { a, b };
}

/** Leading components scaled to ±10 with a little noise, then per-axis to [0, 10] as umap-learn does. */
function initialLayout(init: Matrix, dim: number, rng: Rng): Float64Array {
  const n = init.rows;
  const out = new Float64Array(n * dim);
  let maxAbs = 0;
  for (let i = 0; i < n; i++)
    for (let c = 0; c < dim; c++) maxAbs = Math.max(maxAbs, Math.abs(init.data[i * init.cols + c]));
  const expansion = maxAbs > 0 ? 10 / maxAbs : 1;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dim; c++)
      out[i * dim + c] = init.data[i * init.cols + c] * expansion + rng.gaussian() * 1e-4;
  }
  for (let c = 0; c < dim; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, out[i * dim + c]);
      hi = Math.max(hi, out[i * dim + c]);
    }
    const range = hi - lo || 1;
    for (let i = 0; i < n; i++) out[i * dim + c] = (10 * (out[i * dim + c] - lo)) / range;
  }
  return out;
}

/**
 * The attractive and repulsive gradient coefficients as functions of squared distance, tabulated
 * by distance and interpolated: (d²)^b costs ~40 ns in V8 and is called six times per sampled
 * edge, the table lookup a few. Very short and very long distances are computed exactly.
 */
export class GradientCurve {
  private static readonly STEP = 1e-3;
  private static readonly LOW = 0.05;
  private static readonly HIGH = 64;
  private readonly attract: Float64Array;
  private readonly repel: Float64Array;

  constructor(
    private readonly a: number,
    private readonly b: number,
    private readonly gamma: number,
  ) {
    const size = Math.ceil(GradientCurve.HIGH / GradientCurve.STEP) + 2;
    this.attract = new Float64Array(size);
    this.repel = new Float64Array(size);
    for (let i = 1; i < size; i++) {
      const d = i * GradientCurve.STEP;
      this.attract[i] = this.exactAttraction(d * d);
      this.repel[i] = this.exactRepulsion(d * d);
    }
  }

  exactAttraction(d2: number): number {
    const powB = Math.pow(d2, this.b);
    return (-2 * this.a * this.b * (powB / d2)) / (this.a * powB + 1);
  }

  exactRepulsion(d2: number): number {
    return (2 * this.gamma * this.b) / ((0.001 + d2) * (this.a * Math.pow(d2, this.b) + 1));
  }

  attraction(d2: number): number {
    const d = Math.sqrt(d2);
    if (d < GradientCurve.LOW || d >= GradientCurve.HIGH) return this.exactAttraction(d2);
    return lerp(this.attract, d / GradientCurve.STEP);
  }

  repulsion(d2: number): number {
    const d = Math.sqrt(d2);
    if (d < GradientCurve.LOW || d >= GradientCurve.HIGH) return this.exactRepulsion(d2);
    return lerp(this.repel, d / GradientCurve.STEP);
  }
}

function lerp(table: Float64Array, x: number): number {
  const i = x | 0;
  const f = x - i;
  return table[i] + f * (table[i + 1] - table[i]);
}

/**
 * umap-learn's optimize_layout_euclidean, epoch by epoch. Negative samples draw from a xorshift
 * stream seeded by rng.
 */
function optimizeLayout(
  emb: Float64Array,
  graph: FuzzyGraph,
  nEpochs: number,
  a: number,
  b: number,
  rng: Rng,
  options: UmapOptions,
): void {
  const dim = options.nComponents;
  const n = emb.length / dim;
  const { heads, tails, weights } = graph;
  let maxW = 0;
  for (const w of weights) maxW = Math.max(maxW, w);
  const m = weights.length;
  const negativeRate = options.negativeSampleRate ?? 5;
  const gamma = options.repulsionStrength ?? 1;
  const initialAlpha = options.learningRate ?? 1;
  const epochsPerSample = new Float64Array(m).fill(-1);
  for (let e = 0; e < m; e++) {
    // umap-learn drops edges below max/n_epochs: they would never be sampled.
    if (weights[e] >= maxW / nEpochs) epochsPerSample[e] = maxW / weights[e];
  }
  const epochsPerNegative = epochsPerSample.map((v) => v / negativeRate);
  const nextSample = Float64Array.from(epochsPerSample);
  const nextNegative = Float64Array.from(epochsPerNegative);
  const curve = new GradientCurve(a, b, gamma);
  let state = rng.nextUint32() | 1;
  const toRow = n / 4294967296;
  for (let epoch = 0; epoch < nEpochs; epoch++) {
    const alpha = initialAlpha * (1 - epoch / nEpochs);
    for (let e = 0; e < m; e++) {
      const every = epochsPerSample[e];
      if (every < 0 || nextSample[e] > epoch) continue;
      const j = heads[e] * dim;
      const kk = tails[e] * dim;
      let d2 = 0;
      for (let c = 0; c < dim; c++) {
        const diff = emb[j + c] - emb[kk + c];
        d2 += diff * diff;
      }
      if (d2 > 0) {
        const coeff = curve.attraction(d2);
        for (let c = 0; c < dim; c++) {
          let g = coeff * (emb[j + c] - emb[kk + c]);
          g = (g > 4 ? 4 : g < -4 ? -4 : g) * alpha;
          emb[j + c] += g;
          emb[kk + c] -= g;
        }
      }
      nextSample[e] += every;
      const everyNegative = epochsPerNegative[e];
      const negatives = Math.floor((epoch - nextNegative[e]) / everyNegative);
      for (let p = 0; p < negatives; p++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        const o = Math.floor((state >>> 0) * toRow) * dim;
        let nd2 = 0;
        for (let c = 0; c < dim; c++) {
          const diff = emb[j + c] - emb[o + c];
          nd2 += diff * diff;
        }
        if (nd2 > 0) {
          const coeff = curve.repulsion(nd2);
          for (let c = 0; c < dim; c++) {
            const g = coeff * (emb[j + c] - emb[o + c]);
            emb[j + c] += (g > 4 ? 4 : g < -4 ? -4 : g) * alpha;
          }
        }
      }
      if (negatives > 0) nextNegative[e] += negatives * everyNegative;
    }
    if (options.onProgress && (epoch % 10 === 9 || epoch === nEpochs - 1))
      options.onProgress((epoch + 1) / nEpochs);
  }
}
