import { writeFileAtomic } from '../files/atomic-write';
import path from 'node:path';
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { withHeartbeats, type ActivityDeps } from './context';
import type { Catalog } from '../catalog/catalog';
import { DATE_TRUST_THRESHOLD } from '../library/dates';
import { consoleLine } from '../logging/logger';
import type { ClusterParams } from '../clustering/cluster';
import { writeMatrixFile, type ClusterInputHeader } from '../clustering/input-file';
import { matrix, unitVector } from '../clustering/matrix';
import { clusterInputFileOffThread, type ClusteringResult } from '../clustering/run-clustering';
import type { ClusterSpace, EmbedSettings } from '../shared/payloads';

export interface StageClusterInput {
  runId: string;
  space: ClusterSpace;
  embed: EmbedSettings;
  /** Also stage the image vectors alone (for vocabulary scoring) when the space is not 'image'. */
  withImageFile: boolean;
  /** Also stage the photos' captions (for the AI layer): `{ "<photoId>": "caption" }`. */
  withCaptions?: boolean;
}

export interface StagedClusterInput {
  file: string;
  /** Image vectors for vocabulary scoring (the same file when the space is 'image'). */
  imageFile?: string;
  captionsFile?: string;
  rows: number;
  dim: number;
  /** Photos of the run without the embeddings the space needs (errors, dry runs): reported unclustered. */
  missing: number;
}

export interface ClusterLibraryInput {
  runId: string;
  file: string;
  params: ClusterParams;
}

export interface ClusterLibraryResult {
  file: string;
  clusterCount: number;
  noise: number;
  seconds: number;
}

export function clusterStagingDir(dataDir: string, runId: string): string {
  return path.join(dataDir, 'staging', 'clusters', runId.replace(/[^\w.-]+/g, '_'));
}

/** A vector clustering can use: finite values and not all zero. */
function usable(v: Float32Array | undefined): v is Float32Array {
  if (!v || v.length === 0) return false;
  let s = 0;
  for (const x of v) {
    if (!Number.isFinite(x)) return false;
    s += x * x;
  }
  return s > 0;
}

/**
 * Capture time for shoot windows: only dates trusted enough (a year guessed from a folder name is
 * not a shoot), wall-clock strings read as UTC so gaps do not depend on the worker's time zone.
 */
function captureTime(date: string | null | undefined, trust: number | null | undefined): number | null {
  if (!date || (trust ?? 0) < DATE_TRUST_THRESHOLD) return null;
  const t = Date.parse(/(?:[zZ]|[+-]\d\d:?\d\d)$/.test(date) ? date : `${date}Z`);
  return Number.isFinite(t) ? t : null;
}

/**
 * Reads a run's vectors in the chosen space from the catalog and writes the clustering input
 * file(s). 'both' joins the unit image and unit caption vectors (equal weight); a photo without a
 * caption vector gets the library's mean caption direction in that half, about equally close to
 * every caption, so such photos group by what they show. Non-finite or all-zero vectors are left
 * out (reported unclustered) and logged.
 */
