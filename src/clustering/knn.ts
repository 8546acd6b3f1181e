/**
 * k nearest neighbours (Euclidean, self excluded) for the UMAP graph. Small inputs get the exact
 * answer; large ones use NN-descent (Dong, Moses & Li 2011) seeded from random-projection trees,
 * the method pynndescent uses for umap-learn. Single-threaded and seeded, so the graph is
 * reproducible.
 */
import { squaredDistance, type Matrix } from './matrix';
import type { Rng } from './random';

export interface KnnGraph {
  rows: number;
  k: number;
  /** rows×k neighbour indices, nearest first (−1 where a row has fewer than k others). */
  indices: Int32Array;
  /** rows×k Euclidean distances, ascending. */
  distances: Float32Array;
}

export interface KnnOptions {
  /** Use the exact O(n²) search up to this many rows. */
  exactBelow?: number;
  maxIterations?: number;
  /** Stop when fewer than delta·n·k heap updates happen in an iteration. */
  delta?: number;
  onProgress?: (fraction: number) => void;
}

export function nearestNeighbors(x: Matrix, k: number, rng: Rng, options: KnnOptions = {}): KnnGraph {
  const kk = Math.max(0, Math.min(k, x.rows - 1));
  if (x.rows <= (options.exactBelow ?? 4096)) return exactNeighbors(x, kk);
  return nnDescent(x, kk, rng, options);
}

export function exactNeighbors(x: Matrix, k: number): KnnGraph {
  const heap = new NeighborHeap(x.rows, k);
  for (let i = 0; i < x.rows; i++) {
    for (let j = i + 1; j < x.rows; j++) {
      const d = squaredDistance(x.data, x.cols, i, j);
      heap.push(i, j, d, 0);
      heap.push(j, i, d, 0);
    }
  }
  return heap.toGraph();
}

/** One bounded max-heap of (squared distance, index, is-new flag) per row. */
export class NeighborHeap {
  readonly indices: Int32Array;
  readonly distances: Float32Array;
  readonly flags: Uint8Array;

  constructor(
    readonly rows: number,
    readonly k: number,
  ) {
    this.indices = new Int32Array(rows * k).fill(-1);
    this.distances = new Float32Array(rows * k).fill(Infinity);
    this.flags = new Uint8Array(rows * k);
  }

  /** Returns 1 when j entered row i's heap. */
  push(i: number, j: number, d: number, flag: number): number {
    return boundedPush(this.distances, this.indices, this.flags, i * this.k, this.k, j, d, flag);
  }

  /** Rows sorted nearest first, squared distances turned into distances. */
  toGraph(): KnnGraph {
    const { rows, k } = this;
    const indices = new Int32Array(rows * k);
    const distances = new Float32Array(rows * k);
    const order = new Array<number>(k);
    for (let i = 0; i < rows; i++) {
      const base = i * k;
      for (let s = 0; s < k; s++) order[s] = s;
      order.sort(
        (a, b) =>
          this.distances[base + a] - this.distances[base + b] ||
          this.indices[base + a] - this.indices[base + b],
      );
      for (let s = 0; s < k; s++) {
        const from = base + order[s];
        indices[base + s] = this.indices[from];
        distances[base + s] = this.indices[from] < 0 ? Infinity : Math.sqrt(this.distances[from]);
      }
    }
    return { rows, k, indices, distances };
  }
}

function nnDescent(x: Matrix, k: number, rng: Rng, options: KnnOptions): KnnGraph {
  const n = x.rows;
  const { data, cols } = x;
  const heap = new NeighborHeap(n, k);
  const trees = Math.min(32, 5 + Math.round(Math.pow(n, 0.25) / 2));
  const leafSize = Math.max(10, k + 1);
  for (let t = 0; t < trees; t++) initFromRandomProjectionTree(x, heap, rng, leafSize);

  // Rows the trees could not fill get random neighbours, so every heap is full.
  for (let i = 0; i < n; i++) {
    for (let guard = 0; heap.indices[i * k] < 0 && guard < 10 * k; guard++) {
      const j = rng.int(n);
      if (j !== i) heap.push(i, j, squaredDistance(data, cols, i, j), 1);
    }
  }

  const maxCandidates = Math.min(60, k);
  const newCand = new Int32Array(n * maxCandidates);
  const newPri = new Float32Array(n * maxCandidates);
  const oldCand = new Int32Array(n * maxCandidates);
  const oldPri = new Float32Array(n * maxCandidates);
  const maxIterations = options.maxIterations ?? Math.max(5, Math.round(Math.log2(n)));
  const delta = options.delta ?? 0.001;
  for (let iter = 0; iter < maxIterations; iter++) {
    newCand.fill(-1);
    oldCand.fill(-1);
    newPri.fill(Infinity);
    oldPri.fill(Infinity);
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < k; s++) {
        const j = heap.indices[i * k + s];
        if (j < 0) continue;
        const pri = rng.next();
        if (heap.flags[i * k + s]) {
          pushCandidate(newCand, newPri, maxCandidates, i, j, pri);
          pushCandidate(newCand, newPri, maxCandidates, j, i, pri);
        } else {
          pushCandidate(oldCand, oldPri, maxCandidates, i, j, pri);
          pushCandidate(oldCand, oldPri, maxCandidates, j, i, pri);
        }
      }
    }
    // Sampled new neighbours become old: they have been compared once.
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < k; s++) {
        if (!heap.flags[i * k + s]) continue;
        const j = heap.indices[i * k + s];
        for (let c = 0; c < maxCandidates; c++) {
          if (newCand[i * maxCandidates + c] === j) {
            heap.flags[i * k + s] = 0;
            break;
          }
        }
      }
    }
    let updates = 0;
    for (let i = 0; i < n; i++) {
      const nb = i * maxCandidates;
      for (let a = 0; a < maxCandidates; a++) {
        const p = newCand[nb + a];
        if (p < 0) continue;
        for (let b = a + 1; b < maxCandidates; b++) {
          const q = newCand[nb + b];
          if (q < 0) continue;
          const d = squaredDistance(data, cols, p, q);
          updates += heap.push(p, q, d, 1) + heap.push(q, p, d, 1);
        }
        for (let b = 0; b < maxCandidates; b++) {
          const q = oldCand[nb + b];
          if (q < 0 || q === p) continue;
          const d = squaredDistance(data, cols, p, q);
          updates += heap.push(p, q, d, 1) + heap.push(q, p, d, 1);
        }
      }
    }
    options.onProgress?.((iter + 1) / maxIterations);
    if (updates <= delta * n * k) break;
  }
  options.onProgress?.(1);
  return heap.toGraph();
}

