// Runs in a piscina worker thread: decodes one HEIC/JXL file and returns its RGBA pixels.
import { decodeWasm, type WasmKind } from './wasm-decoders';

export default async function decode(task: { absPath: string; kind: WasmKind }) {
  const pixels = await decodeWasm(task.absPath, task.kind);
  // A plain copy: the decoders' buffers may live in wasm memory, which cannot be transferred.
  return { data: new Uint8Array(pixels.data), width: pixels.width, height: pixels.height };
}
