/**
 * `pcc samples`: what each caption backend writes for the same few photos, side by side with its
 * time per photo and cost per 1,000, so a user can choose before a 44k-photo run. Backends that
 * cannot run here (no key, no model, no server) are listed with the reason instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readConfig } from '../config';
import type { CaptionBackend, CaptionContext, CaptionInput } from '../backends/backend';
import { AuthApiError } from '../backends/api-errors';
import { costOf, costPerThousand, pricing } from '../backends/pricing';
import { writeProxy } from '../images/loader';
import { dropCaptioners } from '../models/captioner';
import { KNOWN_MODELS, dtypesOf, type Dtype, type KnownModel } from '../models/known-models';
import { isStandIn, missingFiles, modelFolder, modelsDir } from '../models/model-store';
import { isDtype } from '../shared/dtype';
import { mdCode, mdText } from '../reports/markdown';

export interface SamplePhoto {
  /** What the photo stands for (landscape, group of people, …). */
  kind: string;
  absPath: string;
  /** How the report names it (relative to the sample folder, or the file name). */
  label: string;
}

/**
 * The representative five, from the sample set (../shared/photos/library, public domain immich
 * test assets). The set holds no plate of food: a glass of beer stands in for food and drink.
 */
export const SAMPLE_SET: readonly { kind: string; relPath: string }[] = [
  { kind: 'landscape', relPath: 'immich/metadata/gps-position/thompson-springs.jpg' },
  { kind: 'group of people', relPath: 'immich/metadata/faces/portrait.jpg' },
  { kind: 'food and drink', relPath: 'immich/albums/text/craft-beer.jpg' },
  { kind: 'document', relPath: 'immich/albums/text/handwritten-notes.jpg' },
  { kind: 'pet', relPath: 'immich/metadata/gps-position/empty_gps.jpg' },
];

/** The sample set's photos under `dir`; throws naming the first one that is not there. */
export function sampleSetPhotos(dir: string): SamplePhoto[] {
  return SAMPLE_SET.map(({ kind, relPath }) => {
    const absPath = path.join(dir, relPath);
    if (!fs.existsSync(absPath)) throw new SampleSetMissingError(`the sample photo ${absPath} is not there`);
    return { kind, absPath, label: relPath };
  });
}

export class SampleSetMissingError extends Error {
  override name = 'SampleSetMissingError';
}

/** One backend and model to try. */
export interface SampleTarget {
  backend: CaptionBackend;
  model: string;
  dtype?: Dtype;
  /** A tests' stand-in (random weights): captioned only when asked, and labelled so. */
  standIn?: boolean;
}

export interface SampleCaption {
  photo: SamplePhoto;
  text?: string;
  /** Why there is no caption (the outcome's status and reason, or the error). */
  error?: string;
  seconds: number;
}

export type BackendSamples =
  | {
      available: true;
      backend: string;
      /** What the backend is (its registry description). */
      description: string;
      model: string;
      dtype?: Dtype;
      standIn?: boolean;
      captions: SampleCaption[];
      /** Seconds per captioned photo (mean, model load excluded). */
      secondsPerPhoto: number;
      /** Model load and first-call warm-up (local models), not in secondsPerPhoto. */
      warmUpSeconds?: number;
      /** USD per 1,000 photos: 0 on this machine; undefined without a price. */
      costPerThousand?: number;
      costBasis: 'free' | 'measured' | 'estimated' | 'unpriced';
    }
  | { available: false; backend: string; model?: string; reason: string };

export interface SamplesReport {
  generatedAt: string;
  machine: string;
  prompt: string;
  maxEdge: number;
  photos: SamplePhoto[];
  backends: BackendSamples[];
  priceAsOf: string;
}

export interface SamplesOptions {
  photos: SamplePhoto[];
  targets: readonly (SampleTarget | { unavailable: string; backend: string; model?: string })[];
  prompt: string;
  maxEdge: number;
  requestTimeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** Scratch folder for the proxies (removed by the caller). */
  workDir: string;
  onProgress?: (line: string) => void;
}