export function stageClusterInputFiles(
  catalog: Catalog,
  dataDir: string,
  input: StageClusterInput,
  log: (message: string) => void = (m) => consoleLine('warn', m),
): StagedClusterInput {
  const { runId, space, embed } = input;
  if (space !== 'image' && !embed.textModel) {
    throw ApplicationFailure.nonRetryable(
      `clustering by ${space} needs caption-text embeddings, but the run had no text model`,
      'ConfigError',
    );
  }
  const dir = clusterStagingDir(dataDir, runId);
  const header: ClusterInputHeader = { photoIds: [], times: [], folders: [], dim: 0 };
  const imageHeader: ClusterInputHeader = { photoIds: [], times: [], folders: [], dim: 0 };
  const rows: Float32Array[] = [];
  const imageRows: Float32Array[] = [];
  const unusable: string[] = [];
  let missing = 0;
  // The whole library under the run's folders is clustered, not only the photos this run processed.
  const work = catalog.runs.libraryOf(runId).map((w) => {
    const image = catalog.embeddings.get(w.photoId, 'image', embed.imageModel);
    const caption = embed.textModel
      ? catalog.embeddings.get(w.photoId, 'caption', embed.textModel)
      : undefined;
    if ((image && !usable(image)) || (caption && !usable(caption))) unusable.push(w.relPath);
    return { w, image: usable(image) ? image : undefined, caption: usable(caption) ? caption : undefined };
  });
  let meanCaption: Float32Array | undefined;
  if (space === 'both') {
    let sum: Float32Array | undefined;
    for (const { caption } of work) {
      if (!caption) continue;
      const c = unitVector(caption);
      sum ??= new Float32Array(c.length);
      for (let i = 0; i < c.length; i++) sum[i] += c[i];
    }
    if (sum) meanCaption = unitVector(sum);
  }
  for (const { w, image, caption } of work) {
    const meta = catalog.metadata.get(w.photoId);
    const folder = path.posix.dirname(w.relPath.split(path.sep).join('/'));
    const place = {
      time: captureTime(meta?.resolvedDate, meta?.dateTrust),
      folder: folder === '.' ? '' : folder,
    };
    if (image && input.withImageFile && space !== 'image') {
      imageHeader.photoIds.push(w.photoId);
      imageHeader.times.push(place.time);
      imageHeader.folders.push(place.folder);
      imageRows.push(image);
    }
    let v: Float32Array | undefined;
    if (space === 'image') v = image;
    else if (space === 'caption') v = caption;
    else if (image) {
      const second = caption ? unitVector(caption) : meanCaption;
      v = new Float32Array(image.length + (second?.length ?? 0));
      v.set(unitVector(image));
      if (second) v.set(second, image.length);
    }
    if (!v) {
      missing++;
      continue;
    }
    header.photoIds.push(w.photoId);
    header.times.push(place.time);
    header.folders.push(place.folder);
    rows.push(v);
  }
  if (unusable.length) {
    log(
      `${unusable.length} photo(s) have broken embeddings (not finite, or all zero) and stay unclustered: ` +
        `${unusable.slice(0, 10).join(', ')}${unusable.length > 10 ? ' …' : ''}; re-embed them with --force --embed`,
    );
  }
  const write = (file: string, h: ClusterInputHeader, r: Float32Array[]) => {
    h.dim = r[0]?.length ?? 0;
    const data = new Float32Array(r.length * h.dim);
    r.forEach((v, i) => data.set(v, i * h.dim));
    writeMatrixFile(file, h, matrix(r.length, h.dim, data));
  };
  const file = path.join(dir, `input-${space}.f32`);
  write(file, header, rows);
  let imageFile: string | undefined;
  if (input.withImageFile) {
    imageFile = space === 'image' ? file : path.join(dir, 'input-image.f32');
    if (space !== 'image') write(imageFile, imageHeader, imageRows);
  }
  let captionsFile: string | undefined;
  if (input.withCaptions) {
    const config = catalog.runs.run(runId)?.config;
    const key = config && { backend: config.backend, model: config.model, promptHash: config.promptHash };
    const captions: Record<string, string> = {};
    for (const { w, image } of work) {
      if (!image || !key) continue;
      const c = catalog.results.get(w.photoId, 'caption', key);
      if (c?.status === 'success' && c.output) captions[String(w.photoId)] = c.output;
    }
    captionsFile = path.join(dir, 'captions.json');
    writeFileAtomic(captionsFile, JSON.stringify(captions));
  }
  return { file, imageFile, captionsFile, rows: rows.length, dim: header.dim, missing };
}

/** Clusters a staged input off-thread and writes the result next to it. */
export async function runClusterLibrary(
  input: ClusterLibraryInput,
  onProgress: (stage: string, fraction: number) => void,
  signal?: AbortSignal,
): Promise<ClusterLibraryResult & { result: ClusteringResult }> {
  const t0 = performance.now();
  const result = await clusterInputFileOffThread(input.file, input.params, onProgress, signal);
  const file = path.join(path.dirname(input.file), 'clusters.json');
  writeFileAtomic(file, JSON.stringify(result));
  return {
    file,
    clusterCount: result.clusterCount,
    noise: result.noise,
    seconds: (performance.now() - t0) / 1000,
    result,
  };
}

export function createStageClusterActivities(deps: ActivityDeps) {
  return {
    /** io: the run's vectors, times and folders into the clustering input file. */
    async stageClusterInput(input: StageClusterInput): Promise<StagedClusterInput> {
      return stageClusterInputFiles(deps.catalog(), deps.config.dataDir, input);
    },
  };
}

export function createClusterActivities() {
  return {
    /**
     * cpu: UMAP + HDBSCAN (or the chosen mode) in a worker thread; heartbeats carry the stage and
     * its progress, and cancellation stops the thread.
     */
    async clusterLibrary(input: ClusterLibraryInput): Promise<ClusterLibraryResult> {
      const ctx = Context.current();
      let last = { stage: 'starting', fraction: 0 };
      const done = await withHeartbeats(
        () => last,
        () =>
          runClusterLibrary(
            input,
            (stage, fraction) => {
              last = { stage, fraction };
              heartbeat(last);
            },
            ctx.cancellationSignal,
          ),
      );
      return { file: done.file, clusterCount: done.clusterCount, noise: done.noise, seconds: done.seconds };
    },
  };
}
