import { readConfig } from '../config';
import type { CaptionBackend, CaptionContext, CaptionInput } from './backend';
import { dropCaptioners, loadCaptioner, resolveCaptionPrompt, type PreparedPhoto } from '../models/captioner';
import { modelsDir, requireModel } from '../models/model-store';
import type { DevicePreference } from '../models/embedder';
import { isDtype, type Dtype } from '../shared/dtype';
import { consoleLine } from '../logging/logger';

let captionsSinceLoad = 0;

/** --recycle-after: reload the models after N photos (slowly growing GPU memory). */
function countAndMaybeRecycle(): void {
  // Read when it applies: `pcc worker --recycle-after` sets it after start-up.
  const after = readConfig(process.env).tuning.recycleAfter;
  if (after && ++captionsSinceLoad >= after) {
    captionsSinceLoad = 0;
    dropCaptioners();
  }
}

function options(env: NodeJS.ProcessEnv, ctx?: Pick<CaptionContext, 'dtype' | 'prompt'>) {
  const workerDtype: Dtype = isDtype(env.PCC_DTYPE) ? env.PCC_DTYPE : 'fp32';
  return {
    modelsDir: modelsDir(readConfig(env), env),
    // The run's --dtype wins over the worker's PCC_DTYPE.
    dtype: ctx?.dtype ?? workerDtype,
    device: ((env.PCC_DEVICE as DevicePreference) || 'auto') as DevicePreference,
    prompt: ctx?.prompt,
    log: (m: string) => consoleLine('info', m),
  };
}

/** Photos being read and preprocessed ahead of their caption() call (a batch's next photo). */
const prepared = new Map<string, Promise<PreparedPhoto>>();
const keyOf = (input: CaptionInput, ctx: CaptionContext) =>
  `${ctx.model}|${ctx.dtype ?? ''}|${ctx.prompt}|${input.photoId}`;
const MAX_PREPARED = 4;

function prepareAhead(input: CaptionInput, ctx: CaptionContext): Promise<PreparedPhoto> {
  const key = keyOf(input, ctx);
  let p = prepared.get(key);
  if (!p) {
    const o = options(process.env, ctx);
    p = loadCaptioner(ctx.model, o).then((c) => c.prepare(input.proxyPath));
    p.catch(() => undefined); // reported by caption(), which awaits it
    prepared.set(key, p);
    // A cancelled batch leaves its look-ahead behind: keep only the newest few.
    for (const old of prepared.keys()) if (prepared.size > MAX_PREPARED) prepared.delete(old);
  }
  return p;
}

/**
 * Captions on this machine's GPU (or CPU) with an ONNX caption model in transformers.js layout under
 * PCC_MODELS_DIR: vision encoder-decoders (vit-gpt2), Florence-2, SmolVLM/SmolVLM2, Qwen2-VL,
 * Qwen2.5-VL and Moondream2 (`pcc models list`). Nothing leaves the machine; one model per worker
 * process; the next photo is preprocessed while the current one generates; model errors are
 * error_model for that photo.
 */
export const localBackend: CaptionBackend = {
  name: 'local',
  queue: 'gpu',
  defaultModel: 'Xenova/vit-gpt2-image-captioning',
  description:
    'local ONNX caption model or VLM through transformers.js (gpu queue; CUDA when available, else CPU)',
  readsPixels: true,
  granularity: 'batch',
  remote: false,
  checkConfig(): void {},
  async verify(env, o) {
    const model = o.model ?? localBackend.defaultModel;
    const known = requireModel(options(env).modelsDir, model, o.dtype ?? options(env).dtype);
    // A prompt the model cannot honour fails here, before the first photo.
    resolveCaptionPrompt(known, o.prompt);
  },
  prepare(input, ctx) {
    void prepareAhead(input, ctx);
  },
  async caption(input, ctx) {
    const o = options(process.env, ctx);
    try {
      requireModel(o.modelsDir, ctx.model, o.dtype);
      const captioner = await loadCaptioner(ctx.model, o);
      const photo = await prepareAhead(input, ctx);
      prepared.delete(keyOf(input, ctx));
      const text = await captioner.generate(photo);
      countAndMaybeRecycle();
      if (!text)
        return {
          photoId: input.photoId,
          status: 'error_model',
          reason: `${ctx.model} produced an empty caption`,
        };
      return { photoId: input.photoId, status: 'success', caption: text };
    } catch (err) {
      prepared.delete(keyOf(input, ctx));
      return {
        photoId: input.photoId,
        status: 'error_model',
        reason: `${ctx.model}: ${(err as Error).message.split('\n')[0]}`,
      };
    }
  },
};
