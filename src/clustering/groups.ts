/**
 * Centres and medoids of groups of unit vectors. For unit vectors the medoid (least total cosine
 * distance to the other members) is the member nearest the normalised mean, because
 * Σⱼ(1 − xᵢ·xⱼ) = m − xᵢ·Σⱼxⱼ: one pass per group instead of m² comparisons.
 */
import type { Matrix } from './matrix';

/** Cosine distance of each row to the centre of its own group (noise, −1, counts as one group). */
export function distancesToCentres(unit: Matrix, labels: Int32Array): Float64Array {
  const { rows, cols, data } = unit;
  const sums = new Map<number, Float64Array>();
  for (let i = 0; i < rows; i++) {
    let s = sums.get(labels[i]);
    if (!s) sums.set(labels[i], (s = new Float64Array(cols)));
    for (let c = 0; c < cols; c++) s[c] += data[i * cols + c];
  }
  for (const s of sums.values()) {
    let n = 0;
    for (const v of s) n += v * v;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let c = 0; c < cols; c++) s[c] *= inv;
  }
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const s = sums.get(labels[i]) as Float64Array;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += data[i * cols + c] * s[c];
    out[i] = Math.max(0, 1 - dot);
  }
  return out;
}

export interface FolderMedoid {
  folder: string;
  /** Row index of the medoid. */
  row: number;
  cosineToCentroid: number;
}

/** The medoid of every folder's photos, folders in name order. */
export function folderMedoids(unit: Matrix, folders: string[]): FolderMedoid[] {
  const ids = new Map<string, number>();
  const labels = new Int32Array(unit.rows);
  folders.forEach((f, i) => {
    if (!ids.has(f)) ids.set(f, ids.size);
    labels[i] = ids.get(f) as number;
  });
  const distances = distancesToCentres(unit, labels);
  const best = new Map<number, number>();
  for (let i = 0; i < unit.rows; i++) {
    const b = best.get(labels[i]);
    if (b === undefined || distances[i] < distances[b]) best.set(labels[i], i);
  }
  return [...ids.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([folder, id]) => {
      const row = best.get(id) as number;
      return { folder, row, cosineToCentroid: 1 - distances[row] };
    });
}
