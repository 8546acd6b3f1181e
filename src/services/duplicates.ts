/**
 * Duplicates as the CLI, the API and the studio see them: the catalog's facts fed to the pure
 * grouping (duplicates/group.ts), each group dressed with its photos' paths, sizes, dates and marks,
 * and a suggested keeper. Marking records a person's keep/discard choice (and, when asked, the
 * approved keyword AI|duplicate on what they discard); it never touches a file.
 */
import fs from 'node:fs';
import type { Catalog } from '../catalog/catalog';
import type {
  DuplicateFacts,
  DuplicateMark,
  DuplicateScope,
  MarkState,
} from '../catalog/duplicates.repository';
import type { PathRow } from '../catalog/photos.repository';
import type { RunConfig } from '../shared/payloads';
import { privacyOf } from './privacy';
import {
  DUPLICATE_KINDS,
  dhashHalves,
  groupDuplicates,
  resolveDuplicateOptions,
  type DuplicateGroup,
  type DuplicateKind,
  type DuplicateOptions,
  type VectorMatrix,
} from '../duplicates/group';

/** A mistake in what was asked (unknown photo, bad threshold): the CLI's usage error, the API's 400. */
export class DuplicatesError extends Error {
  override name = 'DuplicatesError';
}

/** The keyword a discard can add: pcc's own AI layer, approved, from the `duplicates` source. */
export const DUPLICATE_KEYWORD = {
  layer: 'AI',
  term: 'duplicate',
  source: 'duplicates',
  // A person's choice, so the `user` kind: re-running a report withdraws heuristic proposals, not this.
  sourceKind: 'user',
} as const;

export interface FindDuplicatesOptions {
  /** A run (id or workflow id): the photos under its folders, seen since it began. */
  runId?: string;
  /** Otherwise these library roots (absolute); neither: the whole catalog. */
  roots?: string[];
  /** The kinds to return (default all; identical groups are always computed: they beat bursts). */
  kinds?: readonly DuplicateKind[];
  /** Which CLIP image vectors (default: the run's model, else the one most photos have). */
  imageModel?: string;
  thresholds?: Partial<DuplicateOptions>;
  /**
   * Leave out paths whose file is gone (moved or deleted since the last scan); default true. Only
   * photos with several paths are checked. Benches over synthetic paths turn it off.
   */
  checkFiles?: boolean;
}

export interface DuplicatePath {
  absPath: string;
  relPath: string;
  root: string;
  size: number;
  mtimeMs: number;
}

export interface DuplicateMember {
  photoId: number;
  sha1: string;
  format: string;
  /** Every path of the photo in scope (an exact group's copies). */
  paths: DuplicatePath[];
  width?: number;
  height?: number;
  /** Bytes of the file. */
  size: number;
  /** Capture time as recorded (local time), when the photo has one. */
  takenAt?: string;
  mark?: DuplicateMark;
  /** Private (NSFW score over the run's threshold, or a local-only folder): the studio blurs it. */
  private: boolean;
}

export interface DuplicateGroupView {
  /** Stable while the group's first photo stays: `<kind>-<photo id>`. */
  id: string;
  kind: DuplicateKind;
  reason: string;
  members: DuplicateMember[];
  /** Largest pixel count, then largest file, then the oldest file (an exact group: its oldest path). */
  suggestedKeeper: { photoId: number; absPath: string };
  maxHashDistance?: number;
  minCosine?: number;
  withoutVector?: boolean;
  spanMs?: number;
}

export interface DuplicateReport {
  scope: { runId?: string; roots?: string[] };
  imageModel?: string;
  thresholds: DuplicateOptions;
  /** Photos looked at, and how many had each signal. */
  photos: number;
  withHash: number;
  withVector: number;
  withTime: number;
  counts: { exact: number; exactPaths: number; identical: number; burst: number };
  groups: DuplicateGroupView[];
  notes: string[];
  seconds: number;
}

/** ISO-like local time (or with an offset) to ms; local times are read as UTC: only differences matter. */
export function captureMs(date: string | undefined): number {
  if (!date) return NaN;
  const m = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)?$/.exec(date);
  if (!m) return NaN;
  return Date.parse(m[1] ? date : `${date}Z`);
}

/** The camera's clock: DateTimeOriginal, CreateDate, or a resolved date that came from one of them. */
function captureTimeOf(f: DuplicateFacts): string | undefined {
  if (f.dateOriginal) return f.dateOriginal;
  if (f.createDate) return f.createDate;
  // Dates from paths, file times or neighbours are not precise to the second: never a burst.
  if (f.resolvedDate && /^exif-(original|create)\b/.test(f.dateSource ?? '')) return f.resolvedDate;
  return undefined;
}

