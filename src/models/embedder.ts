/**
 * Image, text and caption-text embeddings in-process through @huggingface/transformers on
 * onnxruntime-node (tokenizers and sessions are theirs; image preprocessing is one sharp pipeline,
 * image-preprocess.ts, wherever the model's config allows). One session per model per process,
 * kept warm; recycle() drops them (the cure for slowly growing GPU memory, --recycle-after).
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as Transformers from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import Piscina from 'piscina';
import type { Dtype } from './known-models';
import { pixelPlan, preprocessInto, type PixelPlan } from './image-preprocess';
import { modelFolder } from './model-store';
import { cpuSessionOptions } from './session-options';

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
            : (cpuSessionOptions() as never),
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
const plans = new Map<string, PixelPlan | undefined>();

/** The sharp preprocessing plan of an image model (read once), or undefined: transformers.js's processor. */
function pixelPlanOf(modelsDir: string, id: string): PixelPlan | undefined {
  const key = `${modelsDir}|${id}`;
  if (!plans.has(key)) plans.set(key, pixelPlan(modelFolder(modelsDir, id)));
  return plans.get(key);
}

/** A batch of preprocessed images: planar float32, [n, 3, height, width]. */
export interface PixelBatch {
  data: Float32Array;
  dims: number[];
}

/**
 * Runs the vision tower on a preprocessed batch in this thread: the inference thread's work
 * (inference.worker.ts), or the caller's own where no compiled worker exists (tests from source).
 */
export async function runVisionBatch(
  id: string,
  pixels: PixelBatch,
  options: EmbedderOptions,
): Promise<Float32Array[]> {
  const { loaded } = await load('vision', id, options);
  const result = (await loaded.model({
    pixel_values: new transformers.Tensor('float32', pixels.data, pixels.dims),
  })) as { image_embeds: { data: ArrayLike<number>; dims: number[] } };
  return rows(result.image_embeds);
}

let inferencePool: Piscina | undefined;

/**
 * The inference thread: one worker thread per process holding the image model's session.
 * onnxruntime-node's run() is synchronous underneath (microsoft/onnxruntime#26968): on the main
 * thread it blocks the event loop for the whole inference, so the io stage, catalog writes and
 * Temporal's activity dispatch of the same process wait for the model, and the model for them.
 * Off the main thread they overlap. PCC_INFERENCE_THREAD=0 keeps inference on the main thread.
 */
function inferenceThread(): Piscina | undefined {
  const file = path.join(__dirname, 'inference.worker.js');
  if (process.env.PCC_INFERENCE_THREAD === '0' || !fs.existsSync(file)) return undefined;
  inferencePool ??= new Piscina({
    filename: file,
    minThreads: 1,
    maxThreads: 1,
    // Kept warm across batches; an idle worker process frees the model after a while.
    idleTimeout: 10 * 60_000,
  });
  return inferencePool;
}

async function visionOnInferenceThread(
  id: string,
  pixels: PixelBatch,
  options: EmbedderOptions,
): Promise<Float32Array[]> {
  const pool = inferenceThread();
  if (!pool) return runVisionBatch(id, pixels, options);
  // Only data crosses to the thread (no callbacks): its log lines come back as notes.
  const { modelsDir, dtype, device, cudaDeviceId } = options;
  const result = (await pool.run(
    {
      op: 'vision',
      id,
      options: { modelsDir, dtype, device, cudaDeviceId },
      data: pixels.data,
      dims: pixels.dims,
    },
    { transferList: [pixels.data.buffer as ArrayBuffer] },
  )) as { rows: Float32Array[]; notes: string[] };
  for (const note of result.notes) options.log?.(note);
  return result.rows;
}

/** Image embeddings (L2-normalised) for image files, in inference batches of `batchSize`. */
export async function embedImages(
  id: string,
  files: string[],
  options: EmbedderOptions & { batchSize: number; onBatch?: (done: number) => void },
): Promise<Float32Array[]> {
  const plan = pixelPlanOf(options.modelsDir, id);
  const out: Float32Array[] = [];
  // Batch i+1 is read and preprocessed (sharp on libuv threads; only normalisation here) while
  // batch i runs on the inference thread: preprocessing costs no inference time.
  const prepare = async (from: number, to: number): Promise<PixelBatch> => {
    const batch = files.slice(from, to);
    if (plan) {
      const size = 3 * plan.height * plan.width;
      const data = new Float32Array(batch.length * size);
      await Promise.all(batch.map((f, j) => preprocessInto(f, plan, data, j * size)));
      return { data, dims: [batch.length, 3, plan.height, plan.width] };
    }
    const processor = await cached(processors, options.modelsDir, id, () =>
      transformers.AutoProcessor.from_pretrained(id),
    );
    const { pixel_values } = (await processor(
      await Promise.all(batch.map((f) => transformers.RawImage.read(f))),
    )) as { pixel_values: { data: Float32Array; dims: number[] } };
    return { data: Float32Array.from(pixel_values.data), dims: pixel_values.dims };
  };
  const starts = chunkStarts(files.length, options.batchSize);
  let next = starts.length ? prepare(starts[0], starts[1] ?? files.length) : undefined;
  for (let k = 0; k < starts.length; k++) {
    const pixels = await next!;
    next = k + 1 < starts.length ? prepare(starts[k + 1], starts[k + 2] ?? files.length) : undefined;
    next?.catch(() => undefined); // surfaces at its own await
    out.push(...(await visionOnInferenceThread(id, pixels, options)));
    options.onBatch?.(out.length);
  }
  return out;
}

/**
 * Where each inference batch starts. The first is a quarter of the others: nothing runs beside its
 * preprocessing (every later batch is preprocessed while the one before it runs), so a small
 * first batch gets the model going sooner in each activity.
 */
export function chunkStarts(count: number, batchSize: number): number[] {
  const starts: number[] = [];
  const first = Math.min(count, Math.max(1, Math.ceil(batchSize / 4)));
  for (let i = 0; i < count; i = i === 0 ? first : i + batchSize) starts.push(i);
  return starts;
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

/** Drops every session this process holds, the inference thread's too (recreated on next use). */
export async function recycleSessions(): Promise<void> {
  await inferencePool?.run({ op: 'recycle' });
  const all = [...sessions.values()];
  sessions.clear();
  for (const s of all) await (await s.catch(() => undefined))?.loaded.release();
}
