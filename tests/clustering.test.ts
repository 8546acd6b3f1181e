import fs from 'node:fs';
import path from 'node:path';
import { adjustedRandIndex } from '../src/clustering/ari';
import {
  clusterVectors,
  DEFAULT_CLUSTER_PARAMS,
  timeWindows,
  type ClusterParams,
} from '../src/clustering/cluster';
import { hdbscan } from '../src/clustering/hdbscan';
import { exactNeighbors, nearestNeighbors } from '../src/clustering/knn';
import { matrix, type Matrix } from '../src/clustering/matrix';
import { pcaProject } from '../src/clustering/pca';
import { Rng } from '../src/clustering/random';
import { syntheticEmbeddings } from '../src/clustering/synthetic';
import { findAbParams } from '../src/clustering/umap';
import { tempDir } from './helpers/fixtures';

// 200 epochs (umap-learn's count above 10k rows) keeps the suite quick; the default below is 500.
const params = (over: Partial<ClusterParams> = {}): ClusterParams => ({
  ...DEFAULT_CLUSTER_PARAMS,
  nEpochs: 200,
  ...over,
});

// The compiled modules, as the cpu worker runs them: clustering happens in a worker thread (its own
// isolate, so numeric loops run at full speed rather than inside jest's sandbox).
const compiled =
  require('../dist/clustering/run-clustering') as typeof import('../src/clustering/run-clustering');
const files = require('../dist/clustering/input-file') as typeof import('../src/clustering/input-file');

function stage(vectors: Matrix): string {
  const file = path.join(tempDir('pcc-cluster-thread-'), 'input.f32');
  files.writeMatrixFile(
    file,
    {
      photoIds: Array.from({ length: vectors.rows }, (_, i) => i + 1),
      times: new Array<null>(vectors.rows).fill(null),
      folders: Array.from({ length: vectors.rows }, (_, i) => `f${i % 4}`),
      dim: vectors.cols,
    },
    vectors,
  );
  return file;
}

async function clusterOffThread(vectors: Matrix, p: ClusterParams, threads = '2'): Promise<Int32Array> {
  const before = process.env.PCC_CLUSTER_THREADS;
  process.env.PCC_CLUSTER_THREADS = threads; // read by the worker thread, which copies the environment
  try {
    const result = await compiled.clusterInputFileOffThread(stage(vectors), p, () => undefined);
    return Int32Array.from(result.members, (m) => m.cluster);
  } finally {
    if (before === undefined) delete process.env.PCC_CLUSTER_THREADS;
    else process.env.PCC_CLUSTER_THREADS = before;
  }
}

