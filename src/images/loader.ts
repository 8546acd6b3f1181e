/**
 * The image loader: the one place that turns a file of any supported format into pixels.
 * It validates by decoding fully (a header that parses proves nothing), applies orientation and
 * writes a small metadata-free JPEG proxy that every compute stage reads instead of the original.
 *
 * sharp's prebuilt libvips decodes JPEG, PNG, WebP, GIF, TIFF, AVIF and DNG previews but neither
 * HEIC (no HEVC decoder) nor JPEG XL, so those two go through wasm decoders first.
 */
import { lightOfPixels, type LightStats } from './light';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import Piscina from 'piscina';
import sharp from 'sharp';
import { decodeWasm, type RawPixels, type WasmKind } from './wasm-decoders';
import { exiftool } from './exiftool';
import { ExiftoolAliases } from './exiftool-safe';
import { processConfig } from '../config';

/**
 * Why a file gave no picture — the one list of decode failure kinds. The kind starts the reason
 * (`truncated: …`), so the catalog, `pcc stats` and exports say which it was.
 */
export type DecodeFailureKind = 'not_an_image' | 'unsupported_format' | 'truncated' | 'damaged' | 'too_large';

export class CorruptImageError extends Error {
  override name = 'CorruptImageError';
  constructor(
    readonly kind: DecodeFailureKind,
    detail: string,
  ) {
    super(`${kind}: ${detail}`);
  }
}

export interface ProxyOptions {
  /** Long edge of the proxy in pixels. */
  longEdge: number;
  quality?: number;
}

export interface ProxyInfo {
  width: number;
  height: number;
  /** The decoded source format as libvips or the wasm decoder saw it. */
  sourceFormat: string;
}

/** Long edge of the review thumbnail (the studio's picture; embedders read it when it is large enough). */
const THUMB_EDGE = 512;

/** 268 MP: refuses decompression bombs before allocating their pixels. */
const MAX_INPUT_PIXELS = 0x3fff * 0x3fff;

// Many photos in flight, few libvips threads each: on a 2-core machine this beats one photo with
// many threads (measured in FINDINGS.md), and the operation cache only costs memory when every
// file is read once.
sharp.concurrency(processConfig().tuning.sharpThreads);
sharp.cache(false);

let pool: Piscina | undefined;

/** Decodes in a worker thread when the compiled worker exists (always, in a build); in-thread otherwise. */
function decodeOffThread(absPath: string, kind: WasmKind): Promise<RawPixels> {
  const workerFile = path.join(__dirname, 'wasm-decode.worker.js');
  if (!fs.existsSync(workerFile)) return decodeWasm(absPath, kind);
  pool ??= new Piscina({
    filename: workerFile,
    maxThreads: Math.max(
      1,
      processConfig().tuning.wasmDecodeThreads ?? Math.min(2, os.availableParallelism()),
    ),
    idleTimeout: 30_000,
  });
  return pool.run({ absPath, kind }) as Promise<RawPixels>;
}

function isJxl(head: Buffer): boolean {
  const codestream = head[0] === 0xff && head[1] === 0x0a;
  const container = head.subarray(4, 8).toString('latin1') === 'JXL ';
  return codestream || container;
}

function reasonOf(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).split('\n')[0].replace(/^Input file /, '');
}

async function decodeWithWasm(absPath: string, kind: WasmKind): Promise<sharp.Sharp> {
  let pixels: RawPixels;
  try {
    pixels = await decodeOffThread(absPath, kind);
  } catch (err) {
    if (kind === 'tiff') {
      throw new CorruptImageError(
        'unsupported_format',
        `a TIFF variant neither libvips nor the fallback TIFF decoder can read (${reasonOf(err)}); ` +
          'convert it to 8-bit RGB TIFF or JPEG to include it',
      );
    }
    throw new CorruptImageError('damaged', `${kind.toUpperCase()} decode failed: ${reasonOf(err)}`);
  }
  if (pixels.width * pixels.height > MAX_INPUT_PIXELS) {
    throw new CorruptImageError(
      'too_large',
      `image exceeds the pixel limit (${pixels.width}×${pixels.height})`,
    );
  }
  return sharp(Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength), {
    raw: { width: pixels.width, height: pixels.height, channels: 4 },
  });
}

/**
 * How strictly libvips decodes, most to least: 'warning' refuses libjpeg warnings (stray bytes
 * before a marker, bad EXIF) that every viewer shows past; 'error' still refuses a file that ends
 * early; 'none' decodes whatever is there (the missing bottom comes out grey).
 */
type Strictness = 'warning' | 'error' | 'none';

