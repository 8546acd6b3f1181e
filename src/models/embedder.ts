/**
 * Image, text and caption-text embeddings in-process through @huggingface/transformers on
 * onnxruntime-node (tokenizers, image preprocessing and sessions are theirs, not ours). One
 * session per model per process, kept warm; recycle() drops them (the cure for slowly growing
 * GPU memory, --recycle-after).
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as Transformers from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import type { Dtype } from './known-models';

// Typings are ESM-flavoured; the package ships a CommonJS build for Node that require() loads.
const transformers = require('@huggingface/transformers') as typeof Transformers;

export type DevicePreference = 'auto' | 'cpu' | 'cuda';

export interface EmbedderOptions {
  modelsDir: string;
  dtype: Dtype;
  device: DevicePreference;
  cudaDeviceId?: number;
  log?: (message: string) => void;
}

type PreTrainedModel = Transformers.PreTrainedModel;

interface Loaded {
  model: PreTrainedModel;
  release(): Promise<void>;
}

/**
 * CUDA is possible only when onnxruntime-node's GPU provider library was installed (its optional
 * download, skipped on machines without a GPU): without it 'auto' goes straight to the CPU.
 */
export function cudaProviderInstalled(): boolean {
  try {
    const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
    return fs.existsSync(
      path.join(root, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'),
    );
  } catch {
    return false;
  }
}

/** Models load only from the local folder: no download ever happens during a run. */
export function configureLocalModels(modelsDir: string): void {
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = `${modelsDir.replace(/\/$/, '')}/`;
}

const sessions = new Map<string, Promise<{ loaded: Loaded; device: string }>>();
const announced = new Set<string>();

async function load(
  kind: 'vision' | 'text' | 'sentence',
  id: string,
  options: EmbedderOptions,
): Promise<{ loaded: Loaded; device: string }> {
  configureLocalModels(options.modelsDir);
  const key = `${options.modelsDir}|${kind}|${id}|${options.dtype}|${options.device}`;
  const existing = sessions.get(key);
  if (existing) return existing;
  const entry = (async () => {
    const cls =
      kind === 'vision'
        ? transformers.CLIPVisionModelWithProjection
        : kind === 'text'
          ? transformers.CLIPTextModelWithProjection
          : transformers.AutoModel;
    const tryDevice = async (device: 'cuda' | 'cpu') => {
      const model = await cls.from_pretrained(id, {
        dtype: options.dtype,
        device,
        session_options:
          device === 'cuda'
            ? { executionProviders: [{ name: 'cuda', deviceId: options.cudaDeviceId ?? 0 } as never] }
            : undefined,
      });
      return { loaded: { model, release: async () => void (await model.dispose()) }, device };
    };
    let result;
    if (options.device === 'cpu' || (options.device === 'auto' && !cudaProviderInstalled()))
      result = await tryDevice('cpu');
    else {
      try {
        result = await tryDevice('cuda');
      } catch (err) {
        if (options.device === 'cuda') throw err;
        result = await tryDevice('cpu');
      }
    }
    const note = `${id} (${options.dtype}) on ${result.device === 'cuda' ? `CUDA device ${options.cudaDeviceId ?? 0}` : 'CPU'}`;
    if (!announced.has(note)) {
      announced.add(note);
      options.log?.(`execution provider: ${note}`);
    }
    return result;
  })();
  sessions.set(key, entry);
  entry.catch(() => sessions.delete(key));
  return entry;
}

function rows(tensor: { data: ArrayLike<number>; dims: number[] }): Float32Array[] {
  const [n, d] = tensor.dims;
  const data = Float32Array.from(tensor.data as ArrayLike<number>);
  return Array.from({ length: n }, (_, i) => normalize(data.subarray(i * d, (i + 1) * d)));
}

export function normalize(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return Float32Array.from(v, (x) => x / norm);
}

const processors = new Map<string, Promise<Transformers.Processor>>();
const tokenizers = new Map<string, Promise<Transformers.PreTrainedTokenizer>>();

/** Image embeddings (L2-normalised) for image files, in inference batches of `batchSize`. */
export async function embedImages(
  id: string,
  files: string[],
  options: EmbedderOptions & { batchSize: number; onBatch?: (done: number) => void },
): Promise<Float32Array[]> {
  const { loaded } = await load('vision', id, options);
  const processor = await cached(processors, options.modelsDir, id, () =>
    transformers.AutoProcessor.from_pretrained(id),
  );
  const out: Float32Array[] = [];
  // Batch i+1 is read and preprocessed (sharp on libuv threads, normalisation here) while batch i
  // runs on onnxruntime's threads: preprocessing costs no inference time.
  const prepare = async (i: number) =>
    processor(
      await Promise.all(files.slice(i, i + options.batchSize).map((f) => transformers.RawImage.read(f))),
    );
  let next = files.length ? prepare(0) : undefined;
  for (let i = 0; i < files.length; i += options.batchSize) {
    const inputs = await next!;
    next = i + options.batchSize < files.length ? prepare(i + options.batchSize) : undefined;
    next?.catch(() => undefined); // surfaces at its own await
    const result = (await loaded.model(inputs)) as {
      image_embeds: { data: ArrayLike<number>; dims: number[] };
    };
    out.push(...rows(result.image_embeds));
    options.onBatch?.(out.length);
  }
  return out;
}

/** Processors and tokenizers are cached per models folder and id, like sessions. */
function cached<T>(
  map: Map<string, Promise<T>>,
  modelsDir: string,
  id: string,
  make: () => Promise<T>,
): Promise<T> {
  const key = `${modelsDir}|${id}`;
  let value = map.get(key);
  if (!value) {
    configureLocalModels(modelsDir);
    value = make();
    map.set(key, value);
    value.catch(() => map.delete(key));
  }
  return value;
}

function tokenizer(id: string, modelsDir: string) {
  return cached(tokenizers, modelsDir, id, () => transformers.AutoTokenizer.from_pretrained(id));
}

/** Text embeddings through a CLIP-family text tower (zero-shot labels). */
export async function embedTextsClip(
  id: string,
  texts: string[],
  options: EmbedderOptions,
): Promise<Float32Array[]> {
  const { loaded } = await load('text', id, options);
  const inputs = (await tokenizer(id, options.modelsDir))(texts, { padding: true, truncation: true });
  const result = (await loaded.model(inputs)) as { text_embeds: { data: ArrayLike<number>; dims: number[] } };
  return rows(result.text_embeds);
}

/** Sentence embeddings (mean pooling over tokens, normalised) for caption text. */
export async function embedSentences(
  id: string,
  texts: string[],
  options: EmbedderOptions,
): Promise<Float32Array[]> {
  if (!texts.length) return [];
  const { loaded } = await load('sentence', id, options);
  const inputs = (await tokenizer(id, options.modelsDir))(texts, { padding: true, truncation: true }) as {
    attention_mask: { data: ArrayLike<number | bigint>; dims: number[] };
  };
  const result = (await loaded.model(inputs)) as {
    last_hidden_state: { data: ArrayLike<number>; dims: number[] };
  };
  const [n, s, d] = result.last_hidden_state.dims;
  const hidden = result.last_hidden_state.data;
  const mask = inputs.attention_mask.data;
  return Array.from({ length: n }, (_, i) => {
    const v = new Float32Array(d);
    let count = 0;
    for (let t = 0; t < s; t++) {
      if (!Number(mask[i * s + t])) continue;
      count++;
      for (let k = 0; k < d; k++) v[k] += Number(hidden[(i * s + t) * d + k]);
    }
    return normalize(v.map((x) => x / Math.max(1, count)));
  });
}

/** Drops every session this process holds (recreated on next use). */
export async function recycleSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  for (const s of all) await (await s.catch(() => undefined))?.loaded.release();
}
