/**
 * HDBSCAN* (Campello, Moulavi & Sander 2013) as the Python `hdbscan` library computes it for
 * low-dimensional data: core distances from a kd-tree, the minimum spanning tree of the mutual
 * reachability graph by Borůvka with kd-tree pruning (no n×n matrix), single-linkage hierarchy,
 * condensed tree with min_cluster_size, excess-of-mass selection. Noise is labelled −1.
 */
import { findRoot } from './union-find';
import { KdTree } from './kdtree';
import type { Matrix } from './matrix';

export interface HdbscanOptions {
  minClusterSize: number;
  /**
   * Core distance = distance to the min_samples-th nearest other point (the Python hdbscan
   * library's convention; its reference-implementation mode counts the point itself instead).
   * Defaults to minClusterSize.
   */
  minSamples?: number;
  onProgress?: (fraction: number) => void;
}

export interface HdbscanResult {
  labels: Int32Array;
  clusterCount: number;
}

/** Stands in for 1/0 when points coincide, keeping stabilities finite. */
const MAX_LAMBDA = 1e12;

export function hdbscan(points: Matrix, options: HdbscanOptions): HdbscanResult {
  const n = points.rows;
  const minClusterSize = Math.max(2, Math.floor(options.minClusterSize));
  const labels = new Int32Array(n).fill(-1);
  if (n < minClusterSize || n < 2) return { labels, clusterCount: 0 };
  const tree = new KdTree(points);
  const minSamples = Math.max(1, Math.min(n - 1, Math.floor(options.minSamples ?? minClusterSize)));
  const core = tree.kthNeighborDistances(minSamples + 1);
  options.onProgress?.(0.2);
  const mst = boruvkaMst(tree, core);
  options.onProgress?.(0.8);
  const linkage = singleLinkage(n, mst);
  const condensed = condenseTree(n, linkage, minClusterSize);
  const result = labelPoints(n, condensed);
  options.onProgress?.(1);
  return result;
}

export interface SpanningTree {
  from: Int32Array;
  to: Int32Array;
  weight: Float64Array;
}

