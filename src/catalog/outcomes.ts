import type { Catalog } from './catalog';
import { LOAD_KEY, type StageResultRow } from './results.repository';
import type { WorkItem } from './runs.repository';
import type { CaptionKey } from '../shared/payloads';
import type { PhotoStatus } from '../shared/status';

export interface PhotoOutcome {
  photoId: number;
  relPath: string;
  absPath: string;
  /** Undefined while the photo has no final record for the key. */
  status?: PhotoStatus;
  reason?: string;
  caption?: string;
  /** What decoding noticed about a photo that still loaded (a libjpeg warning, a truncated file accepted). */
  note?: string;
}

/** A photo's final status for a caption key: a corrupt load wins, then the caption result. */
export function outcomeOf(
  catalog: Catalog,
  photo: { photoId: number; relPath: string; absPath: string },
  key: CaptionKey,
  dryRun = false,
): PhotoOutcome {
  return combine(
    photo,
    catalog.results.get(photo.photoId, 'load', LOAD_KEY),
    catalog.results.get(photo.photoId, 'caption', key),
    dryRun,
  );
}

function combine(
  photo: { photoId: number; relPath: string; absPath: string },
  load: StageResultRow | undefined,
  caption: StageResultRow | undefined,
  dryRun: boolean,
): PhotoOutcome {
  if (load?.status === 'error_corrupt' || dryRun) {
    if (load?.status === 'success') return { ...photo, status: load.status, note: load.reason ?? undefined };
    return { ...photo, status: load?.status, reason: load?.reason ?? undefined };
  }
  return {
    ...photo,
    status: caption?.status,
    reason: caption?.reason ?? undefined,
    caption: caption?.output ?? undefined,
    note: load?.status === 'success' ? (load.reason ?? undefined) : undefined,
  };
}

/** Many photos at once: two queries for the whole list instead of two per photo. */
function outcomesOf(catalog: Catalog, items: WorkItem[], key: CaptionKey, dryRun: boolean): PhotoOutcome[] {
  if (items.length < 200)
    return items.map((w) =>
      outcomeOf(catalog, { photoId: w.photoId, relPath: w.relPath, absPath: w.absPath }, key, dryRun),
    );
  const loads = catalog.results.allFor('load', LOAD_KEY);
  const captions = catalog.results.allFor('caption', key);
  return items.map((w) =>
    combine(
      { photoId: w.photoId, relPath: w.relPath, absPath: w.absPath },
      loads.get(w.photoId),
      captions.get(w.photoId),
      dryRun,
    ),
  );
}

/** Outcomes of the photos one run selected, in batch order. */
export function runOutcomes(
  catalog: Catalog,
  runId: string,
  key: CaptionKey,
  dryRun: boolean,
): PhotoOutcome[] {
  return outcomesOf(catalog, catalog.runs.workList(runId), key, dryRun);
}

/** Outcomes of every photo a run's results cover: the whole library under its folders (`libraryOf`). */
export function runLibraryOutcomes(
  catalog: Catalog,
  runId: string,
  key: CaptionKey,
  dryRun: boolean,
): PhotoOutcome[] {
  return outcomesOf(catalog, catalog.runs.libraryOf(runId), key, dryRun);
}

/** Outcomes of every distinct photo under the roots (one row per photo, its first path). */
export function libraryOutcomes(catalog: Catalog, roots: string[], key: CaptionKey): PhotoOutcome[] {
  return catalog.photos
    .photosUnderRoots(roots)
    .map((p) => outcomeOf(catalog, { photoId: p.photoId, relPath: p.relPath, absPath: p.absPath }, key));
}

/** One file of a photo: exports have one line per file, and copies name the path they duplicate. */
export interface FileOutcome {
  outcome: PhotoOutcome;
  relPath: string;
  absPath: string;
  /** For a file whose bytes are also at an earlier path: that path (relative to its root). */
  duplicateOf?: string;
}

/**
 * Expands photo outcomes to every file under `roots` that holds the photo's bytes: the outcome's own
 * path first, then the copies (sorted), each sharing the outcome and naming the first path.
 */
export function fileOutcomes(catalog: Catalog, outcomes: PhotoOutcome[], roots: string[]): FileOutcome[] {
  const paths = catalog.photos.pathsUnderRoots(roots);
  const out: FileOutcome[] = [];
  for (const o of outcomes) {
    out.push({ outcome: o, relPath: o.relPath, absPath: o.absPath });
    for (const p of paths.get(o.photoId) ?? []) {
      if (p.absPath === o.absPath) continue;
      out.push({ outcome: o, relPath: p.relPath, absPath: p.absPath, duplicateOf: o.relPath });
    }
  }
  return out;
}
