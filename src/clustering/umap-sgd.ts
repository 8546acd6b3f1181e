/**
 * UMAP's layout optimisation (umap-learn's optimize_layout_euclidean: sampled attractive edges,
 * negative sampling, clipped gradients, linearly decaying learning rate), arranged so that it can
 * use several threads and still give the same layout for the same seed whatever the thread count:
 *
 * - each point is moved only by the thread that owns it (edges are grouped by head point);
 * - every other point is read from a snapshot taken at the start of the epoch;
 * - negative samples come from a stream seeded by (seed, edge, epoch), not a shared generator.
 *
 * An undirected edge appears twice in the graph (one copy per direction), so moving only the head
 * of each copy still pulls both ends; the attractive step is doubled to match umap-learn, where
 * each copy moves both ends.
 */
import { processConfig } from '../config';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** Everything an epoch needs, in shared memory so worker threads see the same arrays. */
export interface SgdState {
  n: number;
  dim: number;
  a: number;
  b: number;
  gamma: number;
  nEpochs: number;
  initialAlpha: number;
  seed: number;
  emb: Float64Array;
  snapshot: Float64Array;
  heads: Int32Array;
  tails: Int32Array;
  epochsPerSample: Float64Array;
  epochsPerNegative: Float64Array;
  nextSample: Float64Array;
  nextNegative: Float64Array;
}

function shared(length: number, bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(1, length) * bytes);
}

export function sharedFloat64(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(shared(values.length, 8), 0, values.length);
  out.set(values);
  return out;
}

export function sharedInt32(values: ArrayLike<number>): Int32Array {
  const out = new Int32Array(shared(values.length, 4), 0, values.length);
  out.set(values);
  return out;
}

/**
 * The attractive and repulsive gradient coefficients as functions of squared distance, tabulated
 * by distance and interpolated: (d²)^b costs ~40 ns in V8 and is needed for every sample, the
 * table lookup a few. Very short and very long distances are computed exactly.
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

/** One epoch over edges [from, to): their heads move, everything else is read from the snapshot. */
export function runEpoch(s: SgdState, curve: GradientCurve, epoch: number, from: number, to: number): void {
  const {
    dim,
    n,
    emb,
    snapshot,
    heads,
    tails,
    epochsPerSample,
    epochsPerNegative,
    nextSample,
    nextNegative,
  } = s;
  const alpha = s.initialAlpha * (1 - epoch / s.nEpochs);
  const toRow = n / 4294967296;
  for (let e = from; e < to; e++) {
    const every = epochsPerSample[e];
    if (every < 0 || nextSample[e] > epoch) continue;
    const j = heads[e] * dim;
    const k = tails[e] * dim;
    let d2 = 0;
    for (let c = 0; c < dim; c++) {
      const diff = emb[j + c] - snapshot[k + c];
      d2 += diff * diff;
    }
    if (d2 > 0) {
      const coeff = curve.attraction(d2);
      for (let c = 0; c < dim; c++) {
        const g = coeff * (emb[j + c] - snapshot[k + c]);
        emb[j + c] += 2 * (g > 4 ? 4 : g < -4 ? -4 : g) * alpha;
      }
    }
    nextSample[e] += every;
    const everyNegative = epochsPerNegative[e];
    const negatives = Math.floor((epoch - nextNegative[e]) / everyNegative);
    if (negatives <= 0) continue;
    // splitmix-style hash of (seed, edge, epoch), then xorshift: reproducible in any thread.
    let state = Math.imul(s.seed ^ Math.imul(e, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca77), 0xc2b2ae3d);
    state ^= state >>> 15;
    state = Math.imul(state, 0x27d4eb2f) | 1;
    for (let p = 0; p < negatives; p++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const o = Math.floor((state >>> 0) * toRow) * dim;
      if (o === j) continue; // as umap-learn: a point does not repel itself
      let nd2 = 0;
      for (let c = 0; c < dim; c++) {
        const diff = emb[j + c] - snapshot[o + c];
        nd2 += diff * diff;
      }
      if (nd2 > 0) {
        const coeff = curve.repulsion(nd2);
        for (let c = 0; c < dim; c++) {
          const g = coeff * (emb[j + c] - snapshot[o + c]);
          emb[j + c] += (g > 4 ? 4 : g < -4 ? -4 : g) * alpha;
        }
      }
    }
    nextNegative[e] += negatives * everyNegative;
  }
}

/** Splits the edges (sorted by head) into `parts` ranges that never split one head's edges. */
export function edgeRanges(heads: Int32Array, parts: number): Array<[number, number]> {
  const m = heads.length;
  const ranges: Array<[number, number]> = [];
  let start = 0;
  for (let t = 1; t <= parts; t++) {
    let end = t === parts ? m : Math.round((m * t) / parts);
    while (end < m && end > 0 && heads[end] === heads[end - 1]) end++;
    end = Math.max(end, start);
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/** Threads for the layout: PCC_CLUSTER_THREADS, else up to 4 of the machine's cores. */
export function layoutThreads(): number {
  return processConfig().tuning.clusterThreads ?? Math.max(1, Math.min(4, os.availableParallelism()));
}

/** Control words shared with the helpers: [epoch to run (−1 = stop), helpers finished, a helper failed]. */
const EPOCH = 0;
const FINISHED = 1;
const FAILED = 2;

/**
 * Runs every epoch, this thread taking the first edge range and helper threads the others; waits
 * for all of them before refreshing the snapshot. Without the compiled helper (ts-jest) or with one
 * thread, it runs alone, with the same result.
 */
export function optimizeShared(s: SgdState, threads: number, onEpoch?: (epoch: number) => void): void {
  const curve = new GradientCurve(s.a, s.b, s.gamma);
  const workerFile = path.join(__dirname, 'umap-sgd.worker.js');
  const parts = fs.existsSync(workerFile) && s.heads.length > 10_000 ? Math.max(1, threads) : 1;
  const ranges = edgeRanges(s.heads, parts);
  const control = new Int32Array(new SharedArrayBuffer(12));
  const helpers = ranges
    .slice(1)
    .map((range) => new Worker(workerFile, { workerData: { state: s, range, control } }));
  helpers.forEach((w) => w.unref());
  try {
    s.snapshot.set(s.emb);
    for (let epoch = 0; epoch < s.nEpochs; epoch++) {
      Atomics.store(control, FINISHED, 0);
      Atomics.store(control, EPOCH, epoch + 1);
      Atomics.notify(control, EPOCH);
      runEpoch(s, curve, epoch, ranges[0][0], ranges[0][1]);
      for (;;) {
        const done = Atomics.load(control, FINISHED);
        if (done >= helpers.length) break;
        if (Atomics.wait(control, FINISHED, done, 120_000) === 'timed-out') {
          throw new Error(
            'a UMAP helper thread stopped answering (set PCC_CLUSTER_THREADS=1 to run without)',
          );
        }
      }
      if (Atomics.load(control, FAILED)) {
        throw new Error(
          'a UMAP helper thread failed (its error is in the log); PCC_CLUSTER_THREADS=1 runs without',
        );
      }
      s.snapshot.set(s.emb);
      onEpoch?.(epoch);
    }
  } finally {
    Atomics.store(control, EPOCH, -1);
    Atomics.notify(control, EPOCH);
    for (const w of helpers) void w.terminate();
  }
}

export { EPOCH as CONTROL_EPOCH, FINISHED as CONTROL_FINISHED, FAILED as CONTROL_FAILED };
