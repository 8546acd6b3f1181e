/**
 * The one file format for vectors that travel between activities (claim check: the path goes
 * through Temporal, the floats do not): a u32 header length, a JSON header with at least the row
 * ids and the dimension, then the float32 rows back to back. Written atomically.
 */
import fs from 'node:fs';
import { writeFileAtomicWith } from './atomic-write';

export interface VectorFileHeader {
  photoIds: number[];
  dim: number;
}

export function writeVectorFile<H extends VectorFileHeader>(
  file: string,
  header: H,
  data: Float32Array,
): void {
  if (data.length !== header.photoIds.length * header.dim)
    throw new Error(
      `vector file ${file}: ${data.length} floats for ${header.photoIds.length} rows of ${header.dim}`,
    );
  const head = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  writeFileAtomicWith(file, (fd) => {
    fs.writeSync(fd, len);
    fs.writeSync(fd, head);
    fs.writeSync(fd, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
}

export function readVectorFile<H extends VectorFileHeader>(file: string): { header: H; data: Float32Array } {
  const buf = fs.readFileSync(file);
  const len = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + len).toString()) as H;
  const data = new Float32Array(header.photoIds.length * header.dim);
  new Uint8Array(data.buffer).set(buf.subarray(4 + len, 4 + len + data.length * 4));
  return { header, data };
}

/** Rows of equal length as one flat array (the layout the file stores). */
export function packRows(rows: Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(r, i * dim));
  return out;
}
