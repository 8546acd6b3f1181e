/**
 * The three ways pcc groups photos, over unit-normalised embeddings:
 * - `umap-hdbscan` (default): PCA → kNN → UMAP to a few dimensions → HDBSCAN; noise stays −1.
 * - `cosine-threshold`: photos joined when their cosine similarity reaches a threshold (through
 *   each photo's nearest neighbours), groups smaller than the minimum size are noise.
 * - `time-window`: photos split into shoots by gaps in capture time first, then grouped by cosine
 *   threshold inside each shoot, so a group never mixes two shoots.
 * Pure computation, deterministic for a given seed.
 */
import { findRoot } from './union-find';
import { hdbscan } from './hdbscan';
import { nearestNeighbors } from './knn';
import { matrix, normalizeRows, selectRows, type Matrix } from './matrix';
import { pcaProject } from './pca';
import { Rng } from './random';
import { umapEmbed } from './umap';

export const CLUSTER_MODES = ['umap-hdbscan', 'cosine-threshold', 'time-window'] as const;
export type ClusterMode = (typeof CLUSTER_MODES)[number];

export interface ClusterParams {
  mode: ClusterMode;
  seed: number;
  minClusterSize: number;
  /**
   * The user set no minimum cluster size: umap-hdbscan picks one from the library's size
   * (`adaptiveMinClusterSize`), so a small library is not left mostly unclustered.
   */
  autoMinClusterSize?: boolean;
  /** HDBSCAN core-distance neighbours; defaults to minClusterSize. */
  minSamples?: number;
  nNeighbors: number;
  nComponents: number;
  /** Reduce to this many principal components before the neighbour search (0 = keep all). */
  pcaDims: number;
  nEpochs?: number;
  /** Cosine similarity that joins two photos (cosine-threshold and time-window modes). */
  threshold: number;
  /** A gap longer than this starts a new shoot (time-window mode). */
  windowMinutes: number;
  /**
   * A group must be tighter than the library as a whole: its cohesion (mean cosine to its own
   * centre) has to exceed the library's by this share of the remaining headroom, else its photos
   * become noise. Catches the blob of unrelated photos UMAP packs together. 0 turns it off.
   */
  minCohesionGain: number;
}

export const DEFAULT_CLUSTER_PARAMS: ClusterParams = {
  mode: 'umap-hdbscan',
  seed: 42,
  minClusterSize: 10,
  nNeighbors: 15,
  nComponents: 5,
  pcaDims: 64,
  threshold: 0.85,
  windowMinutes: 120,
  minCohesionGain: 0.2,
};

/**
 * The minimum cluster size umap-hdbscan uses for `n` photos when none is set: one per 30 photos,
 * between 3 and the default 10. On 159 captioned photos the fixed 10 left 51% unclustered and 5
 * left 21% at the same purity (issue measurements); from 300 photos on it is the default again.
 */
export function adaptiveMinClusterSize(n: number): number {
  return Math.min(DEFAULT_CLUSTER_PARAMS.minClusterSize, Math.max(3, Math.round(n / 30)));
}

/** The minimum cluster size a clustering of `n` photos uses with these settings. */
export function effectiveMinClusterSize(params: ClusterParams, n: number): number {
  if (params.mode === 'umap-hdbscan' && params.autoMinClusterSize) return adaptiveMinClusterSize(n);
  return Math.max(2, params.minClusterSize);
}

export type ProgressFn = (stage: string, fraction: number) => void;

export interface ClusterInput {
  vectors: Matrix;
  /** Capture time per row in ms since the epoch, NaN when unknown (time-window mode). */
  times?: Float64Array;
  onProgress?: ProgressFn;
}

export interface ClusterOutput {
  labels: Int32Array;
  clusterCount: number;
  /** Seconds per stage, for logs and the benchmark. */
  timings: Record<string, number>;
  /** The unit-normalised rows the groups were found in (for centres and medoids). */
  unit: Matrix;
}

