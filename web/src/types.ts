/** What the API returns (see /docs): the studio's view of it. */
export type Layer = 'CK' | 'AI' | 'USER';
export type KeywordState = 'proposed' | 'approved' | 'rejected';

export interface Chip {
  cluster: number;
  layer: Layer;
  term: string;
  path: string;
  members: number;
  photos: number;
  approved: number;
  proposed: number;
  rejected: number;
  score?: number;
  sources: string[];
}

export interface PhotoRef {
  photoId: number;
  sha1: string;
  relPath: string;
  private: boolean;
}

export interface ClusterCard {
  id: number;
  label: string;
  labelSource: string;
  size: number;
  medoid?: PhotoRef;
  private: boolean;
  nsfwReview: number;
  peopleSet?: 'local' | 'cloud';
  dateUncertain: number;
  folder: string;
  dateFrom?: string;
  dateTo?: string;
  chips: Chip[];
}

export interface KeywordSource {
  source: string;
  sourceKind: string;
  score?: number;
  runId?: string;
  fromCluster?: number;
  mappedFrom?: string;
}

export interface PhotoKeyword {
  photoId: number;
  layer: Layer;
  term: string;
  path: string;
  state: KeywordState;
  decidedBy: string;
  score?: number;
  sources: KeywordSource[];
}

export interface ClusterDetail extends ClusterCard {
  runId: string;
  previous?: number;
  next?: number;
  members: Array<
    PhotoRef & { distance: number | null; caption?: string; status?: string; keywords: PhotoKeyword[] }
  >;
  targets: Array<{ id: number; label: string; size: number }>;
}

export interface StudioInfo {
  roots: string[];
  temporalUi: string | null;
  runs: Array<{
    id: string;
    workflowId: string;
    status: string;
    createdAt: string;
    roots: string[];
    backend: string;
    clusters: number | null;
  }>;
}

export interface Decision {
  id: number;
  at: string;
  client: string;
  action: 'approve' | 'reject' | 'move' | 'undo';
  runId?: string;
  layer?: Layer;
  term?: string;
  cluster?: number;
  photoIds: number[];
  undoes?: number;
  undoneBy?: number;
}

export interface RunProgress {
  phase: string;
  paused: boolean;
  total: number;
  done: number;
  byStatus: Record<string, number>;
  photosPerSecond: number;
  etaSeconds: number | null;
  spendUsd: number;
  maxCostUsd?: number;
  pauseReason?: string;
}

export interface RunDetail {
  workflowId: string;
  status: string;
  startTime: string;
  roots?: string[];
  backend?: string;
  progress?: RunProgress;
}

export interface PlannedKeyword {
  layer: Layer;
  term: string;
  path: string;
  source: string;
  score?: number;
}

export interface WritePlan {
  runId: string;
  naming: string;
  sidecars: number;
  changing: number;
  plans: Array<{
    photoPath: string;
    sidecarPath: string;
    exists: boolean;
    add: PlannedKeyword[];
    description?: string;
  }>;
}

export interface WriteProgress {
  status: string;
  failure?: string;
  progress: {
    phase: string;
    total: number;
    done: number;
    written: number;
    unchanged: number;
    errors: Array<{ sidecarPath: string; reason: string }>;
    errorCount?: number;
    auditPath?: string;
  };
}

/** GET /search (src/services/search.ts). */
export type SearchLeg = 'caption' | 'image' | 'text' | 'keyword';

export interface SearchHit {
  photoId: number;
  sha1: string;
  root: string | null;
  relPath: string | null;
  caption: string | null;
  date: string | null;
  camera: string | null;
  score: number;
  legs: Partial<Record<SearchLeg, number>>;
  why: string[];
  private: boolean;
}

export interface SearchPage {
  total: number;
  results: SearchHit[];
  legs: Array<{ leg: SearchLeg; used: boolean; model?: string; note?: string }>;
  candidates: number | null;
  tookMs: number;
}

/** GET /runs/:id/queue (src/services/cluster-queue.ts). */
export interface QueueSuggestion {
  cluster: number;
  label: string;
  score: number;
}

export interface QueueItem {
  photoId: number;
  sha1: string;
  relPath: string;
  caption: string | null;
  cluster: number;
  private: boolean;
  suggestions: QueueSuggestion[];
}

export interface QueueStats {
  queued: number;
  manual: number;
  auto: number;
  processed: number;
  autoShare: number;
}

export interface QueuePage {
  runId: string;
  source: string;
  total: number;
  offset: number;
  items: QueueItem[];
  stats: QueueStats;
  clusters: Array<{ id: number; label: string; size: number }>;
}