/**
 * Local caption models installed in the models folder, each at its first installed precision (or
 * PCC_DTYPE). Stand-ins are listed as not real unless `includeStandIns` (plumbing checks).
 */
export function localTargets(
  backend: CaptionBackend,
  env: NodeJS.ProcessEnv,
  only?: string,
  includeStandIns = false,
): (SampleTarget | { unavailable: string; backend: string; model?: string })[] {
  const dir = modelsDir(readConfig(env), env);
  const preferred = isDtype(env.PCC_DTYPE) ? env.PCC_DTYPE : undefined;
  const captioners = KNOWN_MODELS.filter((m) => m.task === 'caption' && (!only || m.id === only));
  const found: ReturnType<typeof localTargets> = [];
  for (const model of captioners) {
    const dtype = installedDtype(dir, model, preferred);
    if (!dtype) {
      if (only)
        found.push({
          backend: backend.name,
          model: model.id,
          unavailable: `${model.id} is not installed: pcc models pull ${model.id}`,
        });
      continue;
    }
    const standIn = isStandIn(modelFolder(dir, model.id));
    if (standIn && includeStandIns) found.push({ backend, model: model.id, dtype, standIn });
    else if (standIn)
      found.push({
        backend: backend.name,
        model: model.id,
        unavailable: 'a stand-in with random weights (built by the tests), not a real model',
      });
    else found.push({ backend, model: model.id, dtype });
  }
  if (!found.length)
    found.push({
      backend: backend.name,
      unavailable: only
        ? `unknown local caption model "${only}" (see pcc models list)`
        : 'no local caption model is installed (see pcc models list; e.g. pcc models pull onnx-community/Florence-2-base-ft --dtype q4)',
    });
  return found;
}

function installedDtype(dir: string, model: KnownModel, preferred?: Dtype): Dtype | undefined {
  const order = dtypesOf(model);
  if (preferred && order.includes(preferred)) order.unshift(preferred);
  return order.find((d) => missingFiles(dir, model, d).length === 0);
}

/** Why a remote or mock backend cannot run here, or undefined when it can (key checked, no photo sent). */
export async function whyUnavailable(
  target: SampleTarget,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<string | undefined> {
  try {
    target.backend.checkConfig(env);
    await target.backend.verify?.(env, { timeoutMs, model: target.model, dtype: target.dtype });
    return undefined;
  } catch (err) {
    return firstLine(err);
  }
}

const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0];

export async function captionSamples(options: SamplesOptions): Promise<SamplesReport> {
  const { photos, env } = options;
  const proxies = await Promise.all(
    photos.map(async (photo, i) => {
      const proxyPath = path.join(options.workDir, `${i}.jpg`);
      await writeProxy(photo.absPath, proxyPath, { longEdge: options.maxEdge });
      return proxyPath;
    }),
  );
  const inputs: CaptionInput[] = photos.map((photo, i) => ({
    photoId: i + 1,
    sha1: `sample${i}`.padEnd(40, '0'),
    relPath: photo.label,
    proxyPath: proxies[i],
  }));
  const backends: BackendSamples[] = [];
  for (const target of options.targets) {
    if ('unavailable' in target) {
      backends.push({
        available: false,
        backend: target.backend,
        model: target.model,
        reason: target.unavailable,
      });
      continue;
    }
    const name = target.backend.name;
    const reason = await whyUnavailable(target, env, Math.min(options.requestTimeoutMs, 15_000));
    if (reason) {
      backends.push({ available: false, backend: name, model: target.model, reason });
      continue;
    }
    options.onProgress?.(
      `${name} / ${target.model}: captioning ${photos.length} photos` +
        (target.backend.remote ? ` (sent resized to ${options.maxEdge} px, without metadata)` : ''),
    );
    backends.push(await sampleOne(target, inputs, photos, options));
    if (target.backend.name === 'local') dropCaptioners();
  }
  return {
    generatedAt: new Date().toISOString(),
    machine: machineLine(),
    prompt: options.prompt,
    maxEdge: options.maxEdge,
    photos,
    backends,
    priceAsOf: pricing().asOf,
  };
}

