/**
 * The manual clustering queue: the photos the clusterer left (noise), or a cluster, a folder or a
 * search, sorted by a person with suggestions from cluster centroids — shared by `pcc clusters`,
 * the API and the studio's Queue page.
 *
 * - Suggestions: the top clusters by cosine between the photo's vector and each cluster's
 *   centroid (the normalised mean of its members) in the image space, the caption space or both
 *   (both: image and caption vectors joined, each half weighted equally). Centroids are computed
 *   from the current members, so they follow every assignment; the photo's own cluster is never
 *   suggested.
 * - Actions — assign, new cluster, rename, exclude/include, auto-move — are entries in the
 *   catalog's append-only decision log (services/decisions.ts undoes any of them, a whole
 *   auto-move at once); an auto-move records each photo's target and score.
 * - The log exports as JSON lines naming photos by SHA-1, so `replay` reproduces the same
 *   assignments on a fresh catalog with the same photos and clustering.
 */
import picomatch from 'picomatch';
import type { Catalog } from '../catalog/catalog';
import type { Decision, MemberBefore } from '../catalog/decisions.repository';
import { Rng } from '../clustering/random';
import type { RunConfig } from '../shared/payloads';
import { DecisionError, movePhotos, undoDecision } from './decisions';
import { privacyOf } from './privacy';
import { ReviewViews } from './review-views';

export type SuggestSpace = 'image' | 'caption' | 'both';
export const SUGGEST_SPACES: readonly SuggestSpace[] = ['image', 'caption', 'both'];

export interface Suggestion {
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
  /** Best first; empty in manual-only mode or without vectors. */
  suggestions: Suggestion[];
}

export interface QueueStats {
  /** Photos in the queue now. */
  queued: number;
  /** Photos moved by a person, and by auto-moves, in standing (not undone) decisions of the run. */
  manual: number;
  auto: number;
  processed: number;
  /** auto / processed (0 when nothing was processed). */
  autoShare: number;
}

export interface QueuePage {
  runId: string;
  source: string;
  total: number;
  offset: number;
  items: QueueItem[];
  stats: QueueStats;
  /** Clusters to assign to (id, label, size), for the number keys and the picker. */
  clusters: Array<{ id: number; label: string; size: number }>;
}

export interface QueueQuery {
  runId: string;
  /** `noise` (default), `cluster:N`, `folder:GLOB`. */
  source?: string;
  offset?: number;
  limit?: number;
  /** A seed: the same seed gives the same order, so pages stay stable. */
  shuffle?: number;
  /** Hide suggestions while a person gathers seed examples. */
  manual?: boolean;
  space?: SuggestSpace;
  /** Photo ids a search chose (the `search:` source is resolved by the caller, which can await). */
  photoIds?: number[];
}

export class QueueError extends DecisionError {
  override name = 'QueueError';
}

/** Centroids of a run's clusters in one space: one normalised row per cluster. */
interface Centroids {
  ids: number[];
  dim: number;
  unit: Float32Array;
  vectors: Map<number, Float32Array>;
  clusterOf: Map<number, number>;
}

function parseSource(
  source: string,
):
  | { kind: 'noise' }
  | { kind: 'cluster'; cluster: number }
  | { kind: 'folder'; glob: string }
  | { kind: 'search' } {
  if (source === 'noise') return { kind: 'noise' };
  const m = /^(cluster|folder|search):(.+)$/s.exec(source);
  if (m?.[1] === 'cluster' && /^-?\d+$/.test(m[2])) return { kind: 'cluster', cluster: Number(m[2]) };
  if (m?.[1] === 'folder') return { kind: 'folder', glob: m[2] };
  if (m?.[1] === 'search') return { kind: 'search' };
  throw new QueueError(
    `a queue is noise, cluster:N, folder:GLOB or search:WORDS, got "${source.slice(0, 80)}"`,
  );
}

export class ClusterQueue {
  /** Held by a long-lived queue (the API's): cluster cards are rebuilt only when the catalog moves on. */
  private readonly views: ReviewViews;
  /** Vectors per space, reloaded when a run writes vectors (the search counters say so). */
  private readonly vectorCache = new Map<
    string,
    { generation: number; vectors: Map<number, Float32Array> }
  >();

  constructor(private readonly catalog: Catalog) {
    this.views = new ReviewViews(catalog);
  }

  private run(runId: string): { id: string; config: RunConfig } {
    const run = this.catalog.runs.run(runId);
    if (!run) throw new QueueError(`no run ${runId.slice(0, 80)} in the catalog`);
    if (!this.catalog.clusters.clusteringOf(run.id)) throw new QueueError(`run ${run.id} has no clusters`);
    return run;
  }

