/**
 * The image loader: the one place that turns a file of any supported format into pixels.
 * It validates by decoding fully (a header that parses proves nothing), applies orientation and
 * writes a small metadata-free JPEG proxy that every compute stage reads instead of the original.
 *
 * sharp's prebuilt libvips decodes JPEG, PNG, WebP, GIF, TIFF, AVIF and DNG previews but neither
 * HEIC (no HEVC decoder) nor JPEG XL, so those two go through wasm decoders first.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import Piscina from 'piscina';
import sharp from 'sharp';
import { decodeWasm, type RawPixels, type WasmKind } from './wasm-decoders';

export class CorruptImageError extends Error {
  override name = 'CorruptImageError';
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

/** 268 MP: refuses decompression bombs before allocating their pixels. */
const MAX_INPUT_PIXELS = 0x3fff * 0x3fff;

// Many photos in flight, few libvips threads each: on a 2-core machine this beats one photo with
// many threads (measured in FINDINGS.md), and the operation cache only costs memory when every
// file is read once.
sharp.concurrency(Number(process.env.PCC_SHARP_THREADS) || 1);
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
      Number(process.env.PCC_WASM_DECODE_THREADS) || Math.min(2, os.availableParallelism()),
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
    throw new CorruptImageError(`${kind.toUpperCase()} decode failed: ${reasonOf(err)}`);
  }
  if (pixels.width * pixels.height > MAX_INPUT_PIXELS) {
    throw new CorruptImageError(`image exceeds the pixel limit (${pixels.width}×${pixels.height})`);
  }
  return sharp(Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength), {
    raw: { width: pixels.width, height: pixels.height, channels: 4 },
  });
}

/** Opens any supported photo as an auto-oriented sharp pipeline, or throws CorruptImageError. */
async function openOriented(absPath: string): Promise<{ image: sharp.Sharp; sourceFormat: string }> {
  const options: sharp.SharpOptions = { failOn: 'warning', limitInputPixels: MAX_INPUT_PIXELS };
  let meta: sharp.Metadata;
  try {
    meta = await sharp(absPath, options).metadata();
  } catch (err) {
    const handle = await fs.promises.open(absPath, 'r');
    const head = Buffer.alloc(12);
    try {
      await handle.read(head, 0, 12, 0);
    } finally {
      await handle.close();
    }
    if (isJxl(head)) return { image: await decodeWithWasm(absPath, 'jxl'), sourceFormat: 'jxl' };
    throw new CorruptImageError(`not a decodable image: ${reasonOf(err)}`);
  }
  if (meta.format === 'heif' && meta.compression === 'hevc') {
    // HEIF orientation lives in the file's own irot/imir boxes, which the decoder applies.
    return { image: await decodeWithWasm(absPath, 'heic'), sourceFormat: 'heic' };
  }
  return { image: sharp(absPath, options).autoOrient(), sourceFormat: meta.format ?? 'unknown' };
}

/**
 * Decodes `absPath` completely and writes a proxy JPEG to `outPath` (atomically, via a temp file).
 * sharp's JPEG output carries no EXIF, GPS, XMP or IPTC unless asked to keep them.
 */
export async function writeProxy(
  absPath: string,
  outPath: string,
  options: ProxyOptions,
): Promise<ProxyInfo> {
  const { image, sourceFormat } = await openOriented(absPath);
  await fs.promises.mkdir(path.dirname(outPath), { recursive: true });
  const tmp = `${outPath}.${process.pid}.tmp`;
  try {
    const info = await image
      .resize({ width: options.longEdge, height: options.longEdge, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .jpeg({ quality: options.quality ?? 85 })
      .toFile(tmp);
    await fs.promises.rename(tmp, outPath);
    return { width: info.width, height: info.height, sourceFormat };
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    // Disk errors (ENOSPC, EACCES on the cache) are the machine's fault, not the photo's: let them retry.
    if (err instanceof CorruptImageError || (err as NodeJS.ErrnoException).code) throw err;
    throw new CorruptImageError(`decode failed: ${reasonOf(err)}`);
  }
}

/**
 * Decodes `absPath` completely (at proxy size, like writeProxy) without writing anything: the check
 * for runs whose stages never read pixels (dry runs, the mock backend).
 */
export async function validateImage(absPath: string, options: ProxyOptions): Promise<ProxyInfo> {
  const { image, sourceFormat } = await openOriented(absPath);
  try {
    const { info } = await image
      .resize({ width: options.longEdge, height: options.longEdge, fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, sourceFormat };
  } catch (err) {
    if (err instanceof CorruptImageError || (err as NodeJS.ErrnoException).code) throw err;
    throw new CorruptImageError(`decode failed: ${reasonOf(err)}`);
  }
}

/** Where a photo's proxy lives: content addressed, so duplicates and re-runs share it. */
export function proxyPathFor(dataDir: string, sha1: string, longEdge: number): string {
  return path.join(dataDir, 'proxies', String(longEdge), sha1.slice(0, 2), `${sha1}.jpg`);
}
