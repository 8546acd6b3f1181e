/** Adjusted Rand index (Hubert & Arabie 1985) between two labelings; noise (−1) counts as one label. */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`labelings differ in length: ${a.length} vs ${b.length}`);
  const n = a.length;
  if (n < 2) return 1;
  const pairs = new Map<string, number>();
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]},${b[i]}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    rows.set(a[i], (rows.get(a[i]) ?? 0) + 1);
    cols.set(b[i], (cols.get(b[i]) ?? 0) + 1);
  }
  const comb2 = (x: number) => (x * (x - 1)) / 2;
  let index = 0;
  for (const v of pairs.values()) index += comb2(v);
  let sumRows = 0;
  for (const v of rows.values()) sumRows += comb2(v);
  let sumCols = 0;
  for (const v of cols.values()) sumCols += comb2(v);
  const expected = (sumRows * sumCols) / comb2(n);
  const max = (sumRows + sumCols) / 2;
  if (max === expected) return 1; // both labelings trivial (all one label or all singletons)
  return (index - expected) / (max - expected);
}