/** Minimum spanning tree under mutual reachability max(core(p), core(q), d(p, q)). */
export function boruvkaMst(tree: KdTree, core: Float64Array): SpanningTree {
  const n = tree.points.rows;
  const { order, start, end, left, right, nodeCount } = tree;
  const uf = new Int32Array(n);
  for (let i = 0; i < n; i++) uf[i] = i;
  const find = (x: number) => findRoot(uf, x);
  const nodeMinCore = new Float64Array(nodeCount);
  // Children always have larger ids than their parent, so a reverse sweep is bottom-up.
  for (let id = nodeCount - 1; id >= 0; id--) {
    if (left[id] < 0) {
      let m = Infinity;
      for (let s = start[id]; s < end[id]; s++) m = Math.min(m, core[order[s]]);
      nodeMinCore[id] = m;
    } else nodeMinCore[id] = Math.min(nodeMinCore[left[id]], nodeMinCore[right[id]]);
  }
  const from = new Int32Array(Math.max(n - 1, 0));
  const to = new Int32Array(Math.max(n - 1, 0));
  const weight = new Float64Array(Math.max(n - 1, 0));
  let edges = 0;
  const comp = new Int32Array(n);
  const nodeComp = new Int32Array(nodeCount);
  const bestD = new Float64Array(n);
  const bestFrom = new Int32Array(n);
  const bestTo = new Int32Array(n);
  const stack = new Int32Array(nodeCount + 64);
  while (edges < n - 1) {
    for (let p = 0; p < n; p++) comp[p] = find(p);
    for (let id = nodeCount - 1; id >= 0; id--) {
      if (left[id] < 0) {
        const c = comp[order[start[id]]];
        let same = true;
        for (let s = start[id] + 1; s < end[id] && same; s++) same = comp[order[s]] === c;
        nodeComp[id] = same ? c : -1;
      } else nodeComp[id] = nodeComp[left[id]] === nodeComp[right[id]] ? nodeComp[left[id]] : -1;
    }
    bestD.fill(Infinity);
    for (let s0 = 0; s0 < n; s0++) {
      const p = order[s0];
      const c = comp[p];
      const cp = core[p];
      if (cp >= bestD[c]) continue;
      let top = 0;
      stack[top++] = 0;
      while (top > 0) {
        const node = stack[--top];
        if (nodeComp[node] === c) continue;
        const bound = Math.max(cp, nodeMinCore[node], tree.boxDistance(p, node));
        if (bound >= bestD[c]) continue;
        if (left[node] < 0) {
          for (let s = start[node]; s < end[node]; s++) {
            const q = order[s];
            if (comp[q] === c) continue;
            const cq = core[q];
            if (cq >= bestD[c]) continue;
            const d = Math.max(cp, cq, tree.distance(p, q));
            if (d < bestD[c]) {
              bestD[c] = d;
              bestFrom[c] = p;
              bestTo[c] = q;
            }
          }
        } else {
          const l = left[node];
          const r = right[node];
          // Nearer child on top of the stack, so it is searched first and tightens the bound.
          if (tree.boxDistance(p, l) <= tree.boxDistance(p, r)) {
            stack[top++] = r;
            stack[top++] = l;
          } else {
            stack[top++] = l;
            stack[top++] = r;
          }
        }
      }
    }
    let added = 0;
    for (let c = 0; c < n; c++) {
      if (comp[c] !== c || bestD[c] === Infinity) continue;
      const a = find(bestFrom[c]);
      const b = find(bestTo[c]);
      if (a === b) continue;
      uf[a] = b;
      from[edges] = bestFrom[c];
      to[edges] = bestTo[c];
      weight[edges] = bestD[c];
      edges++;
      added++;
    }
    if (added === 0) throw new Error('HDBSCAN spanning tree stalled (non-finite coordinates?)');
  }
  return { from, to, weight };
}

export interface Linkage {
  left: Int32Array;
  right: Int32Array;
  distance: Float64Array;
  size: Int32Array;
}

/** Single-linkage merges (scipy layout: merge i creates node n + i). */
export function singleLinkage(n: number, mst: SpanningTree): Linkage {
  const m = mst.weight.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => mst.weight[a] - mst.weight[b] || a - b);
  const parent = new Int32Array(2 * n - 1).fill(-1);
  const size = new Int32Array(2 * n - 1).fill(1);
  const find = (x: number) => {
    let r = x;
    while (parent[r] >= 0) r = parent[r];
    while (parent[x] >= 0) {
      const next = parent[x];
      parent[x] = r;
      x = next;
    }
    return r;
  };
  const linkage: Linkage = {
    left: new Int32Array(m),
    right: new Int32Array(m),
    distance: new Float64Array(m),
    size: new Int32Array(m),
  };
  order.forEach((e, i) => {
    const a = find(mst.from[e]);
    const b = find(mst.to[e]);
    const node = n + i;
    linkage.left[i] = a;
    linkage.right[i] = b;
    linkage.distance[i] = mst.weight[e];
    size[node] = size[a] + size[b];
    linkage.size[i] = size[node];
    parent[a] = node;
    parent[b] = node;
  });
  return linkage;
}

export interface CondensedTree {
  parent: Int32Array;
  child: Int32Array;
  lambda: Float64Array;
  childSize: Int32Array;
  /** Cluster labels run from n (the root) to n + clusterCount − 1. */
  clusterCount: number;
}

