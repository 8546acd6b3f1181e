/**
 * The claim-check file a clustering reads: which photos, their vectors in the chosen space, capture
 * times and folders. Written by the io worker (which owns the catalog), read by the cpu worker, so
 * 44k×896 floats never pass through workflow history.
 * Layout: u32 header length, JSON header, then rows×dim little-endian float32.
 */
import { readVectorFile, writeVectorFile } from '../files/vector-file';
import { matrix, type Matrix } from './matrix';

export interface ClusterInputHeader {
  photoIds: number[];
  /** Capture time in ms since the epoch, null when unknown. */
  times: Array<number | null>;
  /** Folder of each photo, relative to its library root ('' at the top). */
  folders: string[];
  dim: number;
}

export function writeMatrixFile(file: string, header: ClusterInputHeader, vectors: Matrix): void {
  writeVectorFile(file, header, vectors.data);
}

export function readMatrixFile(file: string): { header: ClusterInputHeader; vectors: Matrix } {
  const { header, data } = readVectorFile<ClusterInputHeader>(file);
  return { header, vectors: matrix(header.photoIds.length, header.dim, data) };
}
