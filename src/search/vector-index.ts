/**
 * All vectors of one (kind, model) in one typed array, searched by brute force — no index to
 * build, persist or keep in step, and every filter applies before ranking.
 *
 * Held as int8 (each unit-vector component × 127): a quarter of the memory of float32 (90 MB
 * instead of 360 MB for 100k photos with image and caption vectors), and a scan reads a quarter
 * of the bytes, which is what bounds it. A cosine comes out within about ±0.005 of float32 —
 * far below anything a score cut-off or a person can tell apart. Scans go through usearch's
 * `exactSearch` (native SIMD: 100k × 512 in about 5 ms on 2 cores; a filtered subset is gathered
 * into one block first); where usearch's prebuilt binary does not load, through the unrolled
 * JavaScript loop. docs/search.md has the figures and why no ANN index.
 */
import { createRequire } from 'node:module';

interface ExactSearch {
  (
    dataset: Int8Array,
    query: Int8Array,
    dimensions: number,
    count: number,
    metric: 'ip',
  ): { keys: BigUint64Array; distances: Float32Array };
}

/** usearch when its native binary loads here; otherwise undefined (the JavaScript scan does it all). */
const exactSearch: ExactSearch | undefined = (() => {
  try {
    return (createRequire(__filename)('usearch') as { exactSearch: ExactSearch }).exactSearch;
  } catch {
    return undefined;
  }
})();

const SCALE = 127;
const SCALE2 = SCALE * SCALE;

export interface Scored {
  row: number;
  score: number;
}

/** A unit vector as int8 (components × 127, rounded). */
export function quantize(v: Float32Array, out = new Int8Array(v.length)): Int8Array {
  for (let k = 0; k < v.length; k++) out[k] = Math.max(-SCALE, Math.min(SCALE, Math.round(v[k] * SCALE)));
  return out;
}

export class VectorIndex {
  /** Row by photo id (−1: no vector); ids are dense small integers. */
  private readonly rowById: Int32Array;

  private constructor(
    readonly model: string,
    readonly dim: number,
    readonly ids: Int32Array,
    readonly data: Int8Array,
  ) {
    this.rowById = new Int32Array(ids.reduce((m, id) => Math.max(m, id), 0) + 1).fill(-1);
    ids.forEach((id, row) => (this.rowById[id] = row));
  }

  /** From `{ photoId, vector }` rows (unit length, as pcc stores them); rows of another dim are skipped. */
  static build(
    model: string,
    rows: Iterable<{ photoId: number; vector: Float32Array }>,
    expected = 0,
  ): VectorIndex {
    let dim = 0;
    let ids = new Int32Array(Math.max(16, expected));
    let data = new Int8Array(0);
    let n = 0;
    for (const r of rows) {
      if (!dim) {
        dim = r.vector.length;
        data = new Int8Array(ids.length * dim);
      }
      if (r.vector.length !== dim) continue;
      if (n === ids.length) {
        const grownIds = new Int32Array(ids.length * 2);
        grownIds.set(ids);
        ids = grownIds;
        const grown = new Int8Array(ids.length * dim);
        grown.set(data);
        data = grown;
      }
      ids[n] = r.photoId;
      quantize(r.vector, data.subarray(n * dim, (n + 1) * dim));
      n++;
    }
    return new VectorIndex(model, dim, ids.slice(0, n), data.slice(0, n * dim));
  }

  get size(): number {
    return this.ids.length;
  }

  rowOf(photoId: number): number | undefined {
    const row = photoId < this.rowById.length ? this.rowById[photoId] : -1;
    return row >= 0 ? row : undefined;
  }

  /** The query in the index's form, for `dot`. */
  query(q: Float32Array): Int8Array {
    return quantize(q);
  }

