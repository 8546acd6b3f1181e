/**
 * What the review studio shows: cluster cards (medoid, size, label, chips, badges) with filters,
 * sort and paging; a cluster's members with their keywords; a photo with its metadata, date,
 * keywords and history. Built from the catalog once per run and kept until the catalog changes
 * (a decision, a new clustering, new proposals), so a 10,000-cluster grid pages in milliseconds.
 */
import type { Catalog } from '../catalog/catalog';
import type { KeywordLayer, KeywordState, PhotoKeyword } from '../catalog/keywords.repository';
import { summarizeClusters } from '../reports/cluster-reports';
import { DATE_UNCERTAIN } from '../activities/dates';
import { groupChips, type ClusterChip } from './review-keywords';
import { byCodePoint } from '../shared/compare';
import { privacyOf } from './privacy';

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
  /** Any member is local-only: the cluster never goes to a cloud model and is blurred. */
  private: boolean;
  /** Members whose NSFW score is in the review band (0.2 up to the private threshold). */
  nsfwReview: number;
  /** Mostly photos of people: kept off cloud vision ('local') or allowed by the config ('cloud'). */
  peopleSet?: 'local' | 'cloud';
  dateUncertain: number;
  folder: string;
  /** Resolved dates of the members, oldest and newest (trusted or not). */
  dateFrom?: string;
  dateTo?: string;
  chips: ClusterChip[];
}

export interface ClusterFilter {
  layer?: KeywordLayer;
  source?: string;
  state?: KeywordState;
  minScore?: number;
  folder?: string;
  /** Label words, case-insensitive. */
  q?: string;
  dateFrom?: string;
  dateTo?: string;
  privateOnly?: boolean;
}

export const CLUSTER_SORTS = ['size', 'size-asc', 'label', 'proposed', 'date'] as const;
export type ClusterSort = (typeof CLUSTER_SORTS)[number];

interface RunIndex {
  stamp: string;
  cards: ClusterCard[];
  members: Map<number, Array<PhotoRef & { distance: number | null; caption?: string; status?: string }>>;
}

const CHIPS_PER_CARD = 8;
/** Labels sort as people read them; one collator, not one per comparison. */
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

export class ReviewViews {
  private readonly cache = new Map<string, RunIndex>();

  constructor(private readonly catalog: Catalog) {}

  /** Drops cached views (a move changes memberships: the next request builds them again). */
  invalidate(runId?: string): void {
    if (runId) this.cache.delete(runId);
    else this.cache.clear();
  }

  /**
   * After a keyword decision on some photos: only their clusters' chips change, so only those are
   * computed again (a full rebuild at 100k photos takes seconds; this takes milliseconds).
   */
  refreshPhotos(runId: string, photoIds: readonly number[]): void {
    const index = this.cache.get(runId);
    if (!index) return;
    const clusterOf = new Map<number, number>();
    for (const [cluster, members] of index.members)
      for (const m of members) clusterOf.set(m.photoId, cluster);
    const touched = new Set(
      photoIds.map((id) => clusterOf.get(id)).filter((c): c is number => c !== undefined),
    );
    for (const cluster of touched) {
      const members = index.members.get(cluster) ?? [];
      const keywords = this.catalog.keywords
        .find({ photoIds: members.map((m) => m.photoId) })
        .map((k) => ({ ...k, cluster }));
      const card = index.cards.find((c) => c.id === cluster);
      if (!card) continue;
      const chips = groupChips(keywords, new Map([[cluster, members.length]]));
      card.chips = chips.filter((k) => !(k.layer === 'AI' && k.term === DATE_UNCERTAIN));
      card.dateUncertain = chips.find((k) => k.layer === 'AI' && k.term === DATE_UNCERTAIN)?.photos ?? 0;
    }
    index.stamp = this.stampOf(runId);
  }

  private stampOf(runId: string): string {
    return this.catalog.keywords.stamp() + this.catalog.clusters.stamp(runId);
  }