export function clusterVectors(input: ClusterInput, params: ClusterParams): ClusterOutput {
  const timings: Record<string, number> = {};
  const unit = normalizeRows(input.vectors);
  const progress = input.onProgress ?? (() => undefined);
  let labels: Int32Array;
  if (params.mode === 'cosine-threshold') {
    labels = cosineThresholdLabels(unit, params, timings);
  } else if (params.mode === 'time-window') {
    labels = timeWindowLabels(unit, input.times ?? new Float64Array(unit.rows).fill(NaN), params, timings);
  } else {
    labels = umapHdbscanLabels(unit, params, progress, timings);
  }
  progress('done', 1);
  return { labels, clusterCount: countClusters(labels), timings, unit };
}

function timed<T>(timings: Record<string, number>, stage: string, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  timings[stage] = (timings[stage] ?? 0) + (performance.now() - t0) / 1000;
  return out;
}

function countClusters(labels: Int32Array): number {
  let max = -1;
  for (const l of labels) max = Math.max(max, l);
  return max + 1;
}

function allIdentical(unit: Matrix): boolean {
  const { rows, cols, data } = unit;
  for (let i = 1; i < rows; i++) {
    for (let j = 0; j < cols; j++) if (Math.abs(data[i * cols + j] - data[j]) > 1e-6) return false;
  }
  return true;
}

function umapHdbscanLabels(
  unit: Matrix,
  params: ClusterParams,
  progress: ProgressFn,
  timings: Record<string, number>,
): Int32Array {
  const n = unit.rows;
  const minSize = effectiveMinClusterSize(params, n);
  if (n < minSize) return new Int32Array(n).fill(-1);
  // Identical embeddings (the same picture exported twice, a test card) form one group as they are.
  if (allIdentical(unit)) return new Int32Array(n).fill(0);
  const rng = new Rng(params.seed);
  // Vectors with fewer dimensions than the layout are laid out in their own dimension count.
  const nComponents = Math.min(params.nComponents, unit.cols);
  const reduceTo = params.pcaDims > 0 ? Math.min(params.pcaDims, unit.cols) : unit.cols;
  const pca = timed(timings, 'pca', () => pcaProject(unit, Math.max(reduceTo, nComponents), rng));
  progress('pca', 1);
  const space = params.pcaDims > 0 ? leadingColumns(pca.projected, reduceTo) : unit;
  const knn = timed(timings, 'knn', () =>
    nearestNeighbors(space, params.nNeighbors - 1, rng, { onProgress: (f) => progress('knn', f) }),
  );
  let layout: Matrix;
  if (n <= nComponents + 2) {
    layout = leadingColumns(pca.projected, nComponents);
  } else {
    layout = timed(timings, 'umap', () =>
      umapEmbed(knn, pca.projected, rng, {
        nComponents,
        nNeighbors: params.nNeighbors,
        nEpochs: params.nEpochs,
        onProgress: (f) => progress('umap', f),
      }),
    );
  }
  const result = timed(timings, 'hdbscan', () =>
    hdbscan(layout, {
      minClusterSize: minSize,
      minSamples: params.minSamples,
      onProgress: (f) => progress('hdbscan', f),
    }),
  );
  return dissolveLooseGroups(unit, result.labels, params.minCohesionGain);
}

/** Mean cosine of the given rows to their own centre: |Σx| / m for unit rows. */
export function cohesion(unit: Matrix, rows: ArrayLike<number>): number {
  if (rows.length === 0) return 0;
  const sum = new Float64Array(unit.cols);
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r] * unit.cols;
    for (let c = 0; c < unit.cols; c++) sum[c] += unit.data[base + c];
  }
  let s = 0;
  for (const v of sum) s += v * v;
  return Math.sqrt(s) / rows.length;
}

