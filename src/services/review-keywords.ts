/**
 * Reviewing keywords: select them (by cluster, photo, term, layer, source, state, score), see them
 * as cluster chips. Deciding on them is services/decisions.ts. Shared by `pcc tags` and the API.
 */
import type { Catalog } from '../catalog/catalog';
import type { KeywordLayer, KeywordState, PhotoKeyword } from '../catalog/keywords.repository';

export interface KeywordSelection {
  runId: string;
  cluster?: number;
  photoIds?: number[];
  layer?: KeywordLayer;
  term?: string;
  source?: string;
  state?: KeywordState;
  minScore?: number;
}

export interface SelectedKeyword extends PhotoKeyword {
  /** The photo's cluster in the run's clustering (−1: unclustered or not clustered). */
  cluster: number;
}

/** A term as a chip of one cluster: how many members carry it, in which state, from which sources. */
export interface ClusterChip {
  cluster: number;
  layer: KeywordLayer;
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

export class ReviewError extends Error {
  override name = 'ReviewError';
}

export function clusterOfPhotos(catalog: Catalog, runId: string): Map<number, number> {
  return new Map([...catalog.clusters.members(runId).values()].map((m) => [m.photoId, m.cluster]));
}

/** The keywords a selection names, among the photos of the run's library. */
export function selectKeywords(catalog: Catalog, sel: KeywordSelection): SelectedKeyword[] {
  // A cluster or a list of photos is read directly; only a selection without either reads the
  // whole library (the CLI's `pcc tags list`, a cold studio view).
  let photoIds: number[];
  let clusterOf: (photoId: number) => number;
  if (sel.cluster !== undefined) {
    const cluster = sel.cluster;
    photoIds = catalog.clusters.membersOfCluster(sel.runId, cluster);
    if (sel.photoIds) {
      const wanted = new Set(sel.photoIds);
      photoIds = photoIds.filter((id) => wanted.has(id));
    }
    clusterOf = () => cluster;
  } else if (sel.photoIds) {
    photoIds = [...new Set(sel.photoIds)];
    const of = new Map(photoIds.map((id) => [id, catalog.clusters.memberOf(sel.runId, id)?.cluster ?? -1]));
    clusterOf = (id) => of.get(id) ?? -1;
  } else {
    photoIds = catalog.runs.libraryOf(sel.runId).map((w) => w.photoId);
    const of = clusterOfPhotos(catalog, sel.runId);
    clusterOf = (id) => of.get(id) ?? -1;
  }
  return catalog.keywords
    .find({
      photoIds,
      layer: sel.layer,
      term: sel.term,
      source: sel.source,
      state: sel.state,
      minScore: sel.minScore,
    })
    .map((k) => ({ ...k, cluster: clusterOf(k.photoId) }));
}

/** The selection grouped as chips per cluster, largest share first. */
export function clusterChips(catalog: Catalog, sel: KeywordSelection): ClusterChip[] {
  const sizes = new Map<number, number>();
  for (const c of clusterOfPhotos(catalog, sel.runId).values()) sizes.set(c, (sizes.get(c) ?? 0) + 1);
  return groupChips(selectKeywords(catalog, sel), sizes);
}

/** Keywords (each with its photo's cluster) as chips, per cluster, the most widely shared first. */
export function groupChips(
  keywords: Iterable<SelectedKeyword>,
  sizes: ReadonlyMap<number, number>,
): ClusterChip[] {
  const chips = new Map<string, ClusterChip>();
  for (const k of keywords) {
    const key = `${k.cluster}\u0000${k.layer}\u0000${k.term}`;
    let chip = chips.get(key);
    if (!chip) {
      chip = {
        cluster: k.cluster,
        layer: k.layer,
        term: k.term,
        path: k.path,
        members: sizes.get(k.cluster) ?? 1,
        photos: 0,
        approved: 0,
        proposed: 0,
        rejected: 0,
        sources: [],
      };
      chips.set(key, chip);
    }
    chip.photos++;
    chip[k.state]++;
    if (k.score !== undefined && (chip.score === undefined || k.score > chip.score)) chip.score = k.score;
    for (const s of k.sources) if (!chip.sources.includes(s.source)) chip.sources.push(s.source);
  }
  return [...chips.values()].sort(
    (a, b) =>
      a.cluster - b.cluster ||
      b.photos / b.members - a.photos / a.members ||
      (b.score ?? -Infinity) - (a.score ?? -Infinity) ||
      (a.term < b.term ? -1 : 1),
  );
}
