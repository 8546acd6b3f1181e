/**
 * One clustering of a staged input file: labels, each photo's distance to its group's centre and
 * the folder medoids. Runs in a worker thread (cluster.worker.ts) so the activity's thread stays
 * free to heartbeat; the same function runs in-thread where no compiled worker exists (ts-jest).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { clusterVectors, type ClusterParams } from './cluster';
import { distancesToCentres, folderMedoids } from './groups';
import { readMatrixFile } from './input-file';

export interface ClusteringResult {
  members: Array<{ photoId: number; cluster: number; distance: number }>;
  folders: Array<{ folder: string; photoId: number; cosineToCentroid: number }>;
  clusterCount: number;
  noise: number;
  timings: Record<string, number>;
}

export type StageProgress = (stage: string, fraction: number) => void;

export function clusterInputFile(
  file: string,
  params: ClusterParams,
  onProgress?: StageProgress,
): ClusteringResult {
  const { header, vectors } = readMatrixFile(file);
  const times = Float64Array.from(header.times, (t) => (t === null ? NaN : t));
  const out = clusterVectors({ vectors, times, onProgress }, params);
  const { unit } = out;
  const distances = distancesToCentres(unit, out.labels);
  return {
    members: header.photoIds.map((photoId, i) => ({
      photoId,
      cluster: out.labels[i],
      distance: distances[i],
    })),
    folders: folderMedoids(unit, header.folders).map((f) => ({
      folder: f.folder,
      photoId: header.photoIds[f.row],
      cosineToCentroid: f.cosineToCentroid,
    })),
    clusterCount: out.clusterCount,
    noise: out.labels.filter((l) => l < 0).length,
    timings: out.timings,
  };
}

type WorkerMessage =
  | { type: 'progress'; stage: string; fraction: number }
  | { type: 'done'; result: ClusteringResult }
  | { type: 'error'; message: string };

/** Runs clusterInputFile off the calling thread; `signal` aborts it (the thread is terminated). */
export function clusterInputFileOffThread(
  file: string,
  params: ClusterParams,
  onProgress: StageProgress,
  signal?: AbortSignal,
): Promise<ClusteringResult> {
  const workerFile = path.join(__dirname, 'cluster.worker.js');
  if (!fs.existsSync(workerFile)) return Promise.resolve(clusterInputFile(file, params, onProgress));
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: { file, params } });
    const abort = () => {
      void worker.terminate();
      reject(signal?.reason instanceof Error ? signal.reason : new Error('clustering cancelled'));
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress(m.stage, m.fraction);
      else if (m.type === 'done') resolve(m.result);
      else reject(new Error(m.message));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      signal?.removeEventListener('abort', abort);
      if (code !== 0) reject(new Error(`clustering thread exited with code ${code}`));
    });
  });
}