function dissolveLooseGroups(unit: Matrix, labels: Int32Array, gain: number): Int32Array {
  if (gain <= 0) return labels;
  const groups = new Map<number, number[]>();
  labels.forEach((l, i) => {
    if (l >= 0) (groups.get(l) ?? groups.set(l, []).get(l)!).push(i);
  });
  const baseline = cohesion(unit, Array.from(labels.keys()));
  const floor = baseline + gain * (1 - baseline);
  const keep = [...groups.keys()]
    .sort((a, b) => a - b)
    .filter((l) => cohesion(unit, groups.get(l)!) >= floor);
  const renumber = new Map(keep.map((l, i) => [l, i]));
  return labels.map((l) => renumber.get(l) ?? -1);
}

function leadingColumns(m: Matrix, cols: number): Matrix {
  if (cols >= m.cols) return m;
  const out = new Float32Array(m.rows * cols);
  for (let i = 0; i < m.rows; i++) out.set(m.data.subarray(i * m.cols, i * m.cols + cols), i * cols);
  return matrix(m.rows, cols, out);
}

/** Joins rows whose cosine similarity reaches the threshold along nearest-neighbour edges. */
function cosineThresholdLabels(
  unit: Matrix,
  params: ClusterParams,
  timings: Record<string, number>,
): Int32Array {
  const n = unit.rows;
  const minSize = Math.max(2, params.minClusterSize);
  if (n === 0) return new Int32Array(0);
  const rng = new Rng(params.seed);
  const space =
    params.pcaDims > 0 && unit.cols > params.pcaDims && n > 4096
      ? pcaProject(unit, params.pcaDims, rng).projected
      : unit;
  const knn = timed(timings, 'knn', () => nearestNeighbors(space, params.nNeighbors, rng));
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number) => findRoot(parent, x);
  const { cols, data } = unit;
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < knn.k; s++) {
      const j = knn.indices[i * knn.k + s];
      if (j < 0) continue;
      let cos = 0;
      for (let c = 0; c < cols; c++) cos += data[i * cols + c] * data[j * cols + c];
      if (cos >= params.threshold - 1e-6) {
        const a = find(i);
        const b = find(j);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const sizes = new Map<number, number>();
  for (let i = 0; i < n; i++) sizes.set(find(i), (sizes.get(find(i)) ?? 0) + 1);
  const ids = new Map<number, number>();
  const labels = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if ((sizes.get(r) ?? 0) < minSize) continue;
    if (!ids.has(r)) ids.set(r, ids.size);
    labels[i] = ids.get(r) as number;
  }
  return labels;
}

/** Shoots are runs of photos with no gap above windowMinutes; undated photos form one more shoot. */
export function timeWindows(times: Float64Array, windowMinutes: number): number[][] {
  const dated = Array.from(times.keys())
    .filter((i) => Number.isFinite(times[i]))
    .sort((a, b) => times[a] - times[b] || a - b);
  const undated = Array.from(times.keys()).filter((i) => !Number.isFinite(times[i]));
  const windows: number[][] = [];
  const gap = windowMinutes * 60_000;
  for (const i of dated) {
    const current = windows[windows.length - 1];
    if (current && times[i] - times[current[current.length - 1]] <= gap) current.push(i);
    else windows.push([i]);
  }
  if (undated.length) windows.push(undated);
  return windows;
}

function timeWindowLabels(
  unit: Matrix,
  times: Float64Array,
  params: ClusterParams,
  timings: Record<string, number>,
): Int32Array {
  if (times.length !== unit.rows)
    throw new Error(`time-window mode needs one time per row (${times.length} for ${unit.rows})`);
  const labels = new Int32Array(unit.rows).fill(-1);
  let next = 0;
  for (const window of timeWindows(times, params.windowMinutes)) {
    const inner = cosineThresholdLabels(selectRows(unit, window), params, timings);
    let max = -1;
    window.forEach((row, i) => {
      if (inner[i] >= 0) {
        labels[row] = next + inner[i];
        max = Math.max(max, inner[i]);
      }
    });
    next += max + 1;
  }
  return labels;
}
