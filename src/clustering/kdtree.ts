/**
 * A kd-tree over low-dimensional points (UMAP output): exact k-nearest queries for core distances
 * and the node bounds that let Borůvka skip whole regions when building the HDBSCAN tree.
 */
import type { Matrix } from './matrix';

export class KdTree {
  /** Point indices in tree order; node i covers order[start[i]..end[i]). */
  readonly order: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** nodes × dim lower and upper corners of each node's bounding box. */
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly nodeCount: number;
  readonly dim: number;

  constructor(
    readonly points: Matrix,
    readonly leafSize = 24,
  ) {
    const n = points.rows;
    const dim = points.cols;
    this.dim = dim;
    const maxNodes = Math.max(1, 2 * Math.ceil(n / Math.max(1, Math.floor(leafSize / 2))) + 1);
    this.order = new Int32Array(n);
    for (let i = 0; i < n; i++) this.order[i] = i;
    this.start = new Int32Array(maxNodes);
    this.end = new Int32Array(maxNodes);
    this.left = new Int32Array(maxNodes).fill(-1);
    this.right = new Int32Array(maxNodes).fill(-1);
    this.lo = new Float64Array(maxNodes * dim);
    this.hi = new Float64Array(maxNodes * dim);
    let count = 0;
    const stack: number[] = [];
    const make = (s: number, e: number) => {
      const id = count++;
      this.start[id] = s;
      this.end[id] = e;
      this.bound(id);
      return id;
    };
    stack.push(make(0, n));
    while (stack.length) {
      const id = stack.pop() as number;
      const s = this.start[id];
      const e = this.end[id];
      if (e - s <= leafSize) continue;
      let axis = 0;
      let width = -1;
      for (let c = 0; c < dim; c++) {
        const w = this.hi[id * dim + c] - this.lo[id * dim + c];
        if (w > width) {
          width = w;
          axis = c;
        }
      }
      if (width <= 0) continue; // all points identical: keep as one (large) leaf
      const mid = (s + e) >> 1;
      this.select(s, e, mid, axis);
      this.left[id] = make(s, mid);
      this.right[id] = make(mid, e);
      stack.push(this.left[id], this.right[id]);
    }
    this.nodeCount = count;
  }

  isLeaf(node: number): boolean {
    return this.left[node] < 0;
  }

  /** Euclidean distance from point p to node's bounding box (0 inside). */
  boxDistance(p: number, node: number): number {
    const { dim } = this;
    const data = this.points.data;
    let s = 0;
    for (let c = 0; c < dim; c++) {
      const v = data[p * dim + c];
      const lo = this.lo[node * dim + c];
      const hi = this.hi[node * dim + c];
      const d = v < lo ? lo - v : v > hi ? v - hi : 0;
      s += d * d;
    }
    return Math.sqrt(s);
  }

  distance(p: number, q: number): number {
    const { dim } = this;
    const data = this.points.data;
    let s = 0;
    for (let c = 0; c < dim; c++) {
      const d = data[p * dim + c] - data[q * dim + c];
      s += d * d;
    }
    return Math.sqrt(s);
  }

  /** Distance from each point to its k-th nearest point, counting the point itself as the first. */
  kthNeighborDistances(k: number): Float64Array {
    const n = this.points.rows;
    const out = new Float64Array(n);
    const kk = Math.max(1, Math.min(k, n));
    const best = new Float64Array(kk);
    for (let p = 0; p < n; p++) {
      best.fill(Infinity);
      // best is a sorted ascending list of the kk smallest distances seen.
      const visit = (node: number) => {
        if (this.boxDistance(p, node) >= best[kk - 1]) return;
        if (this.isLeaf(node)) {
          for (let s = this.start[node]; s < this.end[node]; s++) {
            const d = this.distance(p, this.order[s]);
            if (d >= best[kk - 1]) continue;
            let pos = kk - 1;
            while (pos > 0 && best[pos - 1] > d) {
              best[pos] = best[pos - 1];
              pos--;
            }
            best[pos] = d;
          }
          return;
        }
        const l = this.left[node];
        const r = this.right[node];
        if (this.boxDistance(p, l) <= this.boxDistance(p, r)) {
          visit(l);
          visit(r);
        } else {
          visit(r);
          visit(l);
        }
      };
      visit(0);
      out[p] = best[kk - 1];
    }
    return out;
  }

  private bound(id: number): void {
    const { dim } = this;
    const data = this.points.data;
    for (let c = 0; c < dim; c++) {
      this.lo[id * dim + c] = Infinity;
      this.hi[id * dim + c] = -Infinity;
    }
    for (let s = this.start[id]; s < this.end[id]; s++) {
      const p = this.order[s];
      for (let c = 0; c < dim; c++) {
        const v = data[p * dim + c];
        if (v < this.lo[id * dim + c]) this.lo[id * dim + c] = v;
        if (v > this.hi[id * dim + c]) this.hi[id * dim + c] = v;
      }
    }
  }

  /** Quickselect on order[s..e) so position m holds the median along axis. */
  private select(s: number, e: number, m: number, axis: number): void {
    const { dim, order } = this;
    const data = this.points.data;
    const key = (i: number) => data[order[i] * dim + axis];
    let lo = s;
    let hi = e - 1;
    while (lo < hi) {
      const pivot = key((lo + hi) >> 1);
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (key(i) < pivot) i++;
        while (key(j) > pivot) j--;
        if (i <= j) {
          const t = order[i];
          order[i] = order[j];
          order[j] = t;
          i++;
          j--;
        }
      }
      if (m <= j) hi = j;
      else if (m >= i) lo = i;
      else break;
    }
  }
}
