/** Damaged and odd images built in the test from valid ones, byte by byte. */
import fs from 'node:fs';

/** A valid JPEG with two stray bytes before its first DQT marker: libjpeg warns, every viewer shows it. */
export function warningJpeg(src: string, dest: string): string {
  const bytes = fs.readFileSync(src);
  const dqt = bytes.indexOf(Buffer.from([0xff, 0xdb]), 2);
  fs.writeFileSync(dest, Buffer.concat([bytes.subarray(0, dqt), Buffer.from([0, 0]), bytes.subarray(dqt)]));
  return dest;
}

/** The first `share` of a file: a photo whose bottom is missing. */
export function truncatedCopy(src: string, dest: string, share = 0.5): string {
  const bytes = fs.readFileSync(src);
  fs.writeFileSync(dest, bytes.subarray(0, Math.floor(bytes.length * share)));
  return dest;
}

export interface TiffSpec {
  width: number;
  height: number;
  samplesPerPixel: number;
  /** TIFF tag 262; omitted when undefined (a file libtiff calls incomplete). */
  photometric?: number;
}

/** A minimal uncompressed little-endian 8-bit TIFF (one strip), for variants libvips refuses. */
export function tinyTiff(spec: TiffSpec, dest: string): string {
  const { width: w, height: h, samplesPerPixel: spp } = spec;
  const pixels = Buffer.alloc(w * h * spp);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
  const tags: Array<[number, number, number, number]> = [
    [256, 3, 1, w],
    [257, 3, 1, h],
    [258, 3, spp, 8],
    [259, 3, 1, 1],
    [273, 4, 1, 0],
    [277, 3, 1, spp],
    [278, 3, 1, h],
    [279, 4, 1, pixels.length],
  ];
  if (spec.photometric !== undefined) tags.push([262, 3, 1, spec.photometric]);
  tags.sort((a, b) => a[0] - b[0]);
  const ifdSize = 2 + tags.length * 12 + 4;
  const bitsOffset = 8 + ifdSize;
  const bits = Buffer.alloc(spp > 1 ? spp * 2 : 0);
  for (let i = 0; i < spp && spp > 1; i++) bits.writeUInt16LE(8, i * 2);
  const dataOffset = bitsOffset + bits.length;
  const ifd = Buffer.alloc(ifdSize);
  ifd.writeUInt16LE(tags.length, 0);
  tags.forEach(([tag, type, count, value], i) => {
    const o = 2 + i * 12;
    ifd.writeUInt16LE(tag, o);
    ifd.writeUInt16LE(type, o + 2);
    ifd.writeUInt32LE(count, o + 4);
    if (tag === 258 && spp > 1) ifd.writeUInt32LE(bitsOffset, o + 8);
    else if (tag === 273) ifd.writeUInt32LE(dataOffset, o + 8);
    else if (type === 3) ifd.writeUInt16LE(value, o + 8);
    else ifd.writeUInt32LE(value, o + 8);
  });
  const header = Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  fs.writeFileSync(dest, Buffer.concat([header, ifd, bits, pixels]));
  return dest;
}
