/**
 * Payload types that cross the workflow boundary. They carry ids, paths and small results only:
 * never image bytes, never secrets (see docs/architecture.md, "payload discipline").
 */
import type { PhotoStatus, StatusCounts } from './status';
import type { QueueRole } from './queues';

/** What the user asked for; validated by the CLI/API before a workflow ever sees it. */
export interface RunConfig {
  /** Absolute library roots. */
  roots: string[];
  include: string[];
  exclude: string[];
  backend: string;
  model: string;
  prompt: string;
  /** Short hash of the prompt: part of the caption result key. */
  promptHash: string;
  /** Queue role of the caption backend, resolved by the client from the backend registry. */
  captionQueue: QueueRole;
  /** Whether any stage of this run reads pixels (and so needs proxies written). */
  writeProxies: boolean;
  limit?: number;
  force: boolean;
  retryStatuses: PhotoStatus[];
  dryRun: boolean;
  batchSize: number;
  maxConcurrentBatches: number;
  /** Batches started per workflow execution before continue-as-new. */
  batchesPerPage: number;
  mockErrorRate: number;
  mockLatencyMs: number;
}

/** The key a caption result is stored under: same key = same work, never redone unless forced. */
export interface CaptionKey {
  backend: string;
  model: string;
  promptHash: string;
}

export interface ScanSummary {
  /** Photos selected for this run (the progress bar total). */
  total: number;
  batches: number;
  filesSeen: number;
  photosSeen: number;
  /** Photos under the roots that already have a final result and were left alone. */
  alreadyDone: number;
  /** Extra paths whose bytes equal a photo already seen. */
  duplicatePaths: number;
  skippedVideos: number;
  skippedSidecars: number;
  skippedOther: number;
  unreadable: number;
}

export interface BatchRef {
  runId: string;
  batchIndex: number;
  batchSize: number;
}

export interface LoadedPhoto {
  photoId: number;
  sha1: string;
  relPath: string;
  status: 'success' | 'error_corrupt';
  reason?: string;
  /** JPEG proxy (auto-oriented, resized, metadata-free) that compute stages read instead of the original. */
  proxyPath?: string;
}

export interface CaptionOutcome {
  photoId: number;
  status: PhotoStatus;
  caption?: string;
  reason?: string;
}

export interface BatchResult {
  batchIndex: number;
  counts: StatusCounts;
}

export type RunPhase = 'scanning' | 'processing' | 'finishing' | 'completed' | 'cancelled';

export interface RunProgress {
  runId: string;
  phase: RunPhase;
  paused: boolean;
  total: number;
  done: number;
  byStatus: StatusCounts;
  inFlightBatches: number;
  inFlightPhotos: number;
  photosPerSecond: number;
  etaSeconds: number | null;
  startedAt: string;
  scan?: ScanSummary;
}

/** State handed from one libraryRun execution to the next through continue-as-new. */
export interface LibraryRunState {
  runId: string;
  startedAtMs: number;
  scan: ScanSummary;
  nextBatch: number;
  byStatus: StatusCounts;
  paused: boolean;
}
