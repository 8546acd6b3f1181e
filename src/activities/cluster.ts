import fs from 'node:fs';
import path from 'node:path';
import { Context, heartbeat } from '@temporalio/activity';
import type { ActivityDeps } from './context';
import type { Catalog } from '../catalog/catalog';
import type { ClusterParams } from '../clustering/cluster';
import { writeMatrixFile, type ClusterInputHeader } from '../clustering/input-file';
import { matrix } from '../clustering/matrix';
import { clusterInputFileOffThread, type ClusteringResult } from '../clustering/run-clustering';
import type { ClusterSpace, EmbedSettings } from '../shared/payloads';

export interface StageClusterInput {
  runId: string;
  space: ClusterSpace;
  embed: EmbedSettings;
  /** Also stage the image vectors alone (for vocabulary scoring) when the space is not 'image'. */
  withImageFile: boolean;
}

export interface StagedClusterInput {
  file: string;
  /** Image vectors for vocabulary scoring (the same file when the space is 'image'). */
  imageFile?: string;
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

function unitCopy(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return v.map((x) => x * inv);
}

/**
 * Reads a run's vectors in the chosen space from the catalog and writes the clustering input
 * file(s). 'both' joins the unit image and unit caption vectors (equal weight); a photo without a
 * caption vector gets zeros for that half, so errors still cluster by what they show.
 */
export function stageClusterInputFiles(
  catalog: Catalog,
  dataDir: string,
  input: StageClusterInput,
): StagedClusterInput {
  const { runId, space, embed } = input;
  if (space !== 'image' && !embed.textModel) {
    throw new Error(`clustering by ${space} needs caption-text embeddings, but the run had no text model`);
  }
  const dir = clusterStagingDir(dataDir, runId);
  const header: ClusterInputHeader = { photoIds: [], times: [], folders: [], dim: 0 };
  const imageHeader: ClusterInputHeader = { photoIds: [], times: [], folders: [], dim: 0 };
  const rows: Float32Array[] = [];
  const imageRows: Float32Array[] = [];
  let missing = 0;
  for (const w of catalog.runs.workList(runId)) {
    const image = catalog.embeddings.get(w.photo_id, 'image', embed.imageModel);
    const caption = embed.textModel
      ? catalog.embeddings.get(w.photo_id, 'caption', embed.textModel)
      : undefined;
    const date = catalog.metadata.get(w.photo_id)?.resolved_date;
    const time = date ? Date.parse(date) : NaN;
    const folder = path.posix.dirname(w.rel_path.split(path.sep).join('/'));
    const meta = { time: Number.isFinite(time) ? time : null, folder: folder === '.' ? '' : folder };
    if (image && input.withImageFile && space !== 'image') {
      imageHeader.photoIds.push(w.photo_id);
      imageHeader.times.push(meta.time);
      imageHeader.folders.push(meta.folder);
      imageRows.push(image);
    }
    let v: Float32Array | undefined;
    if (space === 'image') v = image;
    else if (space === 'caption') v = caption;
    else if (image) {
      v = new Float32Array(image.length + (caption?.length ?? dimOf(catalog, embed)));
      v.set(unitCopy(image));
      if (caption) v.set(unitCopy(caption), image.length);
    }
    if (!v) {
      missing++;
      continue;
    }
    header.photoIds.push(w.photo_id);
    header.times.push(meta.time);
    header.folders.push(meta.folder);
    rows.push(v);
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
  return { file, imageFile, rows: rows.length, dim: header.dim, missing };
}

function dimOf(catalog: Catalog, embed: EmbedSettings): number {
  return (
    catalog.embeddings.counts().find((c) => c.kind === 'caption' && c.model === embed.textModel)?.dim ?? 0
  );
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
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(result));
  fs.renameSync(`${file}.tmp`, file);
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
      const timer = setInterval(() => heartbeat(last), 5_000);
      try {
        const done = await runClusterLibrary(
          input,
          (stage, fraction) => {
            last = { stage, fraction };
            heartbeat(last);
          },
          ctx.cancellationSignal,
        );
        return { file: done.file, clusterCount: done.clusterCount, noise: done.noise, seconds: done.seconds };
      } finally {
        clearInterval(timer);
      }
    },
  };
}
