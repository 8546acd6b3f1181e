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
import { layoutThreads, optimizeShared, sharedFloat64, sharedInt32, type SgdState } from './umap-sgd';

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
  /** Threads for the layout; the result is the same for any count (see umap-sgd.ts). */
  threads?: number;
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

/** Sets up the shared SGD state (umap-learn's edge schedule) and runs it; see umap-sgd.ts. */
function optimizeLayout(
  emb: Float64Array,
  graph: FuzzyGraph,
  nEpochs: number,
  a: number,
  b: number,
  rng: Rng,
  options: UmapOptions,
): void {
  const { weights } = graph;
  let maxW = 0;
  for (const w of weights) maxW = Math.max(maxW, w);
  const m = weights.length;
  const negativeRate = options.negativeSampleRate ?? 5;
  const epochsPerSample = new Float64Array(m).fill(-1);
  for (let e = 0; e < m; e++) {
    // umap-learn drops edges below max/n_epochs: they would never be sampled.
    if (weights[e] >= maxW / nEpochs) epochsPerSample[e] = maxW / weights[e];
  }
  const epochsPerNegative = epochsPerSample.map((v) => v / negativeRate);
  const state: SgdState = {
    n: emb.length / options.nComponents,
    dim: options.nComponents,
    a,
    b,
    gamma: options.repulsionStrength ?? 1,
    nEpochs,
    initialAlpha: options.learningRate ?? 1,
    seed: rng.nextUint32() | 0,
    emb: sharedFloat64(emb),
    snapshot: sharedFloat64(emb),
    heads: sharedInt32(graph.heads),
    tails: sharedInt32(graph.tails),
    epochsPerSample: sharedFloat64(epochsPerSample),
    epochsPerNegative: sharedFloat64(epochsPerNegative),
    nextSample: sharedFloat64(epochsPerSample),
    nextNegative: sharedFloat64(epochsPerNegative),
  };
  optimizeShared(state, options.threads ?? layoutThreads(), (epoch) => {
    if (options.onProgress && (epoch % 10 === 9 || epoch === nEpochs - 1))
      options.onProgress((epoch + 1) / nEpochs);
  });
  emb.set(state.emb);
}
