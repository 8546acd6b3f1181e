/**
 * Local caption models through transformers.js: vision encoder-decoders (vit-gpt2), Florence-2,
 * chat VLMs (SmolVLM, SmolVLM2, Qwen2-VL, Qwen2.5-VL) and Moondream2. One loaded model per model,
 * precision, device and prompt per process.
 *
 * A caption is two steps so a batch can overlap them: `prepare` reads the proxy and runs the
 * processor (sharp decodes and resizes on libuv threads), `generate` runs the ONNX sessions
 * (onnxruntime's own threads). The local backend prepares the next photo while the current one
 * generates, so preprocessing costs no inference time.
 */
import type * as Transformers from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import { configureLocalModels, cudaProviderInstalled, type EmbedderOptions } from './embedder';
import { knownModel, type CaptionFamily, type KnownModel } from './known-models';
import { DEFAULT_PROMPT } from '../backends/backend';
import { SAMPLE_PROBE_JPEG } from './probe-image';
import { cpuSessionOptions } from './session-options';

// Typings are ESM-flavoured; the package ships a CommonJS build for Node that require() loads.
const transformers = require('@huggingface/transformers') as typeof Transformers;

export class CaptionPromptError extends Error {
  override name = 'CaptionPromptError';
}

/** Florence-2's caption tasks by the names `--prompt` accepts. */
export const FLORENCE2_TASKS: Record<string, string> = {
  caption: '<CAPTION>',
  detailed: '<DETAILED_CAPTION>',
  'more-detailed': '<MORE_DETAILED_CAPTION>',
};

/** New tokens per caption: enough for the task, no more (generation time grows with it). */
const MAX_NEW_TOKENS: Record<string, number> = {
  '<CAPTION>': 40,
  '<DETAILED_CAPTION>': 96,
  '<MORE_DETAILED_CAPTION>': 160,
  'image-to-text': 40,
  chat: 96,
  moondream: 96,
};

/** Moondream2's SigLIP vision tower: one image feature per 14×14 patch (729 at 378²). */
const MOONDREAM_PATCH = 14;

/**
 * What a model is actually asked: Florence-2 takes one of its task tokens (the default prompt
 * means a detailed caption), chat VLMs and Moondream take the prompt as written, and
 * vision encoder-decoders take none. Throws before the first photo for a prompt a model cannot honour.
 */
export function resolveCaptionPrompt(model: KnownModel, prompt: string | undefined): string {
  const asked = prompt?.trim() || DEFAULT_PROMPT;
  const family: CaptionFamily = model.family ?? 'image-to-text';
  if (family === 'florence2') {
    if (asked === DEFAULT_PROMPT) return FLORENCE2_TASKS.detailed;
    const task =
      FLORENCE2_TASKS[asked.toLowerCase()] ??
      Object.values(FLORENCE2_TASKS).find((t) => t === asked.toUpperCase());
    if (!task)
      throw new CaptionPromptError(
        `${model.id} takes a task, not free text: --prompt ${Object.keys(FLORENCE2_TASKS).join(', ')} ` +
          `(or ${Object.values(FLORENCE2_TASKS).join(', ')})`,
      );
    return task;
  }
  if (family === 'image-to-text') {
    if (asked !== DEFAULT_PROMPT)
      throw new CaptionPromptError(
        `${model.id} takes no prompt (it captions the image alone); drop --prompt or pick a VLM from \`pcc models list\``,
      );
    return '';
  }
  return asked;
}

export interface CaptionerOptions extends EmbedderOptions {
  prompt?: string;
}

/** A photo read and preprocessed for one model: the tensors its generate() takes. */
export interface PreparedPhoto {
  inputs: Record<string, unknown>;
  /** [height, width] of the image the processor saw (Florence-2's post-processing wants it). */
  size: [number, number];
}

export interface Captioner {
  readonly id: string;
  /** The prompt or task actually given to the model ('' for none). */
  readonly prompt: string;
  prepare(imagePath: string): Promise<PreparedPhoto>;
  generate(photo: PreparedPhoto): Promise<string>;
  dispose(): Promise<void>;
}

