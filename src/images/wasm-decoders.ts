/**
 * Decoders for what libvips cannot read: HEIC (libheif) and JPEG XL (libjxl) compiled to wasm, and
 * TIFF variants libvips refuses through UTIF (utif2, pure JS: 16-bit, float, CMYK, fax, LogLuv…).
 * All are synchronous and can take seconds per photo, so the loader runs them in worker threads
 * (wasm-decode.worker.ts) to keep the event loop free for Temporal's heartbeats and workflow tasks.
 */
import fs from 'node:fs';
import path from 'node:path';

export type WasmKind = 'heic' | 'jxl' | 'tiff';

export interface RawPixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** The slice of the WebAssembly API used here (the TS lib for Node omits the namespace). */
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> };
type WasmModule = object;

type HeicDecode = (input: { buffer: Buffer }) => Promise<RawPixels>;

interface UtifPage {
  width: number;
  height: number;
}
interface Utif {
  decode(buffer: ArrayBuffer): UtifPage[];
  decodeImage(buffer: ArrayBuffer, page: UtifPage): void;
  toRGBA8(page: UtifPage): Uint8Array;
}

/** The first (largest, for multi-page files) image of a TIFF, as RGBA. */
function decodeTiff(bytes: Buffer): RawPixels {
  const utif = require('utif2') as Utif;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const pages = utif.decode(buffer);
  if (!pages.length) throw new Error('no image in the TIFF');
  for (const page of pages) utif.decodeImage(buffer, page);
  const page = pages.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  if (!page.width || !page.height) throw new Error('the TIFF has no decodable image data');
  return { data: utif.toRGBA8(page), width: page.width, height: page.height };
}
type JxlModule = {
  default: (buffer: ArrayBuffer) => Promise<RawPixels>;
  init: (module: WasmModule) => Promise<unknown>;
};

let jxlReady: Promise<JxlModule['default']> | undefined;
function jxlDecoder(): Promise<JxlModule['default']> {
  jxlReady ??= (async () => {
    // @jsquash/jxl is ESM only; a real import() keeps working from this CommonJS build.
    const mod = (await import('@jsquash/jxl/decode.js')) as unknown as JxlModule;
    const wasmPath = path.join(
      path.dirname(require.resolve('@jsquash/jxl/package.json')),
      'codec/dec/jxl_dec.wasm',
    );
    await mod.init(await WebAssembly.compile(fs.readFileSync(wasmPath)));
    return mod.default;
  })();
  return jxlReady;
}

export async function decodeWasm(absPath: string, kind: WasmKind): Promise<RawPixels> {
  const bytes = await fs.promises.readFile(absPath);
  if (kind === 'tiff') return decodeTiff(bytes);
  if (kind === 'heic') {
    const decode = require('heic-decode') as HeicDecode;
    return decode({ buffer: bytes });
  }
  const decode = await jxlDecoder();
  return decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}
