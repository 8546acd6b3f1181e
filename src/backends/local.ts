import { readConfig } from '../config';
import type { CaptionBackend } from './backend';
import { captionPipeline, dropCaptionPipelines } from '../models/captioner';
import { modelsDir, requireModel } from '../models/model-store';
import type { DevicePreference } from '../models/embedder';
import type { Dtype } from '../models/known-models';
import { consoleLine } from '../logging/logger';

let captionsSinceLoad = 0;

/** --recycle-after: reload the pipeline after N photos (slowly growing GPU memory). */
function countAndMaybeRecycle(): void {
  // Read when it applies: `pcc worker --recycle-after` sets it after start-up.
  const after = readConfig(process.env).tuning.recycleAfter;
  if (after && ++captionsSinceLoad >= after) {
    captionsSinceLoad = 0;
    dropCaptionPipelines();
  }
}

function options(env: NodeJS.ProcessEnv) {
  return {
    modelsDir: modelsDir(readConfig(env), env),
    dtype: ((env.PCC_DTYPE as Dtype) || 'fp32') as Dtype,
    device: ((env.PCC_DEVICE as DevicePreference) || 'auto') as DevicePreference,
    log: (m: string) => consoleLine('info', m),
  };
}

/**
 * Captions on this machine's GPU (or CPU) with an ONNX image-to-text model in transformers.js
 * layout under PCC_MODELS_DIR (vision-encoder-decoder models such as vit-gpt2: `pcc models list`). Nothing leaves
 * the machine; one pipeline per worker process; model errors are error_model for that photo.
 */
export const localBackend: CaptionBackend = {
  name: 'local',
  queue: 'gpu',
  defaultModel: 'Xenova/vit-gpt2-image-captioning',
  description: 'local ONNX caption model through transformers.js (gpu queue; CUDA when available, else CPU)',
  readsPixels: true,
  granularity: 'batch',
  remote: false,
  checkConfig(): void {},
  async verify(env, o) {
    const model = o.model ?? localBackend.defaultModel;
    requireModel(options(env).modelsDir, model, o.dtype ?? options(env).dtype);
  },
  async caption(input, ctx) {
    // The run's --dtype wins over the worker's PCC_DTYPE.
    const o = { ...options(process.env), ...(ctx.dtype ? { dtype: ctx.dtype } : {}) };
    try {
      requireModel(o.modelsDir, ctx.model, o.dtype);
      const pipe = await captionPipeline(ctx.model, o);
      const [result] = await pipe(input.proxyPath, { max_new_tokens: 40 });
      countAndMaybeRecycle();
      const text = result?.generated_text?.trim();
      if (!text)
        return {
          photoId: input.photoId,
          status: 'error_model',
          reason: `${ctx.model} produced an empty caption`,
        };
      return { photoId: input.photoId, status: 'success', caption: text };
    } catch (err) {
      return {
        photoId: input.photoId,
        status: 'error_model',
        reason: `${ctx.model}: ${(err as Error).message.split('\n')[0]}`,
      };
    }
  },
};