function scopeOf(
  catalog: Catalog,
  options: FindDuplicatesOptions,
): {
  scope: DuplicateScope;
  view: DuplicateReport['scope'];
  runModel?: string;
  /** Whose privacy settings apply: the run's, else the latest run's. */
  config?: RunConfig;
} {
  if (options.runId !== undefined) {
    const run = catalog.runs.run(options.runId);
    if (!run) throw new DuplicatesError(`no run ${options.runId} in the catalog`);
    return {
      scope: { roots: run.config.roots, seenSince: run.createdAt },
      view: { runId: run.id, roots: run.config.roots },
      runModel: run.config.embed?.imageModel,
      config: run.config,
    };
  }
  const config = catalog.runs.latestRun()?.config;
  if (options.roots) return { scope: { roots: options.roots }, view: { roots: options.roots }, config };
  return { scope: {}, view: {}, config };
}

/** The rows of one model's image vectors for the photos in `index` (unit length, one flat matrix). */
function imageVectors(
  catalog: Catalog,
  model: string,
  index: ReadonlyMap<number, number>,
): { matrix?: VectorMatrix; count: number; notes: string[] } {
  const info = catalog.embeddings.counts().find((c) => c.kind === 'image' && c.model === model);
  if (!info) return { count: 0, notes: [] };
  const { dim } = info;
  const row = new Int32Array(index.size).fill(-1);
  const data = new Float32Array(Math.min(info.n, index.size) * dim);
  let count = 0;
  let wrongDim = 0;
  for (const e of catalog.embeddings.iterate('image', model)) {
    const i = index.get(e.photoId);
    if (i === undefined) continue;
    if (e.vector.length !== dim || count * dim >= data.length) {
      wrongDim++;
      continue;
    }
    // Unit length here, so the grouping's dot product is the cosine whatever stored the vector.
    let norm = 0;
    for (const x of e.vector) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    const at = count * dim;
    for (let d = 0; d < dim; d++) data[at + d] = e.vector[d] / norm;
    row[i] = count++;
  }
  const notes = wrongDim ? [`${wrongDim} ${model} vectors had another length than ${dim}: left out`] : [];
  return { matrix: { dim, data, row }, count, notes };
}

function defaultImageModel(catalog: Catalog, runModel: string | undefined): string | undefined {
  if (runModel) return runModel;
  const image = catalog.embeddings.counts().filter((c) => c.kind === 'image');
  return image.sort((a, b) => b.n - a.n || a.model.localeCompare(b.model))[0]?.model;
}

const pixels = (m: DuplicateMember) => (m.width ?? 0) * (m.height ?? 0);
const oldest = (m: DuplicateMember) => Math.min(...m.paths.map((p) => p.mtimeMs));

/** The oldest copy (its file time), then the shortest and alphabetically first path. */
function keeperPath(paths: readonly DuplicatePath[]): DuplicatePath {
  return [...paths].sort(
    (a, b) =>
      a.mtimeMs - b.mtimeMs || a.absPath.length - b.absPath.length || (a.absPath < b.absPath ? -1 : 1),
  )[0];
}

function suggestKeeper(
  kind: DuplicateKind,
  members: readonly DuplicateMember[],
): DuplicateGroupView['suggestedKeeper'] {
  const best =
    kind === 'exact'
      ? members[0]
      : [...members].sort(
          (a, b) =>
            pixels(b) - pixels(a) || b.size - a.size || oldest(a) - oldest(b) || a.photoId - b.photoId,
        )[0];
  return { photoId: best.photoId, absPath: keeperPath(best.paths).absPath };
}

const toPath = (p: PathRow): DuplicatePath => ({
  absPath: p.absPath,
  relPath: p.relPath,
  root: p.root,
  size: p.size,
  mtimeMs: p.mtimeMs,
});