type Processor = Transformers.Processor & {
  (...args: unknown[]): Promise<Record<string, unknown>>;
  apply_chat_template(messages: unknown[], options: Record<string, unknown>): string;
  batch_decode(ids: unknown, options: Record<string, unknown>): string[];
  post_process_generation?(text: string, task: string, size: [number, number]): Record<string, unknown>;
};
interface Generator {
  generate(inputs: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<unknown>;
}
interface TokenIds {
  dims: number[];
  slice(...ranges: Array<null | [number, number | null]>): TokenIds;
}

/** A model's words are data: no control characters, one line, trimmed. */
export function cleanCaption(text: string): string {
  return text
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

async function load(id: string, options: CaptionerOptions): Promise<Captioner> {
  const model = knownModel(id);
  if (!model) throw new Error(`unknown caption model "${id}"`);
  const family: CaptionFamily = model.family ?? 'image-to-text';
  const prompt = resolveCaptionPrompt(model, options.prompt);
  configureLocalModels(options.modelsDir);
  const device =
    options.device === 'cuda' || (options.device === 'auto' && cudaProviderInstalled()) ? 'cuda' : 'cpu';
  options.log?.(`execution provider: ${id} (${options.dtype}) on ${device === 'cuda' ? 'CUDA' : 'CPU'}`);
  const loadOptions = {
    dtype: options.dtype,
    device,
    ...(device === 'cpu' ? { session_options: cpuSessionOptions() as never } : {}),
  } as const;
  const processor = (await transformers.AutoProcessor.from_pretrained(id, {})) as unknown as Processor;
  const tokenizer =
    family === 'image-to-text' || family === 'moondream'
      ? ((await transformers.AutoTokenizer.from_pretrained(id)) as unknown as Processor)
      : processor;
  const net = (await (family === 'image-to-text'
    ? transformers.AutoModelForVision2Seq.from_pretrained(id, loadOptions)
    : transformers.AutoModelForImageTextToText.from_pretrained(id, loadOptions))) as unknown as Generator;
  const maxNewTokens = MAX_NEW_TOKENS[family === 'florence2' ? prompt : family];

  // The text half of the input is the same for every photo: build it once.
  let chatText = '';
  if (family === 'chat') {
    const messages = [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: prompt }] }];
    chatText = processor.apply_chat_template(messages, { add_generation_prompt: true }) as unknown as string;
  }
  // Moondream's prompt holds one <image> token per image feature (transformers.js 4 merges them one
  // to one and throws on a mismatch); the count follows the processed size, so tokenize per size.
  const moondreamTexts = new Map<string, Record<string, unknown>>();
  const moondreamText = (pixels: { dims: number[] }): Record<string, unknown> => {
    const [h = 0, w = 0] = pixels.dims.slice(-2);
    const features = Math.floor(h / MOONDREAM_PATCH) * Math.floor(w / MOONDREAM_PATCH);
    const key = String(features);
    let text = moondreamTexts.get(key);
    if (!text) {
      text = (tokenizer as unknown as (t: string) => Record<string, unknown>)(
        `${'<image>'.repeat(features)}\n\nQuestion: ${prompt}\n\nAnswer:`,
      );
      moondreamTexts.set(key, text);
    }
    return text;
  };

  return {
    id,
    prompt,
    async prepare(imagePath) {
      const image = await transformers.RawImage.read(imagePath);
      const size: [number, number] = [image.height, image.width];
      let inputs: Record<string, unknown>;
      if (family === 'florence2') inputs = await processor(image, prompt);
      else if (family === 'chat') inputs = await processor(chatText, [image]);
      else if (family === 'moondream') {
        const vision = await processor(image);
        inputs = { ...moondreamText(vision.pixel_values as { dims: number[] }), ...vision };
      } else inputs = { inputs: (await processor(image)).pixel_values };
      return { inputs, size };
    },
    async generate({ inputs, size }) {
      const ids = (await net.generate({
        ...inputs,
        max_new_tokens: maxNewTokens,
        do_sample: false,
        num_beams: 1,
      })) as TokenIds;
      if (family === 'florence2') {
        const raw = processor.batch_decode(ids, { skip_special_tokens: false })[0] ?? '';
        const answer = processor.post_process_generation?.(raw, prompt, size)?.[prompt];
        return cleanCaption(typeof answer === 'string' ? answer : raw.replace(/<\/?s>|<pad>/g, ''));
      }
      // Decoder-only VLMs echo the prompt: keep the new tokens only.
      const promptLength = (inputs.input_ids as TokenIds | undefined)?.dims.at(-1);
      const fresh = promptLength ? ids.slice(null, [promptLength, null]) : ids;
      return cleanCaption(tokenizer.batch_decode(fresh, { skip_special_tokens: true })[0] ?? '');
    },
    async dispose() {
      await net.dispose();
    },
  };
}

const captioners = new Map<string, Promise<Captioner>>();

/** One captioner per model, precision, device and prompt per process. */
export function loadCaptioner(id: string, options: CaptionerOptions): Promise<Captioner> {
  const key = `${options.modelsDir}|${id}|${options.dtype}|${options.device}|${options.prompt ?? ''}`;
  let c = captioners.get(key);
  if (!c) {
    c = load(id, options);
    captioners.set(key, c);
    c.catch(() => captioners.delete(key));
  }
  return c;
}

/** Drops (and frees) every captioner of this process; the next caption loads it again. */
export function dropCaptioners(): void {
  const all = [...captioners.values()];
  captioners.clear();
  for (const c of all) void c.then((x) => x.dispose()).catch(() => undefined);
}

/** Captions one photo start to finish (the bench's direct loop, `pcc models verify`, `pcc samples`). */
export async function captionFile(id: string, imagePath: string, options: CaptionerOptions): Promise<string> {
  const c = await loadCaptioner(id, options);
  return c.generate(await c.prepare(imagePath));
}

/** `pcc models verify`: one caption of the built-in probe image. */
export function captionProbe(id: string, options: CaptionerOptions): Promise<string> {
  return captionFile(id, SAMPLE_PROBE_JPEG(), options);
}
