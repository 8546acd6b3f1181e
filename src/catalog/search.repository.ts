/**
 * The catalog side of search: full-text matches (FTS5 over captions and OCR text, kept in step by
 * triggers, migration 12), keyword lookups, metadata filters and the facts a result card shows.
 * Query words reach FTS5 only as quoted strings and SQL only as bound parameters.
 */
import type { Db } from './database';
import type { KeywordLayer } from './keywords.repository';
import type { PhotoStatus } from '../shared/status';

export type TextField = 'caption' | 'ocr';

export interface MetadataFilter {
  from?: string;
  to?: string;
  camera?: string;
  lens?: string;
  hasGps?: boolean;
  status?: PhotoStatus;
  keyword?: { layer?: KeywordLayer; term: string };
  runId?: string;
}

export interface ResultCard {
  photoId: number;
  sha1: string;
  root: string | null;
  relPath: string | null;
  caption: string | null;
  date: string | null;
  camera: string | null;
}

/** A word as an FTS5 string literal: quoted, inner quotes doubled, so it can never be an operator. */
export function ftsLiteral(word: string): string {
  return `"${word.replace(/"/g, '""')}"`;
}

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class SearchRepository {
  constructor(private readonly db: Db) {}

  /** Documents (captions or OCR texts) indexed. */
  documents(field: TextField): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM ${field}_fts`).get() as { n: number }).n;
  }

  /**
   * Photos whose caption (any backend's) or OCR text contains the word (stemmed: "windows" finds
   * "window"), and in how many documents; undefined past `limit` documents (too common to narrow).
   */
  photosWithWord(
    field: TextField,
    word: string,
    limit: number,
  ): { photoIds: Set<number>; documents: number } | undefined {
    const ids = this.db
      .prepare(`SELECT photo_id FROM ${field}_fts WHERE ${field}_fts MATCH ? LIMIT ?`)
      .pluck()
      .all(ftsLiteral(word), limit + 1) as number[];
    if (ids.length > limit) return undefined;
    return { photoIds: new Set(ids), documents: ids.length };
  }

  /**
   * Every keyword that is not rejected with its photos, one entry per (layer, term), in one pass:
   * search holds this in memory and reloads it when `KeywordsRepository.stamp()` moves.
   */
  keywordIndex(): Array<{ layer: KeywordLayer; term: string; photoIds: Int32Array; approved: Uint8Array }> {
    const rows = this.db
      .prepare(
        `SELECT layer, term, photo_id AS photoId, MAX(state = 'approved') AS approved FROM keywords
         WHERE state <> 'rejected' GROUP BY layer, term, photo_id ORDER BY layer, term`,
      )
      .raw()
      .iterate() as Iterable<[KeywordLayer, string, number, number]>;
    const out: Array<{ layer: KeywordLayer; term: string; photoIds: Int32Array; approved: Uint8Array }> = [];
    let ids: number[] = [];
    let approved: number[] = [];
    let current: [KeywordLayer, string] | undefined;
    const flush = () => {
      if (current)
        out.push({
          layer: current[0],
          term: current[1],
          photoIds: Int32Array.from(ids),
          approved: Uint8Array.from(approved),
        });
      ids = [];
      approved = [];
    };
    for (const [layer, term, photoId, isApproved] of rows) {
      if (!current || current[0] !== layer || current[1] !== term) {
        flush();
        current = [layer, term];
      }
      ids.push(photoId);
      approved.push(isApproved);
    }
    flush();
    return out;
  }

  /** Photos passing the metadata filters (all of them together); bound parameters only. */
  filterPhotos(f: MetadataFilter): Set<number> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.from) {
      where.push('m.resolved_date IS NOT NULL AND substr(m.resolved_date, 1, ?) >= ?');
      params.push(f.from.length, f.from);
    }
    if (f.to) {
      where.push('m.resolved_date IS NOT NULL AND substr(m.resolved_date, 1, ?) <= ?');
      params.push(f.to.length, f.to);
    }
    if (f.camera) {
      where.push("(COALESCE(m.make, '') || ' ' || COALESCE(m.model, '')) LIKE ? ESCAPE '\\'");
      params.push(`%${likeEscape(f.camera)}%`);
    }
    if (f.lens) {
      where.push("m.lens LIKE ? ESCAPE '\\'");
      params.push(`%${likeEscape(f.lens)}%`);
    }
    if (f.hasGps !== undefined) {
      where.push('COALESCE(m.has_gps, 0) = ?');
      params.push(f.hasGps ? 1 : 0);
    }
    if (f.status) {
      where.push(
        "EXISTS (SELECT 1 FROM stage_results r WHERE r.photo_id = p.id AND r.stage = 'caption' AND r.status = ?)",
      );
      params.push(f.status);
    }
    if (f.keyword) {
      where.push(
        `EXISTS (SELECT 1 FROM keywords k WHERE k.photo_id = p.id AND k.state <> 'rejected'
                 AND k.term = ? COLLATE NOCASE AND (? IS NULL OR k.layer = ?))`,
      );
      params.push(f.keyword.term, f.keyword.layer ?? null, f.keyword.layer ?? null);
    }
    if (f.runId) {
      where.push('EXISTS (SELECT 1 FROM run_photos w WHERE w.run_id = ? AND w.photo_id = p.id)');
      params.push(f.runId);
    }
    const sql = `SELECT p.id FROM photos p LEFT JOIN photo_metadata m ON m.photo_id = p.id
                 ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    return new Set(
      this.db
        .prepare(sql)
        .pluck()
        .all(...params) as number[],
    );
  }

  /** Every known path (for folder globs), one row per path. */
  allPaths(): Array<{ photoId: number; relPath: string }> {
    return this.db
      .prepare('SELECT photo_id AS photoId, rel_path AS relPath FROM photo_paths')
      .all() as Array<{ photoId: number; relPath: string }>;
  }

  /** What a result shows: a path, the newest successful caption, the date and the camera. */
  cards(photoIds: readonly number[]): Map<number, ResultCard> {
    const stmt = this.db.prepare(
      `SELECT p.id AS photoId, p.sha1,
              (SELECT root FROM photo_paths WHERE photo_id = p.id ORDER BY last_seen DESC, rel_path LIMIT 1) AS root,
              (SELECT rel_path FROM photo_paths WHERE photo_id = p.id ORDER BY last_seen DESC, rel_path LIMIT 1) AS relPath,
              (SELECT output FROM stage_results WHERE photo_id = p.id AND stage = 'caption' AND status = 'success'
                 ORDER BY updated_at DESC LIMIT 1) AS caption,
              m.resolved_date AS date,
              NULLIF(TRIM(COALESCE(m.make, '') || ' ' || COALESCE(m.model, '')), '') AS camera
       FROM photos p LEFT JOIN photo_metadata m ON m.photo_id = p.id WHERE p.id = ?`,
    );
    const out = new Map<number, ResultCard>();
    for (const id of photoIds) {
      const row = stmt.get(id) as ResultCard | undefined;
      if (row) out.set(id, row);
    }
    return out;
  }

  /** Moves whenever any vector (`embeddings`) or keyword (`keywords`) is written or removed (triggers; migration 12). */
  generation(what: 'embeddings' | 'keywords'): number {
    return (
      (this.db.prepare('SELECT generation FROM catalog_generations WHERE what = ?').pluck().get(what) as
        number | undefined) ?? 0
    );
  }
}
