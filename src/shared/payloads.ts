/**
 * Payload types that cross the workflow boundary. They carry ids, paths and small results only:
 * never image bytes, never secrets (see docs/architecture.md, "payload discipline").
 */
import type { PhotoStatus, StatusCounts } from './status';
import type { QueueRole } from './queues';
import type { Dtype } from './dtype';
import type { ClusterParams } from '../clustering/cluster';
import type { Vocabulary } from '../tags/vocabulary';
import type { KeywordSettings } from '../tags/keyword-settings';
import type { PeopleSettings } from '../tags/people-sets';
import type { StudioNightSettings } from '../tags/studio-night';

/** Which embeddings a run computes on the gpu queue. */
export interface EmbedSettings {
  imageModel: string;
  /** Sentence model for caption text; absent = image embeddings only. */
  textModel?: string;
  dtype: Dtype;
  /** Photos per inference call. */
  inferenceBatch: number;
  /**
   * The catalog host's staging folder (its data folder's staging/), where gpu workers leave vectors
   * for io: a worker on another machine reaches it through --path-map. Absent in runs started
   * before: the worker's own data folder.
   */
  stagingDir?: string;
  /**
   * The shortest side the image model's preprocessing needs (its preprocessor config, read when
   * the run is prepared): photos whose review thumbnail is at least this large are embedded from
   * the thumbnail, decoded once at load, instead of from a proxy. Absent (a model whose
   * preprocessing pcc does not plan, or runs started before): proxies.
   */
  inputEdge?: number;
}

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
  /** Decode files that end early instead of recording them as error_corrupt (absent in older runs). */
  acceptTruncated?: boolean;
  /** The pcc.yaml this run's options came from, if any. */
  configFile?: string;
  batchSize: number;
  maxConcurrentBatches: number;
  /** Batches started per workflow execution before continue-as-new. */
  batchesPerPage: number;
  mockErrorRate: number;
  mockLatencyMs: number;
  /** 'photo': one activity per request (remote models); 'batch': one per batch (local models). */
  captionGranularity: 'batch' | 'photo';
  /** The backend sends photos off the machine: local-only photos are kept from it. */
  remote: boolean;
  /** Long edge of the JPEG a remote model receives. */
  maxEdge: number;
  requestTimeoutMs: number;
  /** Attempts per remote request before the photo is recorded as error_api. */
  apiMaxAttempts: number;
  /** Globs (relative to a root) of folders and files that must never leave the machine. */
  localOnly: string[];
  /** The NSFW gate: photos scoring at or above the threshold are private (absent: no gate). */
  privacy?: PrivacySettings;
  /** Local backend that captions local-only photos of a remote run; absent → skipped_private. */
  privateBackend?: string;
  privateQueue?: QueueRole;
  privateModel?: string;
  /** Endpoint for openai-compatible servers. */
  baseUrl?: string;
  /** The run pauses when its spend reaches this. */
  maxCostUsd?: number;
  /** Precision of local models (--dtype): the local caption backend's, and the embedders' (embed.dtype). Absent in older runs: fp32. */
  dtype?: Dtype;
  /** Embeddings on the gpu queue (--embed). */
  embed?: EmbedSettings;
  /** Clustering, vocabulary tags and reports after the last batch (--cluster). */
  cluster?: ClusterSettings;
}

/** Privacy signals computed on this machine before any photo can reach a cloud queue. */
export interface PrivacySettings {
  /** Open-NSFW weights (a local file). */
  nsfwModel: string;
  /** At or above: private (never sent to a cloud backend). */
  nsfwThreshold: number;
  /** At or above (and below the threshold): flagged for review. */
  reviewThreshold: number;
}

/** Which embeddings a clustering groups by. */
export const CLUSTER_SPACES = ['image', 'caption', 'both'] as const;
export type ClusterSpace = (typeof CLUSTER_SPACES)[number];