  /** Cluster labels as the studio shows them (a person's name, else the medoid's caption). */
  labels(runId: string): Map<number, string> {
    const out = new Map<number, string>();
    for (let offset = 0, total = 1; offset < total; offset += 500) {
      const page = this.views.clusters(runId, { limit: 500, offset });
      total = page.total;
      for (const card of page.clusters) if (card.id >= 0) out.set(card.id, card.label);
    }
    // Clusters a person named that have no member yet.
    for (const [cluster, name] of this.catalog.clusters.names(runId)) out.set(cluster, name);
    return out;
  }

  /** The queue's photo ids in order (shuffled with a seed when asked), excluded photos left out. */
  queueIds(q: QueueQuery): number[] {
    const run = this.run(q.runId);
    const source = parseSource(q.source ?? 'noise');
    const members = this.catalog.clusters.members(run.id);
    const excluded = this.catalog.photos.excluded();
    let ids: number[];
    if (source.kind === 'noise')
      ids = [...members.values()].filter((m) => m.cluster < 0).map((m) => m.photoId);
    else if (source.kind === 'cluster')
      ids = [...members.values()].filter((m) => m.cluster === source.cluster).map((m) => m.photoId);
    else if (source.kind === 'folder') {
      const match = picomatch(source.glob, { dot: true, nocase: true });
      ids = this.catalog.runs
        .workList(run.id)
        .filter((w) => members.has(w.photoId) && match(w.relPath))
        .map((w) => w.photoId);
    } else ids = (q.photoIds ?? []).filter((id) => members.has(id));
    ids = [...new Set(ids)].filter((id) => !excluded.has(id)).sort((a, b) => a - b);
    if (q.shuffle !== undefined) {
      const rng = new Rng(q.shuffle);
      for (let i = ids.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [ids[i], ids[j]] = [ids[j], ids[i]];
      }
    }
    return ids;
  }

  page(q: QueueQuery): QueuePage {
    const run = this.run(q.runId);
    const ids = this.queueIds(q);
    const offset = q.offset ?? 0;
    const limit = Math.min(500, q.limit ?? 50);
    const pageIds = ids.slice(offset, offset + limit);
    const labels = this.labels(run.id);
    const suggestions = q.manual
      ? new Map<number, Suggestion[]>()
      : this.suggest(run.id, pageIds, q.space ?? 'image', 3);
    const members = this.catalog.clusters.members(run.id);
    const key = { backend: run.config.backend, model: run.config.model, promptHash: run.config.promptHash };
    const privacy = privacyOf(this.catalog, run.config, { bulk: false });
    const items = pageIds.map((photoId) => {
      const paths = this.catalog.photos.pathsOf(photoId);
      return {
        photoId,
        sha1: this.catalog.photos.get(photoId)?.sha1 ?? '',
        relPath: paths[0]?.relPath ?? '',
        caption: this.catalog.results.get(photoId, 'caption', key)?.output ?? null,
        cluster: members.get(photoId)?.cluster ?? -1,
        private: privacy.isPrivate(
          photoId,
          paths.map((p) => p.relPath),
        ),
        suggestions: suggestions.get(photoId) ?? [],
      };
    });
    const sizes = new Map<number, number>();
    for (const m of members.values())
      if (m.cluster >= 0) sizes.set(m.cluster, (sizes.get(m.cluster) ?? 0) + 1);
    for (const id of this.catalog.clusters.names(run.id).keys()) if (!sizes.has(id)) sizes.set(id, 0);
    return {
      runId: run.id,
      source: q.source ?? 'noise',
      total: ids.length,
      offset,
      items,
      stats: this.stats(run.id, ids.length),
      clusters: [...sizes.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([id, size]) => ({ id, label: labels.get(id) ?? `cluster ${id}`, size })),
    };
  }

  /** The vectors of a space per photo (both: image and caption halves, each scaled by 1/√2). */
  private spaceVectors(config: RunConfig, space: SuggestSpace): Map<number, Float32Array> {
    const key = `${space}\u0000${config.embed?.imageModel ?? ''}\u0000${config.embed?.textModel ?? ''}`;
    const generation = this.catalog.search.generation('embeddings');
    const cached = this.vectorCache.get(key);
    if (cached?.generation === generation) return cached.vectors;
    const vectors = this.loadSpaceVectors(config, space);
    this.vectorCache.set(key, { generation, vectors });
    return vectors;
  }

