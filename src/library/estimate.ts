import fs from 'node:fs';
import type { Catalog } from '../catalog/catalog';
import { LOAD_KEY } from '../catalog/results.repository';
import { walkLibrary } from './walk';
import { localOnlyMatcher } from './local-only';
import { EXPECTED_CAPTION_TOKENS, imageTokens, priceOf, pricing, promptTokens } from '../backends/pricing';
import type { CaptionBackend } from '../backends/backend';
import type { CaptionKey } from '../shared/payloads';

export interface EstimateInput {
  roots: string[];
  include: string[];
  exclude: string[];
  localOnly: string[];
  backend: CaptionBackend;
  model: string;
  prompt: string;
  promptHash: string;
  maxEdge: number;
  /** Requests in flight across all workers. */
  concurrency: number;
  /** Queue rate limit, requests/s. */
  rps?: number;
  /** Assumed seconds per request. */
  latencySeconds: number;
}

export interface Estimate {
  photos: number;
  done: number;
  remaining: number;
  keptLocal: number;
  inputTokens: number;
  outputTokens: number;
  inputUsd?: number;
  outputUsd?: number;
  totalUsd?: number;
  priceAsOf?: string;
  photosPerSecond: number;
  seconds: number;
}

/**
 * What a run would cost, without calling any API: walks the folders, asks the catalog which photos
 * already have a final result for (backend, model, prompt), and prices the rest with
 * data/pricing.json. New files are not hashed: a photo is "done" only when its path is known
 * unchanged (size and mtime) and has a result.
 */
export async function estimateRun(catalog: Catalog, input: EstimateInput): Promise<Estimate> {
  const key: CaptionKey = { backend: input.backend.name, model: input.model, promptHash: input.promptHash };
  const isLocal = localOnlyMatcher(input.localOnly);
  let photos = 0;
  let done = 0;
  let keptLocal = 0;
  const seen = new Set<number>();
  for await (const file of walkLibrary(input.roots, input, () => undefined)) {
    if (file.kind !== 'image' && file.kind !== 'raw') continue;
    const known = catalog.photos.knownPath(file.absPath);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(file.absPath);
    } catch {
      continue;
    }
    const unchanged = known && known.size === st.size && known.mtimeMs === Math.trunc(st.mtimeMs);
    if (unchanged) {
      if (seen.has(known.photoId)) continue;
      seen.add(known.photoId);
    }
    photos++;
    const finished =
      unchanged &&
      (catalog.results.get(known.photoId, 'load', LOAD_KEY)?.status === 'error_corrupt' ||
        catalog.results.get(known.photoId, 'caption', key) !== undefined);
    if (finished) done++;
    else if (input.backend.remote && isLocal(file.relPath)) keptLocal++;
  }
  const remaining = photos - done;
  const billable = remaining - keptLocal;
  const provider = input.backend.pricingProvider;
  const perPhotoIn = provider
    ? imageTokens(provider, input.model, input.maxEdge) + promptTokens(input.prompt)
    : 0;
  const inputTokens = provider ? billable * perPhotoIn : 0;
  const outputTokens = provider ? billable * EXPECTED_CAPTION_TOKENS : 0;
  const price = provider ? priceOf(provider, input.model) : undefined;
  const inputUsd = price ? (inputTokens * price.input) / 1e6 : provider ? undefined : 0;
  const outputUsd = price ? (outputTokens * price.output) / 1e6 : provider ? undefined : 0;
  const byConcurrency = input.concurrency / input.latencySeconds;
  const photosPerSecond = input.rps ? Math.min(input.rps, byConcurrency) : byConcurrency;
  return {
    photos,
    done,
    remaining,
    keptLocal,
    inputTokens,
    outputTokens,
    inputUsd,
    outputUsd,
    totalUsd: inputUsd !== undefined && outputUsd !== undefined ? inputUsd + outputUsd : undefined,
    priceAsOf: price ? pricing().asOf : undefined,
    photosPerSecond,
    seconds: photosPerSecond > 0 ? remaining / photosPerSecond : 0,
  };
}

/** Assumed photos per cluster when the library was never clustered (override with --clusters). */
export const ASSUMED_PHOTOS_PER_CLUSTER = 15;
/** A compact JSON array of up to ~10 short tags. */
export const EXPECTED_TAG_TOKENS = 40;

export interface VisionEstimate {
  /** One request per cluster medoid. */
  requests: number;
  /** Where the cluster count came from. */
  clustersFrom: 'given' | 'last clustering' | 'assumed';
  inputTokens: number;
  outputTokens: number;
  totalUsd?: number;
}

/** Vision tags cost one request per cluster medoid (private clusters are never sent, so at most this). */
export function estimateVision(input: {
  backend: CaptionBackend;
  model: string;
  maxEdge: number;
  prompt: string;
  clusters: number;
  clustersFrom: VisionEstimate['clustersFrom'];
}): VisionEstimate {
  const provider = input.backend.pricingProvider;
  const perRequest = provider
    ? imageTokens(provider, input.model, input.maxEdge) + promptTokens(input.prompt)
    : 0;
  const inputTokens = input.clusters * perRequest;
  const outputTokens = provider ? input.clusters * EXPECTED_TAG_TOKENS : 0;
  const price = provider ? priceOf(provider, input.model) : undefined;
  return {
    requests: input.clusters,
    clustersFrom: input.clustersFrom,
    inputTokens,
    outputTokens,
    totalUsd: price
      ? (inputTokens * price.input + outputTokens * price.output) / 1e6
      : provider
        ? undefined
        : 0,
  };
}