export interface ClusterSettings {
  space: ClusterSpace;
  params: ClusterParams;
  /** Parsed vocabulary (labels, template, top-K, threshold, gear rules); absent = no vocabulary tags. */
  vocabulary?: Vocabulary;
  /** Where the run writes its reports; absent = <data dir>/reports/<run id>. */
  reportDir?: string;
  /** The freeform (AI) layer, vision on medoids and the approval policy; absent in older runs. */
  keywords?: KeywordSettings;
  /** People sets (CLIP person presence per photo, share per cluster); absent in older runs = none. */
  people?: PeopleSettings;
  /** The studio-black rule (CK studio + black-background, night suppressed); absent = off. */
  studio?: StudioNightSettings;
}

/** What a caption activity needs to know: the backend, its model and request settings. No secrets. */
export interface CaptionSettings {
  backend: string;
  model: string;
  prompt: string;
  mockErrorRate: number;
  mockLatencyMs: number;
  maxEdge: number;
  requestTimeoutMs: number;
  baseUrl?: string;
  /** Local models' precision (--dtype); absent: the worker's PCC_DTYPE, else fp32. */
  dtype?: Dtype;
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
  /**
   * The review thumbnail (same orientation, ≤ 512 px) and its shorter side, in runs whose embedder
   * may read it instead of the proxy (LoadInput.thumbnailEdgeNeeded); absent otherwise and in older histories.
   */
  thumbPath?: string;
  thumbShortEdge?: number;
  /** Matches a local-only glob (or the NSFW gate said so): never sent to a remote backend. */
  private: boolean;
  /** Why it is private, when it is not a local-only glob. */
  privateReason?: string;
  /** Stored Open-NSFW score, when this photo was scored before. */
  nsfwScore?: number;
  /** False when the photo already has its final caption (it is here for its embedding only). */
  needsCaption: boolean;
  /** The existing caption, for caption-text embeddings of photos not captioned again. */
  caption?: string;
  captionStatus?: PhotoStatus;
}

export interface CaptionOutcome {
  photoId: number;
  status: PhotoStatus;
  caption?: string;
  reason?: string;
  /** Tokens and money of the request that produced this outcome (remote backends). */
  usage?: { inputTokens: number; outputTokens: number; costUsd?: number };
}

export interface BatchResult {
  batchIndex: number;
  counts: StatusCounts;
  costUsd: number;
  /** Set when the provider refused the key: the batch is incomplete and the run must pause. */
  authError?: string;
}

export type RunPhase =
  'scanning' | 'processing' | 'finishing' | 'clustering' | 'tagging' | 'completed' | 'cancelled';

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
  spendUsd: number;
  maxCostUsd?: number;
  /** Why the run paused itself (key refused, cost cap); absent for a pause a person asked for. */
  pauseReason?: string;
}

/** State handed from one libraryRun execution to the next through continue-as-new. */
export interface LibraryRunState {
  runId: string;
  startedAtMs: number;
  scan: ScanSummary;
  nextBatch: number;
  byStatus: StatusCounts;
  paused: boolean;
  pauseReason?: string;
  spendUsd: number;
  maxCostUsd?: number;
  /** Batches to run again (a key was refused mid-batch), with how often each was started. */
  redo: number[];
  starts: Record<number, number>;
}

/** A sidecar write the review studio (or the API) asks for. */
export interface WriteSidecarsRequest {
  runId: string;
  naming: 'photo.xmp' | 'photo.ext.xmp';
  /** Audit CSV; default $PCC_DATA_DIR/xmp_audit.csv. */
  auditPath?: string;
}

export interface WriteProgress {
  runId: string;
  phase: 'planning' | 'writing' | 'done';
  /** Sidecars planned (changing or not). */
  total: number;
  done: number;
  written: number;
  unchanged: number;
  /** The first errors (a read-only folder, …); errorCount has them all. */
  errors: Array<{ sidecarPath: string; reason: string }>;
  errorCount?: number;
  auditPath?: string;
}