/** Keeps the maxCandidates lowest-priority candidates of row i (a bounded max-heap on priority). */
function pushCandidate(
  cand: Int32Array,
  pri: Float32Array,
  size: number,
  i: number,
  j: number,
  p: number,
): void {
  boundedPush(pri, cand, undefined, i * size, size, j, p, 0);
}

/**
 * One row of a bounded max-heap kept in flat arrays at [base, base + size): `id` with `key` replaces
 * the root (the largest key) unless it is no smaller or already present, then sifts down. `flags`,
 * when given, travel with their entries. Returns 1 when the entry went in.
 */
function boundedPush(
  keys: Float32Array,
  ids: Int32Array,
  flags: Uint8Array | undefined,
  base: number,
  size: number,
  id: number,
  key: number,
  flag: number,
): number {
  if (size === 0 || key >= keys[base]) return 0;
  for (let s = 0; s < size; s++) if (ids[base + s] === id) return 0;
  let pos = 0;
  for (;;) {
    const left = 2 * pos + 1;
    const right = left + 1;
    let swap = pos;
    let swapKey = key;
    if (left < size && keys[base + left] > swapKey) {
      swap = left;
      swapKey = keys[base + left];
    }
    if (right < size && keys[base + right] > swapKey) swap = right;
    if (swap === pos) break;
    keys[base + pos] = keys[base + swap];
    ids[base + pos] = ids[base + swap];
    if (flags) flags[base + pos] = flags[base + swap];
    pos = swap;
  }
  keys[base + pos] = key;
  ids[base + pos] = id;
  if (flags) flags[base + pos] = flag;
  return 1;
}

/** Splits by random hyperplanes (bisectors of two random points) down to small leaves; every pair in a leaf is a candidate edge. */
function initFromRandomProjectionTree(x: Matrix, heap: NeighborHeap, rng: Rng, leafSize: number): void {
  const { rows: n, cols, data } = x;
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const side = new Uint8Array(n);
  const normal = new Float64Array(cols);
  const stack: Array<[number, number]> = [[0, n]];
  while (stack.length) {
    const [lo, hi] = stack.pop() as [number, number];
    const size = hi - lo;
    if (size <= leafSize) {
      for (let a = lo; a < hi; a++) {
        for (let b = a + 1; b < hi; b++) {
          const p = perm[a];
          const q = perm[b];
          const d = squaredDistance(data, cols, p, q);
          heap.push(p, q, d, 1);
          heap.push(q, p, d, 1);
        }
      }
      continue;
    }
    const a = perm[lo + rng.int(size)];
    let b = perm[lo + rng.int(size)];
    for (let guard = 0; b === a && guard < 8; guard++) b = perm[lo + rng.int(size)];
    let offset = 0;
    for (let j = 0; j < cols; j++) {
      normal[j] = data[a * cols + j] - data[b * cols + j];
      offset += normal[j] * (data[a * cols + j] + data[b * cols + j]) * 0.5;
    }
    let left = 0;
    for (let s = lo; s < hi; s++) {
      const p = perm[s];
      let margin = -offset;
      for (let j = 0; j < cols; j++) margin += normal[j] * data[p * cols + j];
      side[p] = margin > 0 || (margin === 0 && rng.next() < 0.5) ? 1 : 0;
      left += side[p];
    }
    if (left === 0 || left === size) {
      // Degenerate split (duplicates): halve at random so the recursion always ends.
      for (let s = lo; s < hi; s++) side[perm[s]] = s - lo < size / 2 ? 1 : 0;
      left = Math.ceil(size / 2);
    }
    // Stable partition: side-1 points first.
    const tmp = perm.slice(lo, hi);
    let w = lo;
    for (const p of tmp) if (side[p]) perm[w++] = p;
    for (const p of tmp) if (!side[p]) perm[w++] = p;
    stack.push([lo, lo + left], [lo + left, hi]);
  }
}