async function sampleOne(
  target: SampleTarget,
  inputs: CaptionInput[],
  photos: SamplePhoto[],
  options: SamplesOptions,
): Promise<BackendSamples> {
  const { backend, model } = target;
  const ctx: CaptionContext = {
    runId: 'samples',
    signal: new AbortController().signal,
    model,
    prompt: options.prompt,
    mockErrorRate: 0,
    mockLatencyMs: 0,
    maxEdge: options.maxEdge,
    requestTimeoutMs: options.requestTimeoutMs,
    ...(target.dtype ? { dtype: target.dtype } : {}),
  };
  // Models on the gpu queue (local ONNX models, a local model server) load on their first call:
  // that call is timed apart, so s/photo is the model's pace.
  let warmUpSeconds: number | undefined;
  if (backend.queue === 'gpu') {
    const started = performance.now();
    await backend.caption(inputs[0], ctx);
    warmUpSeconds = (performance.now() - started) / 1000;
  }
  const captions: SampleCaption[] = [];
  let costUsd = 0;
  let priced = 0;
  for (const [i, input] of inputs.entries()) {
    if (i + 1 < inputs.length) backend.prepare?.(inputs[i + 1], ctx);
    const started = performance.now();
    try {
      const outcome = await backend.caption(input, ctx);
      const seconds = (performance.now() - started) / 1000;
      if (outcome.status === 'success' && outcome.caption)
        captions.push({ photo: photos[i], text: outcome.caption, seconds });
      else
        captions.push({
          photo: photos[i],
          error: `${outcome.status}: ${outcome.reason ?? 'no caption'}`,
          seconds,
        });
      const usd =
        outcome.usage?.costUsd ??
        (outcome.usage && backend.pricingProvider
          ? costOf(backend.pricingProvider, model, outcome.usage)
          : undefined);
      if (usd !== undefined) {
        costUsd += usd;
        priced++;
      }
    } catch (err) {
      captions.push({
        photo: photos[i],
        error: firstLine(err),
        seconds: (performance.now() - started) / 1000,
      });
      // A refused key will refuse the rest too.
      if (err instanceof AuthApiError) break;
    }
    options.onProgress?.(`${backend.name} / ${model}: ${i + 1}/${inputs.length}`);
  }
  const done = captions.filter((c) => c.text);
  const secondsPerPhoto = done.length ? done.reduce((s, c) => s + c.seconds, 0) / done.length : 0;
  const cost = costOfSamples(backend, model, options, priced ? costUsd / priced : undefined);
  return {
    available: true,
    backend: backend.name,
    description: backend.description,
    model,
    ...(target.dtype ? { dtype: target.dtype } : {}),
    ...(target.standIn ? { standIn: true } : {}),
    captions,
    secondsPerPhoto,
    ...(warmUpSeconds !== undefined ? { warmUpSeconds } : {}),
    ...cost,
  };
}

/** USD per 1,000 photos: free on this machine, else from the tokens reported, else estimated. */
function costOfSamples(
  backend: CaptionBackend,
  model: string,
  options: Pick<SamplesOptions, 'maxEdge' | 'prompt'>,
  measuredPerPhoto: number | undefined,
): Pick<Extract<BackendSamples, { available: true }>, 'costPerThousand' | 'costBasis'> {
  const provider = backend.pricingProvider;
  if (!provider) return { costPerThousand: 0, costBasis: 'free' };
  if (measuredPerPhoto !== undefined)
    return { costPerThousand: 1000 * measuredPerPhoto, costBasis: 'measured' };
  const estimate = costPerThousand(provider, model, options.maxEdge, options.prompt);
  return estimate === undefined
    ? { costPerThousand: undefined, costBasis: 'unpriced' }
    : { costPerThousand: estimate, costBasis: 'estimated' };
}