describe('clustering maths', () => {
  it('finds known groups in synthetic embeddings (ARI ≥ 0.9) and keeps noise out of them', async () => {
    const { vectors, truth } = syntheticEmbeddings({ points: 3000, clusters: 12, noise: 0.1, seed: 11 });
    const out = { labels: await clusterOffThread(vectors, params({ minClusterSize: 20 })) };
    expect(adjustedRandIndex(truth, out.labels)).toBeGreaterThanOrEqual(0.9);
    expect(Math.max(...out.labels) + 1).toBe(12);
    const noise = Array.from(truth.keys()).filter((i) => truth[i] < 0);
    const noiseInClusters = noise.filter((i) => out.labels[i] >= 0).length;
    expect(noiseInClusters / noise.length).toBeLessThan(0.1);
    const members = Array.from(truth.keys()).filter((i) => truth[i] >= 0);
    expect(members.filter((i) => out.labels[i] < 0).length / members.length).toBeLessThan(0.05);
  });

  it('is deterministic for a seed, whatever the number of layout threads', async () => {
    const { vectors, truth } = syntheticEmbeddings({ points: 2500, clusters: 8, seed: 12 });
    const one = await clusterOffThread(vectors, params({ seed: 5, minClusterSize: 20 }), '1');
    expect(Array.from(await clusterOffThread(vectors, params({ seed: 5, minClusterSize: 20 }), '1'))).toEqual(
      Array.from(one),
    );
    expect(Array.from(await clusterOffThread(vectors, params({ seed: 5, minClusterSize: 20 }), '3'))).toEqual(
      Array.from(one),
    );
    expect(adjustedRandIndex(truth, one)).toBeGreaterThanOrEqual(0.9);
  });

  it('NN-descent finds nearly the exact neighbours on inputs too large for the exact search', () => {
    const { vectors } = syntheticEmbeddings({ points: 5000, dim: 32, clusters: 20, seed: 2 });
    const approx = nearestNeighbors(vectors, 10, new Rng(1), { exactBelow: 0 });
    const exact = exactNeighbors(vectors, 10);
    let hits = 0;
    for (let i = 0; i < vectors.rows; i++) {
      const truth = new Set(exact.indices.subarray(i * 10, i * 10 + 10));
      for (const j of approx.indices.subarray(i * 10, i * 10 + 10)) if (truth.has(j)) hits++;
    }
    expect(hits / (vectors.rows * 10)).toBeGreaterThan(0.9);
  });

  it('PCA recovers the dominant directions', () => {
    // Points along (1,1,0,0) with small noise: the first component carries nearly all variance.
    const rng = new Rng(4);
    const data = new Float32Array(400 * 4);
    for (let i = 0; i < 400; i++) {
      const t = rng.gaussian() * 10;
      data.set(
        [t + rng.gaussian() * 0.1, t + rng.gaussian() * 0.1, rng.gaussian() * 0.1, rng.gaussian() * 0.1],
        i * 4,
      );
    }
    const { variances } = pcaProject(matrix(400, 4, data), 2, new Rng(1));
    expect(variances[0] / (variances[0] + variances[1])).toBeGreaterThan(0.99);
  });

  it("fits UMAP's curve parameters like umap-learn (min_dist 0.1 → a≈1.577, b≈0.895)", () => {
    const { a, b } = findAbParams(1, 0.1);
    expect(a).toBeCloseTo(1.577, 1);
    expect(b).toBeCloseTo(0.895, 2);
  });

  it('HDBSCAN separates dense blobs from scattered points in 2-d', () => {
    const rng = new Rng(9);
    const pts: number[] = [];
    const truth: number[] = [];
    for (const [cx, cy] of [
      [0, 0],
      [10, 0],
      [0, 10],
    ]) {
      for (let i = 0; i < 100; i++) {
        pts.push(cx + rng.gaussian() * 0.5, cy + rng.gaussian() * 0.5);
        truth.push(cx * 10 + cy);
      }
    }
    // Fewer scattered points than the minimum cluster size (labels checked against Python hdbscan 0.8).
    for (let i = 0; i < 8; i++) {
      pts.push(-40 + rng.next() * 120, -40 + rng.next() * 120);
      truth.push(-1);
    }
    const { labels, clusterCount } = hdbscan(matrix(truth.length, 2, Float32Array.from(pts)), {
      minClusterSize: 10,
    });
    expect(clusterCount).toBe(3);
    expect(adjustedRandIndex(truth, labels)).toBe(1);
  });

  it("HDBSCAN gives the Python hdbscan library's labels (min_samples 3, 5, 8 on uneven blobs)", () => {
    // Golden labels recorded from hdbscan 0.8.44 by bench/hdbscan_golden.py.
    const golden = JSON.parse(
      fs.readFileSync(path.join(__dirname, 'fixtures', 'hdbscan-reference.json'), 'utf8'),
    ) as { minClusterSize: number; points: number[]; labels: Record<string, number[]> };
    const points = matrix(golden.points.length / 2, 2, Float32Array.from(golden.points));
    for (const [minSamples, expected] of Object.entries(golden.labels)) {
      const { labels } = hdbscan(points, {
        minClusterSize: golden.minClusterSize,
        minSamples: Number(minSamples),
      });
      expect(adjustedRandIndex(expected, labels)).toBe(1);
      expect(Array.from(labels).map((l) => l < 0)).toEqual(expected.map((l) => l < 0));
    }
  });

  it.each(['umap-hdbscan', 'cosine-threshold', 'time-window'] as const)(
    '%s: empty input, one photo and identical embeddings give labels, not a crash',
    (mode) => {
      const empty = clusterVectors({ vectors: matrix(0, 8) }, params({ mode }));
      expect(empty.labels.length).toBe(0);
      const one = clusterVectors(
        { vectors: matrix(1, 8, new Float32Array(8).fill(1)), times: Float64Array.of(NaN) },
        params({ mode }),
      );
      expect(Array.from(one.labels)).toEqual([-1]);
      const same = clusterVectors(
        { vectors: matrix(30, 8, new Float32Array(240).fill(0.5)), times: new Float64Array(30).fill(NaN) },
        params({ mode }),
      );
      expect(new Set(same.labels).size).toBe(1);
      expect(same.labels[0]).toBe(0);
    },
  );

  it('cosine-threshold joins only photos at least that similar', () => {
    const { vectors, truth } = syntheticEmbeddings({
      points: 600,
      dim: 64,
      clusters: 6,
      noise: 0,
      spread: 0.3,
      seed: 8,
    });
    const out = clusterVectors(
      { vectors },
      params({ mode: 'cosine-threshold', threshold: 0.8, minClusterSize: 2 }),
    );
    expect(adjustedRandIndex(truth, out.labels)).toBeGreaterThan(0.95);
    const strict = clusterVectors(
      { vectors },
      params({ mode: 'cosine-threshold', threshold: 0.999, minClusterSize: 2 }),
    );
    expect(strict.clusterCount).toBe(0);
  });

  it('time-window mode never puts two shoots in one group', () => {
    // Two shoots of the same subject a day apart: identical content, different windows.
    const { vectors } = syntheticEmbeddings({
      points: 40,
      dim: 16,
      clusters: 1,
      noise: 0,
      spread: 0.1,
      seed: 1,
    });
    const times = new Float64Array(40);
    for (let i = 0; i < 40; i++) times[i] = (i < 20 ? 0 : 86_400_000) + i * 60_000;
    const out = clusterVectors(
      { vectors, times },
      params({ mode: 'time-window', minClusterSize: 2, threshold: 0.5 }),
    );
    expect(out.clusterCount).toBe(2);
    expect(new Set(Array.from(out.labels.subarray(0, 20)))).toEqual(new Set([0]));
    expect(new Set(Array.from(out.labels.subarray(20)))).toEqual(new Set([1]));
    expect(timeWindows(Float64Array.of(0, 60_000, NaN, 10 * 3_600_000), 120)).toEqual([[0, 1], [3], [2]]);
  });

  it('ARI: identical labelings score 1, independent ones about 0', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [5, 5, 7, 7])).toBe(1);
    const rng = new Rng(1);
    const a = Array.from({ length: 5000 }, () => rng.int(5));
    const b = Array.from({ length: 5000 }, () => rng.int(5));
    expect(Math.abs(adjustedRandIndex(a, b))).toBeLessThan(0.02);
  });
});

describe('clustering off the main thread', () => {
  const synthetic = (points: number) => syntheticEmbeddings({ points, clusters: 8, seed: 5 }).vectors;

  it('reports each stage as it goes and returns every photo with its group', async () => {
    const stages = new Set<string>();
    const result = await compiled.clusterInputFileOffThread(
      stage(synthetic(1500)),
      params({ minClusterSize: 20 }),
      (s) => stages.add(s),
    );
    expect(result.members).toHaveLength(1500);
    expect(result.clusterCount).toBe(8);
    expect(result.folders.map((f) => f.folder)).toEqual(['f0', 'f1', 'f2', 'f3']);
    expect([...stages]).toEqual(expect.arrayContaining(['pca', 'umap', 'done']));
  });

  it('stops when the activity is cancelled', async () => {
    const controller = new AbortController();
    const running = compiled.clusterInputFileOffThread(
      stage(synthetic(6000)),
      params({ nEpochs: 500 }),
      (s) => {
        if (s === 'knn') controller.abort(new Error('cancelled by the test'));
      },
      controller.signal,
    );
    await expect(running).rejects.toThrow('cancelled by the test');
  });
});
