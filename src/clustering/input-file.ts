/**
 * The claim-check file a clustering reads: which photos, their vectors in the chosen space, capture
 * times and folders. Written by the io worker (which owns the catalog), read by the cpu worker, so
 * 44k×896 floats never pass through workflow history.
 * Layout: u32 header length, JSON header, then rows×dim little-endian float32.
 */
import fs from 'node:fs';
import path from 'node:path';
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
  const head = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(`${file}.tmp`, 'w');
  try {
    fs.writeSync(fd, len);
    fs.writeSync(fd, head);
    fs.writeSync(fd, Buffer.from(vectors.data.buffer, vectors.data.byteOffset, vectors.data.byteLength));
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(`${file}.tmp`, file);
}

export function readMatrixFile(file: string): { header: ClusterInputHeader; vectors: Matrix } {
  const buf = fs.readFileSync(file);
  const len = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + len).toString()) as ClusterInputHeader;
  const rows = header.photoIds.length;
  const data = new Float32Array(rows * header.dim);
  new Uint8Array(data.buffer).set(buf.subarray(4 + len, 4 + len + rows * header.dim * 4));
  return { header, vectors: matrix(rows, header.dim, data) };
}
