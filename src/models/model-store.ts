/**
 * Where models live and how they get there. At run time models load only from
 * $PCC_MODELS_DIR/<id>/ (never a silent download); `pcc models pull` is the one door to the Hub.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PccConfig } from '../config';
import { dtypesOf, knownModel, requiredFiles, type Dtype, type KnownModel } from './known-models';

export class ModelMissingError extends Error {
  override name = 'ModelMissingError';
}

export function modelsDir(config: PccConfig, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.PCC_MODELS_DIR || path.join(config.dataDir, 'models'));
}

export function isOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PCC_OFFLINE === '1' || env.HF_HUB_OFFLINE === '1';
}

export function modelFolder(dir: string, id: string): string {
  return path.join(dir, ...id.split('/'));
}

/**
 * The first line of the README that src/stand-ins writes into a stand-in's folder: random weights
 * in a real model's layout, which load and generate like the real model but mean nothing.
 */
export const STAND_IN_TITLE = '# Stand-in model — NOT a real model';

/** Is the model folder one of the tests' stand-ins (random weights) rather than a real download? */
export function isStandIn(folder: string): boolean {
  try {
    return fs.readFileSync(path.join(folder, 'README.md'), 'utf8').startsWith(STAND_IN_TITLE);
  } catch {
    return false;
  }
}

/** Files a model folder still lacks for a precision (empty = ready). */
export function missingFiles(dir: string, model: KnownModel, dtype: Dtype): string[] {
  const folder = modelFolder(dir, model.id);
  return requiredFiles(model, dtype).filter((f) => !fs.existsSync(path.join(folder, f)));
}

/** Throws an actionable error naming the folder when a model is not there; touches no network. */
export function requireModel(dir: string, id: string, dtype: Dtype): KnownModel {
  const model = knownModel(id);
  if (!model)
    throw new ModelMissingError(`unknown model "${id}"; \`pcc models list\` shows the supported ones`);
  requirePublished(model, dtype);
  const missing = missingFiles(dir, model, dtype);
  if (missing.length) {
    throw new ModelMissingError(
      `model ${id} (${dtype}) is not in ${modelFolder(dir, id)}: missing ${missing.join(', ')}. ` +
        `Run \`pcc models pull ${id} --dtype ${dtype}\` on a machine with internet, or copy the model folder there ` +
        '(PCC_MODELS_DIR sets the models folder).',
    );
  }
  return model;
}

/** Throws when a model does not come in a precision (e.g. Qwen2-VL has no fp32 export). */
export function requirePublished(model: KnownModel, dtype: Dtype): void {
  if (model.sizeMb[dtype] === undefined)
    throw new ModelMissingError(
      `${model.id} is not published in ${dtype}; it comes in ${dtypesOf(model).join(', ')} (--dtype)`,
    );
}

interface HubFile {
  rfilename: string;
  size?: number;
  lfs?: { sha256: string; size: number };
}

export interface PullProgress {
  file: string;
  received: number;
  total: number;
}

/**
 * Downloads a model's files for a precision from the Hugging Face Hub (HF_ENDPOINT for a mirror),
 * checking each file's size and, for LFS files, its SHA-256. Files already present and correct are
 * kept. Writes to `<file>.part`, then renames: an interrupted pull never leaves a broken model.
 */
export async function pullModel(
  dir: string,
  id: string,
  dtype: Dtype,
  onProgress: (p: PullProgress) => void = () => undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  if (isOffline(env))
    throw new ModelMissingError(
      `offline (PCC_OFFLINE=1): cannot pull ${id}; copy it into ${modelFolder(dir, id)}`,
    );
  const model = knownModel(id);
  if (!model)
    throw new ModelMissingError(`unknown model "${id}"; \`pcc models list\` shows the supported ones`);
  requirePublished(model, dtype);
  const endpoint = (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/$/, '');
  const headers: Record<string, string> = env.HF_TOKEN ? { authorization: `Bearer ${env.HF_TOKEN}` } : {};
  const info = await fetch(`${endpoint}/api/models/${id}?blobs=true`, { headers });
  if (!info.ok) throw new Error(`the Hub answered ${info.status} for ${id} (${endpoint})`);
  const siblings = ((await info.json()) as { siblings?: HubFile[] }).siblings ?? [];
  const folder = modelFolder(dir, id);
  const written: string[] = [];
  for (const file of requiredFiles(model, dtype)) {
    const meta = siblings.find((s) => s.rfilename === file);
    if (!meta) throw new Error(`${id} on the Hub has no ${file}`);
    const target = path.join(folder, file);
    const size = meta.lfs?.size ?? meta.size;
    if (fs.existsSync(target) && (size === undefined || fs.statSync(target).size === size)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const res = await fetch(`${endpoint}/${id}/resolve/main/${file}`, { headers });
    if (!res.ok || !res.body) throw new Error(`download of ${id}/${file} failed: HTTP ${res.status}`);
    const total = Number(res.headers.get('content-length')) || size || 0;
    const part = `${target}.part`;
    const out = fs.createWriteStream(part);
    const hash = crypto.createHash('sha256');
    let received = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      out.write(chunk);
      hash.update(chunk);
      received += chunk.length;
      onProgress({ file, received, total });
    }
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    if (size !== undefined && received !== size) {
      fs.rmSync(part, { force: true });
      throw new Error(`${id}/${file}: got ${received} bytes, the Hub lists ${size}`);
    }
    if (meta.lfs?.sha256 && hash.digest('hex') !== meta.lfs.sha256) {
      fs.rmSync(part, { force: true });
      throw new Error(`${id}/${file}: SHA-256 does not match the Hub's`);
    }
    fs.renameSync(part, target);
    written.push(file);
  }
  return written;
}