export function condenseTree(n: number, linkage: Linkage, minClusterSize: number): CondensedTree {
  const parent: number[] = [];
  const child: number[] = [];
  const lambda: number[] = [];
  const childSize: number[] = [];
  const emit = (p: number, c: number, l: number, s: number) => {
    parent.push(p);
    child.push(c);
    lambda.push(l);
    childSize.push(s);
  };
  const sizeOf = (node: number) => (node < n ? 1 : linkage.size[node - n]);
  const emitLeaves = (node: number, label: number, l: number) => {
    const stack = [node];
    while (stack.length) {
      const x = stack.pop() as number;
      if (x < n) emit(label, x, l, 1);
      else stack.push(linkage.left[x - n], linkage.right[x - n]);
    }
  };
  const root = 2 * n - 2;
  const relabel = new Int32Array(2 * n - 1);
  relabel[root] = n;
  let nextLabel = n + 1;
  const stack = [root];
  while (stack.length) {
    const node = stack.pop() as number;
    const i = node - n;
    const l = linkage.left[i];
    const r = linkage.right[i];
    const d = linkage.distance[i];
    const lam = d > 0 ? Math.min(1 / d, MAX_LAMBDA) : MAX_LAMBDA;
    const ls = sizeOf(l);
    const rs = sizeOf(r);
    const label = relabel[node];
    if (ls >= minClusterSize && rs >= minClusterSize) {
      for (const [c, s] of [
        [l, ls],
        [r, rs],
      ]) {
        relabel[c] = nextLabel++;
        emit(label, relabel[c], lam, s);
        stack.push(c);
      }
    } else if (ls < minClusterSize && rs < minClusterSize) {
      emitLeaves(l, label, lam);
      emitLeaves(r, label, lam);
    } else {
      const [big, small] = ls < minClusterSize ? [r, l] : [l, r];
      emitLeaves(small, label, lam);
      relabel[big] = label;
      stack.push(big);
    }
  }
  return {
    parent: Int32Array.from(parent),
    child: Int32Array.from(child),
    lambda: Float64Array.from(lambda),
    childSize: Int32Array.from(childSize),
    clusterCount: nextLabel - n,
  };
}

/** Excess-of-mass selection (the root is never a cluster), then each point takes its selected ancestor. */
export function labelPoints(n: number, tree: CondensedTree): HdbscanResult {
  const k = tree.clusterCount;
  const birth = new Float64Array(k);
  const clusterParent = new Int32Array(k).fill(-1);
  const pointParent = new Int32Array(n).fill(-1);
  const stability = new Float64Array(k);
  const children: number[][] = Array.from({ length: k }, () => []);
  for (let r = 0; r < tree.child.length; r++) {
    const c = tree.child[r];
    if (c >= n) {
      birth[c - n] = tree.lambda[r];
      clusterParent[c - n] = tree.parent[r] - n;
      children[tree.parent[r] - n].push(c - n);
    } else pointParent[c] = tree.parent[r] - n;
  }
  for (let r = 0; r < tree.child.length; r++) {
    const p = tree.parent[r] - n;
    stability[p] += (tree.lambda[r] - birth[p]) * tree.childSize[r];
  }
  const selected = new Uint8Array(k);
  for (let c = k - 1; c >= 1; c--) {
    let sub = 0;
    for (const ch of children[c]) sub += stability[ch];
    if (children[c].length && sub > stability[c]) {
      stability[c] = sub;
    } else {
      selected[c] = 1;
      const stack = [...children[c]];
      while (stack.length) {
        const x = stack.pop() as number;
        selected[x] = 0;
        stack.push(...children[x]);
      }
    }
  }
  const selectedAncestor = new Int32Array(k).fill(-1);
  for (let c = 1; c < k; c++) selectedAncestor[c] = selected[c] ? c : selectedAncestor[clusterParent[c]];
  const ids = new Int32Array(k).fill(-1);
  let count = 0;
  for (let c = 1; c < k; c++) if (selected[c]) ids[c] = count++;
  const labels = new Int32Array(n).fill(-1);
  for (let p = 0; p < n; p++) {
    const a = pointParent[p] >= 0 ? selectedAncestor[pointParent[p]] : -1;
    labels[p] = a >= 0 ? ids[a] : -1;
  }
  return { labels, clusterCount: count };
}
