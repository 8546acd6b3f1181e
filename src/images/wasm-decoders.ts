/**
 * HEIC (libheif) and JPEG XL (libjxl) decoders compiled to wasm. Both are synchronous and take
 * 0.5–5 s per photo, so the loader runs them in worker threads (wasm-decode.worker.ts) to keep the
 * event loop free for Temporal's heartbeats and workflow tasks.
 */
import fs from 'node:fs';
import path from 'node:path';

export type WasmKind = 'heic' | 'jxl';

export interface RawPixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** The slice of the WebAssembly API used here (the TS lib for Node omits the namespace). */
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> };
type WasmModule = object;

type HeicDecode = (input: { buffer: Buffer }) => Promise<RawPixels>;
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
  if (kind === 'heic') {
    const decode = require('heic-decode') as HeicDecode;
    return decode({ buffer: bytes });
  }
  const decode = await jxlDecoder();
  return decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}