  /** Cosine of row `row` with a quantized query (see `query`), unrolled by eight. */
  dot(row: number, q: Int8Array): number {
    const d = this.data;
    const dim = this.dim;
    let i = row * dim;
    const end = i + dim;
    const end8 = i + (dim & ~7);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let k = 0;
    for (; i < end8; i += 8, k += 8) {
      s0 += d[i] * q[k] + d[i + 4] * q[k + 4];
      s1 += d[i + 1] * q[k + 1] + d[i + 5] * q[k + 5];
      s2 += d[i + 2] * q[k + 2] + d[i + 6] * q[k + 6];
      s3 += d[i + 3] * q[k + 3] + d[i + 7] * q[k + 7];
    }
    for (; i < end; i++, k++) s0 += d[i] * q[k];
    return (s0 + s1 + s2 + s3) / SCALE2;
  }

  /**
   * The `k` best rows by cosine with `q`, best first, among `rows` (all when absent) and at or
   * above `floor`. Fewer than `k` back means every row at or above the floor is there.
   */
  top(q: Float32Array, k: number, rows?: Int32Array, floor = -Infinity): Scored[] {
    if (q.length !== this.dim || k <= 0 || !this.size) return [];
    const q8 = this.query(q);
    if (!exactSearch) return this.scan(q8, k, rows, floor);
    // A filtered subset is gathered into one contiguous block first (a copy of its rows costs
    // less than scanning them one by one in JavaScript), then scanned natively like the whole.
    let data = this.data;
    if (rows && rows.length < this.size) {
      data = new Int8Array(rows.length * this.dim);
      for (let j = 0; j < rows.length; j++)
        data.set(this.data.subarray(rows[j] * this.dim, (rows[j] + 1) * this.dim), j * this.dim);
    }
    const n = data.length / this.dim;
    if (!n) return [];
    const found = exactSearch(data, q8, this.dim, Math.min(k, n), 'ip');
    const out: Scored[] = [];
    for (let i = 0; i < found.keys.length; i++) {
      const score = -found.distances[i] / SCALE2;
      if (score < floor) break;
      const at = Number(found.keys[i]);
      out.push({ row: rows && data !== this.data ? rows[at] : at, score });
    }
    return out.sort((a, b) => b.score - a.score || a.row - b.row);
  }

  /** The JavaScript scan: a bounded min-heap over the given rows (or all), one pass, no full sort. */
  scan(q8: Int8Array, k: number, rows?: Int32Array, floor = -Infinity): Scored[] {
    const heapRows = new Int32Array(k);
    const heapScores = new Float64Array(k);
    let size = 0;
    const n = rows ? rows.length : this.size;
    for (let j = 0; j < n; j++) {
      const row = rows ? rows[j] : j;
      const s = this.dot(row, q8);
      if (s < floor) continue;
      if (size < k) {
        // sift up
        let i = size++;
        while (i > 0) {
          const p = (i - 1) >> 1;
          if (heapScores[p] <= s) break;
          heapScores[i] = heapScores[p];
          heapRows[i] = heapRows[p];
          i = p;
        }
        heapScores[i] = s;
        heapRows[i] = row;
      } else if (s > heapScores[0]) {
        // replace the smallest, sift down
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= k) break;
          const r = l + 1;
          const c = r < k && heapScores[r] < heapScores[l] ? r : l;
          if (heapScores[c] >= s) break;
          heapScores[i] = heapScores[c];
          heapRows[i] = heapRows[c];
          i = c;
        }
        heapScores[i] = s;
        heapRows[i] = row;
      }
    }
    const out: Scored[] = [];
    for (let i = 0; i < size; i++) out.push({ row: heapRows[i], score: heapScores[i] });
    return out.sort((a, b) => b.score - a.score || a.row - b.row);
  }

  /** The rows of a set of photo ids (the filtered candidates), ascending. */
  rowsOf(photoIds: ReadonlySet<number>): Int32Array {
    const out: number[] = [];
    for (const id of photoIds) {
      const row = this.rowOf(id);
      if (row !== undefined) out.push(row);
    }
    return Int32Array.from(out).sort();
  }

  /** Whether the native SIMD scan is in use on this machine. */
  static get simd(): boolean {
    return exactSearch !== undefined;
  }
}