function isTiff(head: Buffer): boolean {
  const magic = head.subarray(0, 4).toString('latin1');
  return magic === 'II*\0' || magic === 'MM\0*';
}

/** Opens any supported photo as an auto-oriented sharp pipeline, or throws CorruptImageError. */
async function openOriented(
  absPath: string,
  bytes: Buffer,
  failOn: Strictness,
): Promise<{ image: sharp.Sharp; sourceFormat: string }> {
  const options: sharp.SharpOptions = { failOn, limitInputPixels: MAX_INPUT_PIXELS };
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, options).metadata();
  } catch (err) {
    const head = bytes.subarray(0, 12);
    if (isJxl(head)) return { image: await decodeWithWasm(absPath, 'jxl'), sourceFormat: 'jxl' };
    if (isTiff(head)) return { image: await decodeWithWasm(absPath, 'tiff'), sourceFormat: 'tiff' };
    const reason = reasonOf(err);
    if (/pixel limit/i.test(reason)) throw new CorruptImageError('too_large', reason);
    if (!bytes.length) throw new CorruptImageError('not_an_image', 'the file is empty');
    if (/unsupported image format/i.test(reason))
      throw new CorruptImageError(
        'not_an_image',
        'no image format pcc reads (JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIC, JPEG XL, RAW)',
      );
    throw new CorruptImageError('damaged', `the header cannot be read: ${reason}`);
  }
  if (meta.format === 'heif' && meta.compression === 'hevc') {
    // HEIF orientation lives in the file's own irot/imir boxes, which the decoder applies.
    return { image: await decodeWithWasm(absPath, 'heic'), sourceFormat: 'heic' };
  }
  return { image: sharp(bytes, options).autoOrient(), sourceFormat: meta.format ?? 'unknown' };
}

/**
 * The share of the picture that decoded: a file that ends early decodes with its last rows filled
 * by one flat value. Orientation may have turned those rows into the top or a side, so the widest
 * flat margin on any edge is what is missing.
 */
