import type * as Transformers from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import { configureLocalModels, cudaProviderInstalled, type EmbedderOptions } from './embedder';

// Typings are ESM-flavoured; the package ships a CommonJS build for Node that require() loads.
const transformers = require('@huggingface/transformers') as typeof Transformers;

type ImageToText = (
  image: string,
  options: { max_new_tokens: number },
) => Promise<Array<{ generated_text: string }>>;

const pipelines = new Map<string, Promise<ImageToText>>();

/** One image-to-text pipeline per model per process (transformers.js does preprocessing and generation). */
export function captionPipeline(id: string, options: EmbedderOptions): Promise<ImageToText> {
  const key = `${options.modelsDir}|${id}|${options.dtype}|${options.device}`;
  let p = pipelines.get(key);
  if (!p) {
    configureLocalModels(options.modelsDir);
    const device =
      options.device === 'cuda' || (options.device === 'auto' && cudaProviderInstalled()) ? 'cuda' : 'cpu';
    options.log?.(`execution provider: ${id} (${options.dtype}) on ${device === 'cuda' ? 'CUDA' : 'CPU'}`);
    p = transformers.pipeline('image-to-text', id, {
      dtype: options.dtype,
      device,
    }) as unknown as Promise<ImageToText>;
    pipelines.set(key, p);
    p.catch(() => pipelines.delete(key));
  }
  return p;
}

/** Drops (and frees) every caption pipeline of this process; the next caption loads it again. */
export function dropCaptionPipelines(): void {
  const all = [...pipelines.values()];
  pipelines.clear();
  for (const p of all)
    void p
      .then((pipe) => (pipe as unknown as { dispose?: () => Promise<void> }).dispose?.())
      .catch(() => undefined);
}
