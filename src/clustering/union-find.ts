/**
 * Root of x in a union-find forest stored as parent indices (a root is its own parent), halving
 * the path on the way so later lookups are short.
 */
export function findRoot(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}