function machineLine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.arch()}, Node ${process.versions.node}`;
}

const nameOf = (b: { backend: string; model?: string; dtype?: string; standIn?: boolean }) =>
  `${mdText(b.backend)}${b.model ? ` · ${mdCode(b.model)}` : ''}${b.dtype ? ` (${b.dtype})` : ''}` +
  (b.standIn ? ' — stand-in, random words' : '');

function costCell(b: Extract<BackendSamples, { available: true }>): string {
  switch (b.costBasis) {
    case 'free':
      return 'free (this machine)';
    case 'unpriced':
      return 'unknown (no price in data/pricing.json)';
    default:
      return `$${b.costPerThousand!.toFixed(2)} (${b.costBasis})`;
  }
}

/**
 * The report as Markdown. Captions and reasons are model and provider text: escaped (mdText), so
 * they can add neither Markdown structure nor HTML.
 */
export function samplesMarkdown(report: SamplesReport): string {
  const ran = report.backends.filter((b): b is Extract<BackendSamples, { available: true }> => b.available);
  const skipped = report.backends.filter(
    (b): b is Extract<BackendSamples, { available: false }> => !b.available,
  );
  const lines = [
    '# Caption samples',
    '',
    'What each caption backend writes for the same five photos, with its time per photo and cost per',
    '1,000 photos. Generated by `pcc samples` (regenerate it on your machine, with your keys and models:',
    'captions, times and prices change with both).',
    '',
    `- Generated: ${report.generatedAt.slice(0, 10)} on ${mdText(report.machine)}`,
    `- Prompt: ${mdCode(report.prompt)} (local VLMs use their family's prompt for it, see docs/self_hosted_models.md)`,
    `- Photos sent as JPEG proxies of ${report.maxEdge} px long edge, without metadata`,
    `- Prices as of ${report.priceAsOf} (data/pricing.json); measured = from the tokens the provider reported`,
    '',
    '## Backends',
    '',
    `Captioned here: ${ran.length ? ran.map((b) => nameOf(b)).join(', ') : 'none'}; the others are under "Not available here".`,
    '',
    '| Backend · model | Time per photo | Cost per 1,000 photos | Captioned | What it is |',
    '|---|---|---|---|---|',
    ...ran.map(
      (b) =>
        `| ${nameOf(b)} | ${b.secondsPerPhoto.toFixed(2)} s${b.warmUpSeconds !== undefined ? ` (load ${b.warmUpSeconds.toFixed(1)} s)` : ''} | ${costCell(b)} | ${b.captions.filter((c) => c.text).length}/${b.captions.length} | ${mdText(b.description)} |`,
    ),
    ...(ran.length ? [] : ['| (none available here) | | | | |']),
    '',
  ];
  if (skipped.length) {
    lines.push('## Not available here', '', '| Backend · model | Why |', '|---|---|');
    for (const b of skipped) lines.push(`| ${nameOf(b)} | ${mdText(b.reason)} |`);
    lines.push('');
  }
  for (const [i, photo] of report.photos.entries()) {
    lines.push(`## ${i + 1}. ${mdText(photo.kind)}: ${mdCode(photo.label)}`, '');
    if (!ran.length) {
      lines.push('No backend was available.', '');
      continue;
    }
    lines.push('| Backend · model | Caption | Time |', '|---|---|---|');
    for (const b of ran) {
      const c = b.captions.find((x) => x.photo === photo);
      const text = !c
        ? '— (not reached)'
        : c.text
          ? mdText(c.text)
          : `— (${mdText(c.error ?? 'no caption')})`;
      lines.push(`| ${nameOf(b)} | ${text} | ${c ? `${c.seconds.toFixed(2)} s` : ''} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