/** Groups the photos in scope into exact copies, visually identical photos and bursts. */
export function findDuplicates(catalog: Catalog, options: FindDuplicatesOptions = {}): DuplicateReport {
  const started = performance.now();
  let thresholds: DuplicateOptions;
  try {
    thresholds = resolveDuplicateOptions(options.thresholds);
  } catch (err) {
    throw new DuplicatesError((err as Error).message);
  }
  const kinds = options.kinds?.length ? options.kinds : DUPLICATE_KINDS;
  for (const k of kinds)
    if (!DUPLICATE_KINDS.includes(k))
      throw new DuplicatesError(
        `a duplicate kind is one of ${DUPLICATE_KINDS.join(', ')}, got "${String(k)}"`,
      );
  const { scope, view, runModel, config } = scopeOf(catalog, options);
  const facts = catalog.duplicates.facts(scope);
  const paths = catalog.duplicates.paths(scope);
  const notes: string[] = [];

  // A path the catalog remembers but whose file is gone (moved, deleted) is no copy: only photos
  // with several paths are checked, so this costs a few stats, not one per photo.
  let gone = 0;
  for (const [photoId, list] of paths) {
    if (list.length < 2 || options.checkFiles === false) continue;
    const present = list.filter((p) => fs.existsSync(p.absPath));
    gone += list.length - present.length;
    paths.set(photoId, present);
  }
  if (gone)
    notes.push(
      `${gone} ${gone === 1 ? 'path in the catalog no longer exists and was' : 'paths in the catalog no longer exist and were'} ` +
        'left out (a new `pcc run` rescans)',
    );

  const n = facts.length;
  const index = new Map<number, number>(facts.map((f, i) => [f.photoId, i]));
  const halves = dhashHalves(facts.map((f) => f.phash));
  const times = new Float64Array(n);
  const takenAt: Array<string | undefined> = facts.map(captureTimeOf);
  takenAt.forEach((t, i) => (times[i] = captureMs(t)));
  const imageModel = options.imageModel ?? defaultImageModel(catalog, runModel);
  const vectors = imageModel ? imageVectors(catalog, imageModel, index) : { count: 0, notes: [] };
  notes.push(...vectors.notes);
  if (options.imageModel && !vectors.count)
    notes.push(
      `no ${options.imageModel} image vectors for these photos: identical needs dHash ≤ ${thresholds.maxHashDistanceWithoutVector}`,
    );

  const grouped = groupDuplicates(
    {
      photoIds: Int32Array.from(facts.map((f) => f.photoId)),
      ...halves,
      pathCounts: Uint32Array.from(facts.map((f) => paths.get(f.photoId)?.length ?? 0)),
      vectors: vectors.matrix,
      takenAtMs: times,
    },
    thresholds,
  );
  notes.push(...grouped.notes);

  const wanted = new Set(kinds);
  const raw: DuplicateGroup[] = [
    ...(wanted.has('exact') ? grouped.exact : []),
    ...(wanted.has('identical') ? grouped.identical : []),
    ...(wanted.has('burst') ? grouped.burst : []),
  ];
  const marks = catalog.duplicates.marks(raw.flatMap((g) => g.photoIds));
  const privacy = privacyOf(catalog, config, { bulk: false });
  const memberOf = (photoId: number): DuplicateMember => {
    const i = index.get(photoId)!;
    const f = facts[i];
    const list = (paths.get(photoId) ?? []).map(toPath);
    const m: DuplicateMember = {
      photoId,
      sha1: f.sha1,
      format: f.format,
      paths: list,
      size: f.size,
      private: privacy.isPrivate(
        photoId,
        list.map((p) => p.relPath),
      ),
    };
    if (f.width !== undefined) m.width = f.width;
    if (f.height !== undefined) m.height = f.height;
    if (takenAt[i]) m.takenAt = takenAt[i];
    const mark = marks.get(photoId);
    if (mark) m.mark = mark;
    return m;
  };
  const groups = raw.map((g): DuplicateGroupView => {
    const members = g.photoIds.map(memberOf);
    const out: DuplicateGroupView = {
      id: `${g.kind}-${g.photoIds[0]}`,
      kind: g.kind,
      reason: g.reason,
      members,
      suggestedKeeper: suggestKeeper(g.kind, members),
    };
    if (g.maxHashDistance !== undefined) out.maxHashDistance = g.maxHashDistance;
    if (g.minCosine !== undefined) out.minCosine = Math.round(g.minCosine * 1e4) / 1e4;
    if (g.withoutVector) out.withoutVector = true;
    if (g.spanMs !== undefined) out.spanMs = g.spanMs;
    return out;
  });
  const count = (kind: DuplicateKind) => groups.filter((g) => g.kind === kind).length;
  return {
    scope: view,
    ...(imageModel ? { imageModel } : {}),
    thresholds,
    photos: n,
    withHash: grouped.stats.hashed,
    withVector: vectors.count,
    withTime: times.filter(Number.isFinite).length,
    counts: {
      exact: count('exact'),
      exactPaths: groups
        .filter((g) => g.kind === 'exact')
        .reduce((sum, g) => sum + g.members[0].paths.length, 0),
      identical: count('identical'),
      burst: count('burst'),
    },
    groups,
    notes,
    seconds: Math.round(performance.now() - started) / 1000,
  };
}

export interface MarkInput {
  keep?: readonly number[];
  discard?: readonly number[];
  /** Also give each discarded photo the approved keyword AI|duplicate. */
  keyword?: boolean;
  /** Who marks (`cli:<user>`, `studio`, …). */
  client: string;
  /** The kind of group the photos were marked in, for the record. */
  kind?: DuplicateKind;
}

