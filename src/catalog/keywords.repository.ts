/**
 * Keywords with provenance. Every source (vocabulary zero-shot, caption mining, vision on cluster
 * medoids, OCR, EXIF rules, heuristics, the date resolver) *proposes* rows; keywords found in a
 * photo's file or sidecar are imported as the user's, approved. One row per (photo, layer, term,
 * source), so a term proposed by two sources keeps both scores. A person's decision applies to
 * every row of the (photo, layer, term) and sticks: a later proposal of a term a person rejected
 * stays rejected. Only approved keywords are written anywhere (XMP, exports).
 */
import type { Db } from './database';
import type { KeywordRowBefore } from './decisions.repository';

export const KEYWORD_LAYERS = ['CK', 'AI', 'USER'] as const;
/** CK = controlled vocabulary, AI = freeform, USER = the user's own keywords (their own tree). */
export type KeywordLayer = (typeof KEYWORD_LAYERS)[number];

export const SOURCE_KINDS = [
  'vocabulary',
  'caption',
  'concept',
  'vision',
  'ocr',
  'exif',
  'heuristic',
  'date',
  'user',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const KEYWORD_STATES = ['proposed', 'approved', 'rejected'] as const;
export type KeywordState = (typeof KEYWORD_STATES)[number];
/** policy = the run's approval policy; person = a review decision; import = found in the file. */
export type DecidedBy = 'policy' | 'person' | 'import';

export interface KeywordProposal {
  photoId: number;
  layer: KeywordLayer;
  term: string;
  /** The exact source: `vocabulary:<model>`, `caption`, `vision:<backend>/<model>`, `exif-gear`, … */
  source: string;
  sourceKind: SourceKind;
  score?: number;
  /** Where hierarchical lists carry it; default `<layer>|<term>` (a user tree path when mapped). */
  path?: string;
  /** The word the source said when it was mapped onto the user's tree or an alias. */
  mappedFrom?: string;
  runId?: string;
  /** Proposed to this photo because its cluster's medoid got it (vision) or a person applied it. */
  fromCluster?: number;
  /** What the approval policy decided: approved at once, or proposed for review. */
  state: 'proposed' | 'approved';
}

/** One source's proposal of a keyword, as the review and the audit show it. */
export interface KeywordSource {
  source: string;
  sourceKind: SourceKind;
  score?: number;
  runId?: string;
  fromCluster?: number;
  mappedFrom?: string;
}

/** A photo's keyword with all its provenance and its (shared) review state. */
export interface PhotoKeyword {
  photoId: number;
  layer: KeywordLayer;
  term: string;
  path: string;
  state: KeywordState;
  decidedBy: DecidedBy;
  /** The best score any source gave it (absent when no source scores, e.g. the user's own). */
  score?: number;
  sources: KeywordSource[];
}

export interface KeywordFilter {
  photoIds?: number[];
  layer?: KeywordLayer;
  term?: string;
  /** A source kind (`vision`) or an exact source (`vision:openai/gpt-4.1-mini`). */
  source?: string;
  state?: KeywordState;
  minScore?: number;
  runId?: string;
}

export function defaultPath(layer: KeywordLayer, term: string): string {
  return layer === 'USER' ? term : `${layer}|${term}`;
}

const CHUNK = 500;

export class KeywordsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Stores proposals (idempotent: the same source proposing again updates its score). A term a
   * person already decided on keeps that decision; the user's own keywords are never changed.
   */
  propose(proposals: KeywordProposal[]): void {
    const now = new Date().toISOString();
    const decided = this.db.prepare(
      `SELECT state, decided_by FROM keywords WHERE photo_id = ? AND layer = ? AND term = ?
         AND decided_by IN ('person', 'import') ORDER BY decided_by = 'person' DESC LIMIT 1`,
    );
    const upsert = this.db.prepare(
      `INSERT INTO keywords (photo_id, layer, term, source, source_kind, score, state, decided_by, path,
                             mapped_from, run_id, from_cluster, created_at, updated_at)
       VALUES (@photoId, @layer, @term, @source, @sourceKind, @score, @state, @decidedBy, @path,
               @mappedFrom, @runId, @fromCluster, @now, @now)
       ON CONFLICT (photo_id, layer, term, source) DO UPDATE SET
         score = excluded.score, run_id = excluded.run_id, from_cluster = excluded.from_cluster,
         mapped_from = excluded.mapped_from, updated_at = excluded.updated_at,
         state = CASE WHEN keywords.decided_by = 'policy' THEN excluded.state ELSE keywords.state END,
         decided_by = CASE WHEN keywords.decided_by = 'policy' THEN excluded.decided_by ELSE keywords.decided_by END`,
    );
    this.db.transaction(() => {
      for (const p of proposals) {
        const prior = decided.get(p.photoId, p.layer, p.term) as
          { state: KeywordState; decided_by: DecidedBy } | undefined;
        upsert.run({
          photoId: p.photoId,
          layer: p.layer,
          term: p.term,
          source: p.source,
          sourceKind: p.sourceKind,
          score: p.score ?? null,
          state: prior?.state ?? p.state,
          decidedBy: prior ? (prior.decided_by === 'import' ? 'policy' : 'person') : 'policy',
          path: p.path ?? defaultPath(p.layer, p.term),
          mappedFrom: p.mappedFrom ?? null,
          runId: p.runId ?? null,
          fromCluster: p.fromCluster ?? null,
          now,
        });
      }
    })();
  }

  /**
   * Withdraws what a run's sources proposed before they propose again (a re-tag replaces, stale
   * terms do not linger). Rows a person decided on stay: the decision is remembered.
   */
  withdraw(runId: string, sourceKinds: readonly SourceKind[], photoIds?: number[]): void {
    const kinds = sourceKinds.map(() => '?').join(', ');
    if (!photoIds) {
      this.db
        .prepare(
          `DELETE FROM keywords WHERE run_id = ? AND source_kind IN (${kinds}) AND decided_by = 'policy'`,
        )
        .run(runId, ...sourceKinds);
      return;
    }
    const del = this.db.prepare(
      `DELETE FROM keywords WHERE photo_id = ? AND source_kind IN (${kinds}) AND decided_by = 'policy'`,
    );
    this.db.transaction(() => {
      for (const id of photoIds) del.run(id, ...sourceKinds);
    })();
  }

  /** Removes one source's row for a photo (e.g. a date that is now trusted). */
  withdrawTerm(photoId: number, layer: KeywordLayer, term: string, sourceKind: SourceKind): void {
    this.db
      .prepare(
        `DELETE FROM keywords WHERE photo_id = ? AND layer = ? AND term = ? AND source_kind = ?
           AND decided_by = 'policy'`,
      )
      .run(photoId, layer, term, sourceKind);
  }

  /**
   * Keywords found in the photo's file or sidecar: the user's, approved. A term pcc itself proposed
   * (and maybe wrote into the sidecar) keeps its real source instead of turning into the user's.
   */
  importUserKeywords(
    photoId: number,
    keywords: Array<{ layer: KeywordLayer; term: string; path: string }>,
  ): void {
    const now = new Date().toISOString();
    const insert = this.db.prepare(
      `INSERT INTO keywords (photo_id, layer, term, source, source_kind, score, state, decided_by, path,
                             created_at, updated_at)
       SELECT ?, ?, ?, 'user', 'user', NULL, 'approved', 'import', ?, ?, ?
       WHERE NOT EXISTS (SELECT 1 FROM keywords WHERE photo_id = ? AND layer = ? AND term = ?)`,
    );
    for (const k of keywords)
      insert.run(photoId, k.layer, k.term, k.path, now, now, photoId, k.layer, k.term);
  }

  keywordsOf(photoId: number): PhotoKeyword[] {
    return this.find({ photoIds: [photoId] });
  }

  /** A photo's approved keywords: what writers may write. */
  approvedOf(photoId: number): PhotoKeyword[] {
    return this.find({ photoIds: [photoId], state: 'approved' });
  }

  /**
   * Keywords matching a filter, one entry per (photo, layer, term) with every source, in
   * (photo, layer, term) order. Rows come in primary-key order, so grouping is one pass with no
   * lookups: half a million rows take well under a second.
   */
  find(filter: KeywordFilter = {}): PhotoKeyword[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      args.push(value);
    };
    if (filter.layer) add('layer = ?', filter.layer);
    if (filter.term !== undefined) add('term = ?', filter.term);
    if (filter.runId) add('run_id = ?', filter.runId);
    const select = `SELECT photo_id, layer, term, source, source_kind, score, state, decided_by, path, mapped_from,
      run_id, from_cluster FROM keywords /* find */`;
    const order = ' ORDER BY photo_id, layer, term, source';
    const rows: unknown[][] = [];
    const run = (sql: string, params: unknown[]) => {
      for (const r of this.db
        .prepare(sql)
        .raw(true)
        .all(...params) as unknown[][])
        rows.push(r);
    };
    if (filter.photoIds) {
      const ids = [...new Set(filter.photoIds)].sort((x, y) => x - y);
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        const clauses = [...where, `photo_id IN (${chunk.map(() => '?').join(',')})`];
        run(`${select} WHERE ${clauses.join(' AND ')}${order}`, [...args, ...chunk]);
      }
    } else run(`${select}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}${order}`, args);
    const out: PhotoKeyword[] = [];
    let k: PhotoKeyword | undefined;
    for (const r of rows) {
      const [
        photoId,
        layer,
        term,
        source,
        sourceKind,
        score,
        state,
        decidedBy,
        path,
        mappedFrom,
        runId,
        fromCluster,
      ] = r as [
        number,
        KeywordLayer,
        string,
        string,
        SourceKind,
        number | null,
        KeywordState,
        DecidedBy,
        string,
        string | null,
        string | null,
        number | null,
      ];
      if (!k || k.photoId !== photoId || k.layer !== layer || k.term !== term) {
        if (k) out.push(k);
        k = { photoId, layer, term, path, state, decidedBy, sources: [] };
      } else {
        k.state = mergeState(k.state, k.decidedBy, state, decidedBy);
        if (decidedBy === 'person' || decidedBy === 'import') k.decidedBy = decidedBy;
      }
      const src: KeywordSource = { source, sourceKind };
      if (score !== null) {
        src.score = score;
        if (k.score === undefined || score > k.score) k.score = score;
      }
      if (runId !== null) src.runId = runId;
      if (fromCluster !== null) src.fromCluster = fromCluster;
      if (mappedFrom !== null) src.mappedFrom = mappedFrom;
      k.sources.push(src);
    }
    if (k) out.push(k);
    const wantSource = filter.source;
    if (!filter.state && filter.minScore === undefined && !wantSource) return out;
    return out.filter(
      (x) =>
        (!filter.state || x.state === filter.state) &&
        (filter.minScore === undefined || (x.score ?? -Infinity) >= filter.minScore) &&
        (!wantSource || x.sources.some((s) => s.sourceKind === wantSource || s.source === wantSource)),
    );
  }

  /**
   * A person's decision on one term for some photos. Photos without the term get it (source
   * `user`, from the cluster) when approved. The user's own imported keywords are never rejected.
   * Returns every row as it was before, for the decision log and undo.
   */
  decide(input: {
    photoIds: number[];
    layer: KeywordLayer;
    term: string;
    action: 'approve' | 'reject';
    runId?: string;
    cluster?: number;
  }): { changed: number; skippedUser: number; before: KeywordRowBefore[] } {
    const state: KeywordState = input.action === 'approve' ? 'approved' : 'rejected';
    const now = new Date().toISOString();
    return this.db.transaction(() => {
      const current = new Map(
        this.find({ photoIds: input.photoIds, layer: input.layer, term: input.term }).map((k) => [
          k.photoId,
          k,
        ]),
      );
      const pathOf = [...current.values()][0]?.path ?? defaultPath(input.layer, input.term);
      const before: KeywordRowBefore[] = [];
      let skippedUser = 0;
      let changed = 0;
      const rowsOf = this.db.prepare(
        'SELECT source, state, decided_by FROM keywords WHERE photo_id = ? AND layer = ? AND term = ?',
      );
      const update = this.db.prepare(
        `UPDATE keywords SET state = ?, decided_by = 'person', updated_at = ?
           WHERE photo_id = ? AND layer = ? AND term = ?`,
      );
      const insert = this.db.prepare(
        `INSERT INTO keywords (photo_id, layer, term, source, source_kind, score, state, decided_by, path,
                               run_id, from_cluster, created_at, updated_at)
         VALUES (?, ?, ?, 'user', 'user', NULL, ?, 'person', ?, ?, ?, ?, ?)`,
      );
      for (const photoId of [...new Set(input.photoIds)]) {
        const k = current.get(photoId);
        if (k?.decidedBy === 'import' && state === 'rejected') {
          skippedUser++;
          continue;
        }
        if (k && k.state === state && k.decidedBy === 'person') continue;
        if (!k) {
          if (state === 'rejected') continue; // nothing proposed here: nothing to reject
          insert.run(
            photoId,
            input.layer,
            input.term,
            state,
            pathOf,
            input.runId ?? null,
            input.cluster ?? null,
            now,
            now,
          );
          before.push({ photoId, source: 'user', state, decidedBy: 'person', inserted: true });
        } else {
          for (const r of rowsOf.all(photoId, input.layer, input.term) as Array<{
            source: string;
            state: KeywordState;
            decided_by: DecidedBy;
          }>)
            before.push({ photoId, source: r.source, state: r.state, decidedBy: r.decided_by });
          update.run(state, now, photoId, input.layer, input.term);
        }
        changed++;
      }
      return { changed, skippedUser, before };
    })();
  }

  /** Puts rows back as a decision found them (undo): added rows go, changed rows get their state back. */
  restore(layer: KeywordLayer, term: string, before: readonly KeywordRowBefore[]): void {
    const now = new Date().toISOString();
    const del = this.db.prepare(
      'DELETE FROM keywords WHERE photo_id = ? AND layer = ? AND term = ? AND source = ?',
    );
    const put = this.db.prepare(
      `UPDATE keywords SET state = ?, decided_by = ?, updated_at = ?
         WHERE photo_id = ? AND layer = ? AND term = ? AND source = ?`,
    );
    this.db.transaction(() => {
      for (const b of before) {
        if (b.inserted) del.run(b.photoId, layer, term, b.source);
        else put.run(b.state, b.decidedBy, now, b.photoId, layer, term, b.source);
      }
    })();
  }

  /** The rows of some photos' term as they are now (before an undo changes them back). */
  rowsNow(photoIds: number[], layer: KeywordLayer, term: string): KeywordRowBefore[] {
    return this.find({ photoIds, layer, term }).flatMap((k) => {
      const rows = this.db
        .prepare(
          'SELECT source, state, decided_by FROM keywords WHERE photo_id = ? AND layer = ? AND term = ?',
        )
        .all(k.photoId, layer, term) as Array<{ source: string; state: KeywordState; decided_by: DecidedBy }>;
      return rows.map((r) => ({
        photoId: k.photoId,
        source: r.source,
        state: r.state,
        decidedBy: r.decided_by,
      }));
    });
  }

  /**
   * Changes when keywords are added or a decision is made (each is a new row; both maxima are
   * index lookups, cheap at a million rows): how cached views know they are stale. Proposals
   * replaced in place come with a new clustering, which the views' stamp also includes.
   */
  stamp(): string {
    const k = this.db.prepare('SELECT MAX(rowid) AS n FROM keywords').get() as { n: number | null };
    const d = this.db.prepare('SELECT MAX(id) AS id FROM decisions').get() as { id: number | null };
    return `${k.n ?? 0}:${d.id ?? 0}`;
  }

  /** Proposals per layer, source kind and state (one per photo and source), for `pcc stats`. */
  summary(): Array<{ layer: KeywordLayer; sourceKind: SourceKind; state: KeywordState; n: number }> {
    return this.db
      .prepare(
        `SELECT layer, source_kind AS sourceKind, state, COUNT(*) AS n FROM keywords
         GROUP BY layer, source_kind, state ORDER BY layer, state, source_kind`,
      )
      .all() as Array<{ layer: KeywordLayer; sourceKind: SourceKind; state: KeywordState; n: number }>;
  }
}

/** A person's (or the file's) decision wins over the policy's; approved wins over proposed. */
function mergeState(a: KeywordState, aBy: DecidedBy, b: KeywordState, bBy: DecidedBy): KeywordState {
  const rank = (by: DecidedBy) => (by === 'person' ? 2 : by === 'import' ? 1 : 0);
  if (rank(bBy) > rank(aBy)) return b;
  if (rank(aBy) > rank(bBy)) return a;
  if (a === 'rejected' || b === 'rejected') return 'rejected';
  return a === 'approved' || b === 'approved' ? 'approved' : 'proposed';
}
