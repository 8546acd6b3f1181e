import { packRows, readVectorFile, writeVectorFile, type VectorFileHeader } from '../files/vector-file';
import fs from 'node:fs';
import path from 'node:path';
import { Context, heartbeat } from '@temporalio/activity';
import type { ActivityDeps } from './context';
import { embedImages, embedSentences, recycleSessions } from '../models/embedder';
import { modelsDir, requireModel } from '../models/model-store';
import type { EmbeddingKind } from '../catalog/embeddings.repository';
import { consoleLine } from '../logging/logger';
import type { EmbedSettings } from '../shared/payloads';

export interface EmbedBatchInput {
  runId: string;
  batchIndex: number;
  settings: EmbedSettings;
  photos: Array<{ photoId: number; proxyPath: string }>;
  captions: Array<{ photoId: number; text: string }>;
}

/** A staged file of vectors (claim check): vectors never travel through workflow history. */
export interface StagedEmbeddings {
  file: string;
  kind: EmbeddingKind;
  model: string;
  count: number;
  dim: number;
}

/** The run's folder in the catalog host's staging area (see EmbedSettings.stagingDir). */
function stagingDir(settings: EmbedBatchInput['settings'], dataDir: string, runId: string): string {
  return path.join(settings.stagingDir ?? path.join(dataDir, 'staging'), 'embeddings', runId);
}

/** A staged batch: the shared vector file format with {kind, model} in its header. */
function writeStaged(
  file: string,
  kind: EmbeddingKind,
  model: string,
  photoIds: number[],
  vectors: Float32Array[],
): StagedEmbeddings {
  const dim = vectors[0]?.length ?? 0;
  writeVectorFile(file, { kind, model, dim, photoIds }, packRows(vectors, dim));
  return { file, kind, model, count: vectors.length, dim };
}

export function readStaged(file: string): {
  kind: EmbeddingKind;
  model: string;
  rows: Array<{ photoId: number; vector: Float32Array }>;
} {
  const { header, data } = readVectorFile<VectorFileHeader & { kind: EmbeddingKind; model: string }>(file);
  const rows = header.photoIds.map((photoId, i) => ({
    photoId,
    vector: data.slice(i * header.dim, (i + 1) * header.dim),
  }));
  return { kind: header.kind, model: header.model, rows };
}

let photosSinceLoad = 0;

export function createEmbedActivities(deps: ActivityDeps) {
  const options = () => ({
    modelsDir: modelsDir(deps.config),
    device: deps.config.tuning.device,
    cudaDeviceId: deps.config.tuning.cudaDeviceId,
    log: (m: string) => consoleLine('info', m),
  });
  return {
    /**
     * Embeds one batch on the gpu queue: image vectors from the proxies (and caption-text vectors
     * when asked), in inference batches, heartbeating after each. Vectors go to a staging file.
     */
    async embedBatch(input: EmbedBatchInput): Promise<StagedEmbeddings[]> {
      const o = { ...options(), dtype: input.settings.dtype };
      requireModel(o.modelsDir, input.settings.imageModel, input.settings.dtype);
      if (input.settings.textModel) requireModel(o.modelsDir, input.settings.textModel, input.settings.dtype);
      const signal = Context.current().cancellationSignal;
      const dir = stagingDir(input.settings, deps.config.dataDir, input.runId);
      const staged: StagedEmbeddings[] = [];
      if (input.photos.length) {
        const vectors = await embedImages(
          input.settings.imageModel,
          input.photos.map((p) => p.proxyPath),
          {
            ...o,
            batchSize: input.settings.inferenceBatch,
            onBatch: (done) => {
              signal.throwIfAborted();
              heartbeat({ done });
            },
          },
        );
        const file = path.join(dir, `${String(input.batchIndex).padStart(5, '0')}-image.f32`);
        staged.push(
          writeStaged(
            file,
            'image',
            input.settings.imageModel,
            input.photos.map((p) => p.photoId),
            vectors,
          ),
        );
      }
      if (input.settings.textModel && input.captions.length) {
        const vectors = await embedSentences(
          input.settings.textModel,
          input.captions.map((c) => c.text),
          o,
        );
        const file = path.join(dir, `${String(input.batchIndex).padStart(5, '0')}-caption.f32`);
        staged.push(
          writeStaged(
            file,
            'caption',
            input.settings.textModel,
            input.captions.map((c) => c.photoId),
            vectors,
          ),
        );
      }
      photosSinceLoad += input.photos.length;
      const recycleAfter = deps.config.tuning.recycleAfter;
      if (recycleAfter && photosSinceLoad >= recycleAfter) {
        consoleLine(
          'info',
          `recycling model sessions after ${photosSinceLoad} photos (--recycle-after ${recycleAfter})`,
        );
        photosSinceLoad = 0;
        await recycleSessions();
      }
      return staged;
    },
  };
}

export function createEmbedPersistActivities(deps: ActivityDeps) {
  return {
    /** io: moves staged vectors into the catalog (idempotent upsert) and removes the staging files. */
    async persistEmbeddings(input: { runId: string; staged: StagedEmbeddings[] }): Promise<number> {
      let n = 0;
      for (const s of input.staged) {
        if (!fs.existsSync(s.file)) continue; // a retried persist after the file was already moved
        const { kind, model, rows } = readStaged(s.file);
        deps.catalog().embeddings.upsertMany(
          rows.map((r) => ({ ...r, kind, model })),
          input.runId,
        );
        fs.rmSync(s.file, { force: true });
        n += rows.length;
      }
      return n;
    },
  };
}