export interface MarkOutcome {
  kept: number[];
  discarded: number[];
  /** Discarded photos that now carry AI|duplicate (a person's earlier rejection of it stands). */
  keywordAdded: number[];
  /** Kept photos whose AI|duplicate from an earlier discard was taken back. */
  keywordWithdrawn: number[];
}

export interface UnmarkOutcome {
  unmarked: number[];
  /** Known photos that had no mark (nothing to undo). */
  notMarked: number[];
  keywordWithdrawn: number[];
}

/** Every id a whole number and a photo of this catalog, or an error naming the ones that are not. */
function checkPhotoIds(catalog: Catalog, ids: readonly unknown[]): number[] {
  const bad = ids.filter((id) => typeof id !== 'number' || !Number.isInteger(id) || id < 1);
  if (bad.length)
    throw new DuplicatesError(
      `a photo id is a whole number ≥ 1, got ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
    );
  const numbers = [...new Set(ids as number[])];
  const unknown = numbers.filter((id) => !catalog.photos.get(id));
  if (unknown.length)
    throw new DuplicatesError(
      `no photo${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} in the catalog (see \`pcc duplicates --json\` for ids)`,
    );
  return numbers;
}

/** The photos among `ids` that carry our AI|duplicate keyword row, approved. */
function withKeyword(catalog: Catalog, ids: readonly number[]): Set<number> {
  if (!ids.length) return new Set();
  return new Set(
    catalog.keywords
      .find({
        photoIds: [...ids],
        layer: DUPLICATE_KEYWORD.layer,
        term: DUPLICATE_KEYWORD.term,
        source: DUPLICATE_KEYWORD.source,
      })
      .filter((k) => k.state === 'approved')
      .map((k) => k.photoId),
  );
}

/** Takes back the keyword a discard added; a person's own decision on the term stays. */
function withdrawKeyword(catalog: Catalog, ids: readonly number[]): number[] {
  const had = withKeyword(catalog, ids);
  for (const id of had)
    catalog.keywords.withdrawTerm(
      id,
      DUPLICATE_KEYWORD.layer,
      DUPLICATE_KEYWORD.term,
      DUPLICATE_KEYWORD.sourceKind,
    );
  const still = withKeyword(catalog, [...had]);
  return [...had].filter((id) => !still.has(id));
}

/** Records keep/discard marks (one transaction). Never deletes, moves or renames a file. */
export function markDuplicates(catalog: Catalog, input: MarkInput): MarkOutcome {
  const keep = checkPhotoIds(catalog, input.keep ?? []);
  const discard = checkPhotoIds(catalog, input.discard ?? []);
  if (!keep.length && !discard.length)
    throw new DuplicatesError('nothing to mark: give photo ids to keep or to discard');
  const both = keep.filter((id) => discard.includes(id));
  if (both.length)
    throw new DuplicatesError(
      `photo${both.length > 1 ? 's' : ''} ${both.join(', ')} cannot be both kept and discarded`,
    );
  if (input.kind !== undefined && !DUPLICATE_KINDS.includes(input.kind))
    throw new DuplicatesError(
      `a duplicate kind is one of ${DUPLICATE_KINDS.join(', ')}, got "${String(input.kind)}"`,
    );
  return catalog.transaction(() => {
    const rows = (ids: number[], state: MarkState) =>
      ids.map((photoId) => ({
        photoId,
        state,
        client: input.client,
        ...(input.kind ? { groupKind: input.kind } : {}),
      }));
    catalog.duplicates.setMarks([...rows(keep, 'keep'), ...rows(discard, 'discard')]);
    // A photo now kept must not keep the keyword an earlier discard gave it.
    const keywordWithdrawn = withdrawKeyword(catalog, keep);
    let keywordAdded: number[] = [];
    if (input.keyword && discard.length) {
      catalog.keywords.propose(
        discard.map((photoId) => ({ photoId, ...DUPLICATE_KEYWORD, state: 'approved' as const })),
      );
      const has = withKeyword(catalog, discard);
      keywordAdded = discard.filter((id) => has.has(id));
    }
    return { kept: keep, discarded: discard, keywordAdded, keywordWithdrawn };
  });
}

/** Removes marks and the AI|duplicate keyword they added; the photos are as before they were marked. */
export function unmarkDuplicates(catalog: Catalog, photoIds: readonly number[]): UnmarkOutcome {
  const ids = checkPhotoIds(catalog, photoIds);
  if (!ids.length) throw new DuplicatesError('nothing to unmark: give photo ids');
  return catalog.transaction(() => {
    const unmarked = catalog.duplicates.removeMarks(ids);
    const keywordWithdrawn = withdrawKeyword(catalog, ids);
    return { unmarked, notMarked: ids.filter((id) => !unmarked.includes(id)), keywordWithdrawn };
  });
}