  private index(runId: string): RunIndex {
    const stamp = this.stampOf(runId);
    const cached = this.cache.get(runId);
    if (cached?.stamp === stamp) return cached;
    const catalog = this.catalog;
    const summary = summarizeClusters(catalog, runId);
    const { config, clusters } = summary;
    const privacy = privacyOf(catalog, config, { bulk: true });
    const members: RunIndex['members'] = new Map();
    // Library-wide reads in a few queries (one per table), not a few per photo.
    const sha1s = catalog.photos.sha1s();
    const dates = catalog.metadata.resolvedDates();
    const sha1 = (id: number) => sha1s.get(id) ?? '';
    const dateOf = (id: number) => dates.get(id);
    const sizes = new Map(clusters.map((c) => [c.id, c.size]));
    const chips = new Map<number, ClusterChip[]>();
    const inLibrary = summary.byPhoto;
    const keywords = catalog.keywords
      .find({})
      .filter((k) => inLibrary.has(k.photoId))
      .map((k) => ({ ...k, cluster: inLibrary.get(k.photoId)!.cluster }));
    for (const chip of groupChips(keywords, sizes)) {
      const list = chips.get(chip.cluster) ?? [];
      list.push(chip);
      chips.set(chip.cluster, list);
    }
    // A person's cluster names win over the medoid's caption; excluded photos are not shown.
    const names = catalog.clusters.names(runId);
    const excluded = catalog.photos.excluded();
    const cards: ClusterCard[] = clusters.map((c) => {
      // summarizeClusters has every member sorted, nearest the centre first.
      const refs = c.members
        .filter(({ outcome: o }) => !excluded.has(o.photoId))
        .map(({ outcome: o, distance }) => ({
          photoId: o.photoId,
          relPath: o.relPath,
          distance,
          ...(o.caption ? { caption: o.caption } : {}),
          ...(o.status ? { status: o.status } : {}),
          sha1: sha1(o.photoId),
          private: privacy.isPrivate(o.photoId, [o.relPath]),
        }));
      members.set(c.id, refs);
      const all = chips.get(c.id) ?? [];
      const dates = refs
        .map((m) => dateOf(m.photoId))
        .filter((d): d is string => Boolean(d))
        .sort();
      const medoid = refs[0];
      const folders = new Map<string, number>();
      for (const m of refs) {
        const f = m.relPath.includes('/') ? m.relPath.slice(0, m.relPath.lastIndexOf('/')) : '';
        folders.set(f, (folders.get(f) ?? 0) + 1);
      }
      return {
        id: c.id,
        label: names.get(c.id) ?? c.label,
        labelSource: names.has(c.id) ? 'name' : c.labelSource,
        size: refs.length,
        ...(medoid
          ? {
              medoid: {
                photoId: medoid.photoId,
                sha1: medoid.sha1,
                relPath: medoid.relPath,
                private: medoid.private,
              },
            }
          : {}),
        private: refs.some((m) => m.private),
        nsfwReview: refs.filter((m) => privacy.inReview(m.photoId)).length,
        ...(c.peopleSet ? { peopleSet: config.cluster?.people?.allowCloud ? 'cloud' : 'local' } : {}),
        dateUncertain: all.find((k) => k.layer === 'AI' && k.term === DATE_UNCERTAIN)?.photos ?? 0,
        folder: [...folders.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '',
        ...(dates.length ? { dateFrom: dates[0], dateTo: dates[dates.length - 1] } : {}),
        chips: all.filter((k) => !(k.layer === 'AI' && k.term === DATE_UNCERTAIN)),
      };
    });
    const index = { stamp, cards, members };
    this.cache.set(runId, index);
    return index;
  }

  /** A page of cluster cards, filtered and sorted; chips are trimmed to the card's best ones. */
  clusters(
    runId: string,
    options: { filter?: ClusterFilter; sort?: ClusterSort; offset?: number; limit?: number } = {},
  ): { total: number; clusters: ClusterCard[] } {
    const f = options.filter ?? {};
    const chipMatches = (k: ClusterChip) =>
      (!f.layer || k.layer === f.layer) &&
      (!f.source ||
        k.sources.some(
          (s) => s === f.source || s.startsWith(`${f.source}:`) || s === sourceAlias(f.source!),
        )) &&
      (!f.state || k[f.state] > 0) &&
      (f.minScore === undefined || (k.score ?? -Infinity) >= f.minScore);
    const chipFilter = Boolean(f.layer || f.source || f.state || f.minScore !== undefined);
    const q = f.q?.trim().toLowerCase();
    let cards = this.index(runId).cards.filter(
      (c) =>
        (!chipFilter || c.chips.some(chipMatches)) &&
        (!f.folder || c.folder === f.folder || c.folder.startsWith(`${f.folder}/`)) &&
        (!q || c.label.toLowerCase().includes(q) || c.chips.some((k) => k.term.toLowerCase().includes(q))) &&
        (!f.dateFrom || (c.dateTo ?? '') >= f.dateFrom) &&
        (!f.dateTo || (c.dateFrom ?? '\uffff') <= f.dateTo) &&
        (!f.privateOnly || c.private),
    );
    const sort = options.sort ?? 'size';
    const noiseLast = (a: ClusterCard, b: ClusterCard) => Number(a.id < 0) - Number(b.id < 0);
    const proposed = (c: ClusterCard) => c.chips.reduce((n, k) => n + k.proposed, 0);
    cards = [...cards].sort(
      (a, b) =>
        noiseLast(a, b) ||
        (sort === 'size'
          ? b.size - a.size
          : sort === 'size-asc'
            ? a.size - b.size
            : sort === 'label'
              ? collator.compare(a.label, b.label)
              : sort === 'proposed'
                ? proposed(b) - proposed(a)
                : byCodePoint(a.dateFrom ?? '\uffff', b.dateFrom ?? '\uffff')) ||
        a.id - b.id,
    );
    const offset = Math.max(0, options.offset ?? 0);
    const limit = Math.min(500, Math.max(1, options.limit ?? 100));
    return {
      total: cards.length,
      clusters: cards.slice(offset, offset + limit).map((c) => ({
        ...c,
        chips: (chipFilter ? c.chips.filter(chipMatches) : c.chips).slice(0, CHIPS_PER_CARD),
      })),
    };
  }

  /** One cluster: its card with every chip, and every member with its keywords. */
  cluster(runId: string, id: number) {
    const index = this.index(runId);
    const card = index.cards.find((c) => c.id === id);
    if (!card) return undefined;
    const members = index.members.get(id) ?? [];
    const keywords = new Map<number, PhotoKeyword[]>();
    for (const k of this.catalog.keywords.find({ photoIds: members.map((m) => m.photoId) })) {
      keywords.set(k.photoId, [...(keywords.get(k.photoId) ?? []), k]);
    }
    const position = index.cards.indexOf(card);
    return {
      ...card,
      previous: index.cards[position - 1]?.id,
      next: index.cards[position + 1]?.id,
      members: members.map((m) => ({ ...m, keywords: keywords.get(m.photoId) ?? [] })),
      /** Other clusters to move a photo to, largest first. */
      targets: index.cards
        .filter((c) => c.id !== id)
        .slice(0, 200)
        .map((c) => ({ id: c.id, label: c.label, size: c.size })),
    };
  }

  /** One photo: where it is, what pcc knows about it, and what happened to it. */
  photo(photoId: number, runId?: string) {
    const catalog = this.catalog;
    const photo = catalog.photos.get(photoId);
    if (!photo) return undefined;
    const runs = catalog.runs.runsOfPhoto(photoId);
    const run = runId ? catalog.runs.run(runId) : runs[0];
    const paths = catalog.photos.pathsOf(photoId);
    const nsfwScore = catalog.metadata.nsfwScore(photoId);
    const meta = catalog.metadata.get(photoId);
    const results = catalog.results.allOf(photoId);
    const cluster = run ? catalog.clusters.memberOf(run.id, photoId) : undefined;
    return {
      photoId,
      sha1: photo.sha1,
      format: photo.format,
      size: photo.size,
      private: privacyOf(catalog, run?.config, { bulk: false }).isPrivate(
        photoId,
        paths.map((p) => p.relPath),
      ),
      ...(nsfwScore !== undefined ? { nsfwScore } : {}),
      paths: paths.map((p) => ({ absPath: p.absPath, relPath: p.relPath, root: p.root })),
      metadata: meta
        ? {
            make: meta.make,
            model: meta.model,
            lens: meta.lens,
            dateOriginal: meta.dateOriginal,
            iso: meta.iso,
            fNumber: meta.fNumber,
            exposureTime: meta.exposureTime,
            hasGps: meta.hasGps,
            width: meta.width,
            height: meta.height,
          }
        : undefined,
      date: meta?.resolvedDate
        ? { value: meta.resolvedDate, trust: meta.dateTrust, signals: meta.dateSource }
        : meta
          ? { value: undefined, trust: meta.dateTrust, signals: meta.dateSource }
          : undefined,
      captions: results
        .filter((r) => r.stage === 'caption')
        .map((r) => ({
          backend: r.backend,
          model: r.model,
          status: r.status,
          caption: r.output,
          reason: r.reason,
          runId: r.runId,
          at: r.updatedAt,
        })),
      // Text read in the photo (OCR): plain text, rendered as text by the studio.
      texts: catalog.texts
        .of(photoId)
        .map((t) => ({ source: t.source, model: t.model, text: t.text, at: t.readAt })),
      keywords: catalog.keywords.keywordsOf(photoId),
      cluster: cluster ? { runId: run!.id, id: cluster.cluster, distance: cluster.distance } : undefined,
      history: [
        ...results.map((r) => ({
          at: r.updatedAt,
          stage: r.stage,
          what: `${r.backend}/${r.model}`,
          status: r.status,
          note: r.reason ?? undefined,
          runId: r.runId ?? undefined,
        })),
      ],
      runs: runs.map((r) => ({
        id: r.id,
        workflowId: r.workflowId,
        status: r.status,
        createdAt: r.createdAt,
      })),
    };
  }
}

/** `vocabulary` also matches the exact sources `vocabulary:<model>`; `concept` matches `concept-bank`. */
function sourceAlias(source: string): string {
  return source === 'concept'
    ? 'concept-bank'
    : source === 'exif'
      ? 'exif-gear'
      : source === 'date'
        ? 'date-resolver'
        : source;
}