  private loadSpaceVectors(config: RunConfig, space: SuggestSpace): Map<number, Float32Array> {
    const of = (kind: 'image' | 'caption', model: string | undefined) => {
      const out = new Map<number, Float32Array>();
      if (!model) return out;
      for (const r of this.catalog.embeddings.iterate(kind, model)) out.set(r.photoId, r.vector);
      return out;
    };
    const image =
      space !== 'caption' ? of('image', config.embed?.imageModel) : new Map<number, Float32Array>();
    const caption =
      space !== 'image' ? of('caption', config.embed?.textModel) : new Map<number, Float32Array>();
    if (space === 'image') return image;
    if (space === 'caption') return caption;
    const both = new Map<number, Float32Array>();
    for (const [id, a] of image) {
      const b = caption.get(id);
      if (!b) continue;
      const v = new Float32Array(a.length + b.length);
      for (let k = 0; k < a.length; k++) v[k] = a[k] * Math.SQRT1_2;
      for (let k = 0; k < b.length; k++) v[a.length + k] = b[k] * Math.SQRT1_2;
      both.set(id, v);
    }
    return both;
  }

  private centroids(runId: string, space: SuggestSpace): Centroids {
    const run = this.run(runId);
    const vectors = this.spaceVectors(run.config, space);
    const clusterOf = new Map<number, number>();
    const rows = new Map<number, number>();
    const ids: number[] = [];
    let dim = 0;
    for (const v of vectors.values()) {
      dim = v.length;
      break;
    }
    for (const m of this.catalog.clusters.members(run.id).values()) {
      clusterOf.set(m.photoId, m.cluster);
      if (m.cluster >= 0 && !rows.has(m.cluster)) {
        rows.set(m.cluster, ids.length);
        ids.push(m.cluster);
      }
    }
    const sums = new Float64Array(ids.length * dim);
    for (const [photoId, cluster] of clusterOf) {
      const v = vectors.get(photoId);
      const row = rows.get(cluster);
      if (!v || row === undefined || v.length !== dim) continue;
      for (let k = 0; k < dim; k++) sums[row * dim + k] += v[k];
    }
    const unit = new Float32Array(ids.length * dim);
    for (let r = 0; r < ids.length; r++) {
      let n = 0;
      for (let k = 0; k < dim; k++) n += sums[r * dim + k] ** 2;
      n = Math.sqrt(n) || 1;
      for (let k = 0; k < dim; k++) unit[r * dim + k] = sums[r * dim + k] / n;
    }
    return { ids, dim, unit, vectors, clusterOf };
  }

  /**
   * The `k` best clusters for each photo, other than the one it is in (assigning it there would
   * change nothing, and a queue of a cluster is for finding photos that belong elsewhere).
   */
  suggest(
    runId: string,
    photoIds: readonly number[],
    space: SuggestSpace,
    k: number,
  ): Map<number, Suggestion[]> {
    const out = new Map<number, Suggestion[]>();
    if (!photoIds.length) return out;
    const c = this.centroids(runId, space);
    if (!c.ids.length || !c.dim) return out;
    const labels = this.labels(runId);
    for (const photoId of photoIds) {
      const v = c.vectors.get(photoId);
      if (!v || v.length !== c.dim) continue;
      const own = c.clusterOf.get(photoId) ?? -1;
      const scores: Array<{ cluster: number; score: number }> = [];
      for (let r = 0; r < c.ids.length; r++) {
        if (c.ids[r] === own) continue;
        let score = 0;
        for (let j = 0; j < c.dim; j++) score += c.unit[r * c.dim + j] * v[j];
        scores.push({ cluster: c.ids[r], score });
      }
      scores.sort((a, b) => b.score - a.score || a.cluster - b.cluster);
      out.set(
        photoId,
        scores.slice(0, k).map((s) => ({
          cluster: s.cluster,
          label: labels.get(s.cluster) ?? `cluster ${s.cluster}`,
          score: Math.round(s.score * 1e4) / 1e4,
        })),
      );
    }
    return out;
  }

  /** Assigns photos to a cluster by hand (a click or a number key): one logged move. */
  assign(input: { runId: string; photoIds: number[]; toCluster: number; client: string }): Decision {
    const run = this.run(input.runId);
    if (!input.photoIds.length) throw new QueueError('choose at least one photo to assign');
    if (input.toCluster >= 0 && !this.knownCluster(run.id, input.toCluster))
      throw new QueueError(
        `run ${run.id} has no cluster ${input.toCluster}: make it with "new cluster" first`,
      );
    return movePhotos(this.catalog, { ...input, runId: run.id, details: { mode: 'manual' } });
  }

  private knownCluster(runId: string, cluster: number): boolean {
    return (
      this.catalog.clusters.membersOfCluster(runId, cluster).length > 0 ||
      this.catalog.clusters.names(runId).has(cluster)
    );
  }

  /** A new cluster from the selected photos, with a name: one logged move that undo takes back whole. */
  newCluster(input: {
    runId: string;
    photoIds: number[];
    name: string;
    client: string;
    cluster?: number;
  }): Decision {
    const run = this.run(input.runId);
    const name = cleanName(input.name);
    if (!input.photoIds.length) throw new QueueError('a new cluster needs at least one photo');
    const cluster = input.cluster ?? this.catalog.clusters.nextClusterId(run.id);
    if (this.knownCluster(run.id, cluster)) throw new QueueError(`cluster ${cluster} exists already`);
    return this.catalog.transaction(() => {
      this.catalog.clusters.setName(run.id, cluster, name);
      return movePhotos(this.catalog, {
        runId: run.id,
        photoIds: input.photoIds,
        toCluster: cluster,
        client: input.client,
        details: { mode: 'manual', newCluster: true, name },
      });
    });
  }