function decodedShare(data: Buffer, info: sharp.OutputInfo): number {
  const { width, height, channels } = info;
  const flat = (x0: number, y0: number, dx: number, dy: number, n: number) => {
    let min = 255;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const at = ((y0 + i * dy) * width + (x0 + i * dx)) * channels;
      for (let c = 0; c < channels; c++) {
        const v = data[at + c];
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    return max - min <= 2;
  };
  const margin = (count: number, isFlat: (i: number) => boolean) => {
    let i = 0;
    while (i < count && isFlat(i)) i++;
    return i / count;
  };
  const missing = Math.max(
    margin(height, (i) => flat(0, height - 1 - i, 1, 0, width)),
    margin(height, (i) => flat(0, i, 1, 0, width)),
    margin(width, (i) => flat(width - 1 - i, 0, 0, 1, height)),
    margin(width, (i) => flat(i, 0, 0, 1, height)),
  );
  return 1 - missing;
}

export interface DecodeOptions extends ProxyOptions {
  /** Write the proxy JPEG here (omit to only validate). */
  proxyPath?: string;
  /** Write a small review thumbnail here. */
  thumbPath?: string;
  thumbEdge?: number;
  /** Camera RAW: decode the largest embedded preview ExifTool can extract. */
  raw?: boolean;
  /** Decode a file that ends early (its bottom missing) instead of refusing it. */
  acceptTruncated?: boolean;
}

export interface DecodeInfo extends ProxyInfo {
  /** 64-bit difference hash (hex) of the oriented image, for near-duplicate grouping. */
  dhash: string;
  /** What decoding noticed in a photo it still decoded (a libjpeg warning, an accepted truncation). */
  note?: string;
  /** Luma histogram of the oriented picture (from ≤ 256 px), for the studio-vs-night rule. */
  light: LightStats;
  /** The shorter side of the thumbnail written (when one was asked for). */
  thumbShortEdge?: number;
}

async function writeAtomically(
  image: sharp.Sharp,
  outPath: string,
  quality: number,
): Promise<sharp.OutputInfo> {
  await fs.promises.mkdir(path.dirname(outPath), { recursive: true });
  const tmp = `${outPath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    // No Huffman optimisation pass: half the encode time for a file ~1% larger (measured on 512-px thumbnails).
    const info = await image.jpeg({ quality, optimiseCoding: false }).toFile(tmp);
    await fs.promises.rename(tmp, outPath);
    return info;
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
}

/**
 * dHash: 9×8 grey thumbnail, one bit per horizontal neighbour comparison. Made from the ≤ 256-px
 * copy the light statistics use, not the decoded pixels: the same bits (libvips reduces both
 * alike; identical on every sample photo, tests/metadata.test.ts) from a quarter of the input.
 * A box average in JS would be cheaper still but moves 4–10 of the 64 bits, and catalogs hold
 * hashes from earlier versions that must stay comparable.
 */
async function dhashOf(image: sharp.Sharp): Promise<string> {
  const px = await image.resize(9, 8, { fit: 'fill' }).grayscale().raw().toBuffer();
  let bits = 0n;
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) bits = (bits << 1n) | (px[y * 9 + x] > px[y * 9 + x + 1] ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

/** Hamming distance between two dHashes: ≤ 10 of 64 bits is "the same picture" (bursts, re-saves). */
export function dhashDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

interface RawPreview {
  bytes: Buffer;
  orientation: number;
}

/** Camera RAW: ExifTool pulls the embedded JPEG (JpgFromRaw, else PreviewImage). */
async function readRawPreview(absPath: string): Promise<RawPreview | undefined> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pcc-raw-'));
  // A name ExifTool cannot take as one argument line is read through a safe-named link.
  const aliases = new ExiftoolAliases();
  try {
    const source = aliases.forRead(absPath);
    const candidates: string[] = [];
    for (const [name, extract] of [
      ['jpgfromraw.jpg', (src: string, dest: string) => exiftool().extractJpgFromRaw(src, dest)],
      ['preview.jpg', (src: string, dest: string) => exiftool().extractPreview(src, dest)],
    ] as const) {
      const dest = path.join(dir, name);
      try {
        await extract(source, dest);
        if ((await fs.promises.stat(dest)).size > 0) candidates.push(dest);
      } catch {
        /* this RAW has no such preview */
      }
    }
    if (!candidates.length) return undefined;
    const sizes = await Promise.all(candidates.map(async (c) => (await fs.promises.stat(c)).size));
    const best = candidates[sizes.indexOf(Math.max(...sizes))];
    const orientation = Number((await exiftool().read(source)).Orientation) || 1;
    return { bytes: await fs.promises.readFile(best), orientation };
  } finally {
    aliases.dispose();
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

/** The preview carries no orientation of its own: the RAW's is applied. */
async function rawPreviewImage(preview: RawPreview, failOn: Strictness): Promise<sharp.Sharp> {
  const options: sharp.SharpOptions = { failOn, limitInputPixels: MAX_INPUT_PIXELS };
  if (preview.orientation <= 1) return sharp(preview.bytes, options).autoOrient();
  const tagged = await sharp(preview.bytes, options)
    .withMetadata({ orientation: preview.orientation })
    .toBuffer();
  return sharp(tagged).autoOrient();
}

interface Decoded {
  data: Buffer;
  info: sharp.OutputInfo;
  sourceFormat: string;
  note?: string;
}

/** A libvips failure while decoding pixels (not a refused header, not a disk error). */
function isPixelError(err: unknown): boolean {
  return !(err instanceof CorruptImageError) && !(err as NodeJS.ErrnoException)?.code;
}

/**
 * Decodes to raw sRGB pixels no larger than `edge`, as strictly as still gives a picture: a
 * libjpeg warning is kept as a note, a file that ends early is refused (with how much of it
 * decoded) unless `acceptTruncated`, and a TIFF libvips cannot read goes to the fallback decoder.
 */
async function decodePixels(
  absPath: string,
  edge: number,
  options: DecodeOptions,
  raw: RawPreview | undefined,
): Promise<Decoded> {
  const bytes = raw ? raw.bytes : await fs.promises.readFile(absPath);
  const finish = async (image: sharp.Sharp, sourceFormat: string): Promise<Decoded> => {
    const { data, info } = await image
      .resize({ width: edge, height: edge, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, info, sourceFormat };
  };
  const attempt = async (failOn: Strictness) => {
    if (raw) return finish(await rawPreviewImage(raw, failOn), 'raw-preview');
    const { image, sourceFormat } = await openOriented(absPath, bytes, failOn);
    return finish(image, sourceFormat);
  };
  try {
    return await attempt('warning');
  } catch (warning) {
    if (!isPixelError(warning)) throw warning;
    try {
      return { ...(await attempt('error')), note: `decoded past a warning: ${reasonOf(warning)}` };
    } catch (err) {
      if (!isPixelError(err)) throw err;
      const partial = await attempt('none').catch(() => undefined);
      if (!partial) {
        if (!raw && isTiff(bytes)) return finish(await decodeWithWasm(absPath, 'tiff'), 'tiff');
        throw new CorruptImageError('damaged', `the picture data cannot be decoded: ${reasonOf(err)}`);
      }
      const share = Math.round(decodedShare(partial.data, partial.info) * 100);
      // libvips' message is left out: its error buffer is shared, and may name another photo's warning.
      const what =
        share >= 99
          ? 'the file ends early or is damaged (the whole frame decodes, possibly with lost detail)'
          : `the file ends early or is damaged: about ${share}% of the picture decoded`;
      if (!options.acceptTruncated)
        throw new CorruptImageError('truncated', `${what}; run with --accept-truncated to caption it anyway`);
      return { ...partial, note: `truncated: ${what}; accepted with --accept-truncated` };
    }
  }
}

/**
 * Decodes `absPath` once, completely: validates it, and writes the proxy and thumbnail when asked
 * (atomically, metadata-free: sharp writes no EXIF, GPS, XMP or IPTC unless told to keep them).
 */
export async function decodePhoto(absPath: string, options: DecodeOptions): Promise<DecodeInfo> {
  // Decode only as large as an output needs: without a proxy, the thumbnail size is enough, and
  // JPEG shrink-on-load then decodes at a fraction of the cost (still reading every byte).
  const thumbEdge = options.thumbEdge ?? THUMB_EDGE;
  const edge = options.proxyPath
    ? options.longEdge
    : options.thumbPath
      ? Math.min(thumbEdge, options.longEdge)
      : options.longEdge;
  let decoded: Decoded;
  try {
    const raw = options.raw ? await readRawPreview(absPath).catch(() => undefined) : undefined;
    // A RAW whose preview will not decode may still open as its embedded TIFF (DNG).
    decoded = raw
      ? await decodePixels(absPath, edge, options, raw).catch(() =>
          decodePixels(absPath, edge, options, undefined),
        )
      : await decodePixels(absPath, edge, options, undefined);
  } catch (err) {
    // Disk errors (ENOSPC, EACCES on the cache) are the machine's fault, not the photo's: let them retry.
    if (err instanceof CorruptImageError || (err as NodeJS.ErrnoException).code) throw err;
    throw new CorruptImageError('damaged', `decode failed: ${reasonOf(err)}`);
  }
  const { data, info, sourceFormat, note } = decoded;
  const pixels = () =>
    sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  const thumb = () =>
    edge <= thumbEdge
      ? pixels()
      : pixels().resize({ width: thumbEdge, height: thumbEdge, fit: 'inside', withoutEnlargement: true });
  await Promise.all([
    options.proxyPath ? writeAtomically(pixels(), options.proxyPath, options.quality ?? 85) : undefined,
    options.thumbPath ? writeAtomically(thumb(), options.thumbPath, 80) : undefined,
  ]);
  const small = await pixels()
    .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    sourceFormat,
    ...(options.thumbPath
      ? { thumbShortEdge: thumbnailShortEdgeOf(info.width, info.height, thumbEdge) }
      : {}),
    dhash: await dhashOf(
      sharp(small.data, {
        raw: { width: small.info.width, height: small.info.height, channels: small.info.channels },
      }),
    ),
    note,
    light: lightOfPixels(small.data, small.info.channels),
  };
}

/** Decodes `absPath` and writes its proxy JPEG to `outPath`. */
export function writeProxy(absPath: string, outPath: string, options: ProxyOptions): Promise<DecodeInfo> {
  return decodePhoto(absPath, { ...options, proxyPath: outPath });
}

/** The shorter side of the thumbnail of a `width`×`height` picture: fitted inside `thumbEdge`, never enlarged. */
export function thumbnailShortEdgeOf(width: number, height: number, thumbEdge = THUMB_EDGE): number {
  return Math.round(Math.min(width, height) * Math.min(1, thumbEdge / Math.max(width, height)));
}

/** The shorter side of a stored thumbnail, from its header (photos loaded by an earlier run). */
export async function thumbnailShortEdge(thumbPath: string): Promise<number> {
  // pcc writes thumbnails already turned upright and without an orientation tag.
  const { width = 0, height = 0 } = await sharp(thumbPath).metadata();
  return Math.min(width, height);
}

/** Where a photo's review thumbnail lives (content addressed). */
export function thumbnailPathFor(dataDir: string, sha1: string): string {
  return path.join(dataDir, 'thumbnails', sha1.slice(0, 2), `${sha1}.jpg`);
}

/** Where a photo's proxy lives: content addressed, so duplicates and re-runs share it. */
export function proxyPathFor(dataDir: string, sha1: string, longEdge: number): string {
  return path.join(dataDir, 'proxies', String(longEdge), sha1.slice(0, 2), `${sha1}.jpg`);
}
