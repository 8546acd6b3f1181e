/** What `GET /duplicates` and the mark routes answer (src/services/duplicates.ts, api/duplicates/). */

export type DuplicateKind = 'exact' | 'identical' | 'burst';
export type MarkState = 'keep' | 'discard';

export interface DuplicatePath {
  absPath: string;
  relPath: string;
  root: string;
  size: number;
  mtimeMs: number;
}

export interface DuplicateMark {
  photoId: number;
  state: MarkState;
  groupKind?: DuplicateKind;
  markedAt: string;
  client: string;
}

export interface DuplicateMember {
  photoId: number;
  sha1: string;
  format: string;
  paths: DuplicatePath[];
  width?: number;
  height?: number;
  size: number;
  takenAt?: string;
  mark?: DuplicateMark;
  private: boolean;
}

export interface DuplicateGroup {
  id: string;
  kind: DuplicateKind;
  reason: string;
  members: DuplicateMember[];
  suggestedKeeper: { photoId: number; absPath: string };
  maxHashDistance?: number;
  minCosine?: number;
  withoutVector?: boolean;
  spanMs?: number;
}

export interface DuplicatesAnswer {
  scope: { runId?: string; roots?: string[] };
  imageModel?: string;
  thresholds: Record<string, number>;
  photos: number;
  withHash: number;
  withVector: number;
  withTime: number;
  counts: { exact: number; exactPaths: number; identical: number; burst: number };
  groups: DuplicateGroup[];
  notes: string[];
  seconds: number;
  total: number;
  offset: number;
  limit: number;
}

export interface MarkOutcome {
  kept: number[];
  discarded: number[];
  keywordAdded: number[];
  keywordWithdrawn: number[];
}

export interface UnmarkOutcome {
  unmarked: number[];
  notMarked: number[];
  keywordWithdrawn: number[];
}