  rename(input: { runId: string; cluster: number; name: string; client: string }): Decision {
    const run = this.run(input.runId);
    const name = cleanName(input.name);
    if (!this.knownCluster(run.id, input.cluster))
      throw new QueueError(`run ${run.id} has no cluster ${input.cluster}`);
    return this.catalog.transaction(() => {
      const before = this.catalog.clusters.setName(run.id, input.cluster, name);
      return this.catalog.decisions.append({
        client: input.client,
        action: 'rename',
        runId: run.id,
        cluster: input.cluster,
        photoIds: [],
        before: [],
        details: { name, nameBefore: before },
      });
    });
  }

  /** Hides photos from the library views (and the queue); never touches their files. */
  exclude(input: { runId: string; photoIds: number[]; client: string; include?: boolean }): Decision {
    const run = this.run(input.runId);
    return this.catalog.transaction(() => {
      const changed = this.catalog.photos.setExcluded(input.photoIds, !input.include, input.client);
      return this.catalog.decisions.append({
        client: input.client,
        action: input.include ? 'include' : 'exclude',
        runId: run.id,
        photoIds: changed,
        before: [],
      });
    });
  }

  /**
   * Assigns every queued photo whose best suggestion is at or above `threshold`: one decision
   * recording each photo's target and score, so one undo takes the whole auto-move back.
   * Undefined when no photo reaches the threshold.
   */
  autoMove(input: QueueQuery & { threshold: number; client: string }): Decision | undefined {
    const run = this.run(input.runId);
    if (!(input.threshold > 0 && input.threshold <= 1))
      throw new QueueError(`an auto-move threshold is a cosine in (0, 1], got ${input.threshold}`);
    const space = input.space ?? 'image';
    const ids = this.queueIds({ ...input, shuffle: undefined });
    const best = this.suggest(run.id, ids, space, 1);
    const moves = ids
      .map((photoId) => ({ photoId, s: best.get(photoId)?.[0] }))
      .filter(
        (m): m is { photoId: number; s: Suggestion } => m.s !== undefined && m.s.score >= input.threshold,
      )
      .map((m) => ({ photoId: m.photoId, to: m.s.cluster, score: m.s.score }));
    if (!moves.length) return undefined;
    return this.applyMoves(run.id, moves, { mode: 'auto', threshold: input.threshold, space }, input.client);
  }

  /** Moves each photo to its own target as one decision (an auto-move, or one replayed). */
  applyMoves(
    runId: string,
    moves: Array<{ photoId: number; to: number; score: number }>,
    details: { mode: 'auto'; threshold?: number; space?: string },
    client: string,
  ): Decision {
    return this.catalog.transaction(() => {
      const before: MemberBefore[] = [];
      const done: typeof moves = [];
      for (const m of moves) {
        const from = this.catalog.clusters.moveMember(runId, m.photoId, m.to);
        if (from === undefined) throw new QueueError(`photo ${m.photoId} is not in run ${runId}`);
        if (from === m.to) continue;
        before.push({ photoId: m.photoId, cluster: from });
        done.push(m);
      }
      return this.catalog.decisions.append({
        client,
        action: 'move',
        runId,
        photoIds: before.map((b) => b.photoId),
        before,
        details: { ...details, moves: done },
      });
    });
  }

  /** Counts from the log: photos moved by hand and by auto-moves in decisions still standing. */
  stats(runId: string, queued?: number): QueueStats {
    let manual = 0;
    let auto = 0;
    for (const d of this.catalog.decisions.ofRun(runId)) {
      if (d.action !== 'move' || d.undoneBy !== undefined) continue;
      if (d.details?.mode === 'auto') auto += d.photoIds.length;
      else manual += d.photoIds.length;
    }
    const processed = manual + auto;
    return {
      queued: queued ?? this.queueIds({ runId }).length,
      manual,
      auto,
      processed,
      autoShare: processed ? Math.round((auto / processed) * 1e4) / 1e4 : 0,
    };
  }

  undo(id: number, client: string): Decision {
    return undoDecision(this.catalog, id, client);
  }
}

/** A cluster name a person typed: trimmed, control characters out, at most 200 characters. */
function cleanName(name: string): string {
  const clean = name
    // eslint-disable-next-line no-control-regex -- control characters are what this removes
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  if (!clean) throw new QueueError('a cluster name must not be empty');
  return clean;
}
