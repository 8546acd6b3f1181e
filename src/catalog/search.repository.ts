/**
 * The catalog side of search: full-text matches (FTS5 over captions and OCR text, kept in step by
 * triggers, migration 12), keywords with their photos, the facts filters look at, the facts a result
 * card shows, and the counters that tell search's in-memory caches to reload.
 * Query words reach FTS5 only as quoted strings and SQL only as bound parameters.
 */
import type { Db } from './database';
import type { KeywordLayer } from './keywords.repository';
import type { PhotoStatus } from '../shared/status';

export type TextField = 'caption' | 'ocr';

/** Per photo, in id order: what the date, camera, lens, GPS and folder filters look at. */
export interface PhotoFacets {
  ids: Int32Array;
  /** The largest photo id (ids are dense: typed arrays indexed by id stay small). */
  maxId: number;
  /** Resolved capture date (ISO-like local time) or null. */
  dates: Array<string | null>;
  /** "make model", lowercased. */
  cameras: string[];
  lenses: string[];
  gps: Uint8Array;
  /** Relative paths (a photo can sit at several). */
  paths: string[][];
}

/** FTS rowids are photo_id · 2^32 + the source row's rowid (migration 12). */
const ROWID_PHOTO = 2 ** 32;

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

export class SearchRepository {
  constructor(private readonly db: Db) {}

  /** Documents (captions or OCR texts) indexed (a counter the triggers keep; no scan). */
  documents(field: TextField): number {
    return this.counter(`${field}_docs`);
  }

  /**
   * The photos whose caption (any backend's) or OCR text contains the word — stemmed as indexed,
   * so "windows" finds "window" — with repeats where a photo has several; undefined past `limit`
   * documents (too common to narrow anything). Read from the index alone: the rowids.
   */
  photosWithWord(field: TextField, word: string, limit: number): Int32Array | undefined {
    const n = this.db
      .prepare(`SELECT COUNT(*) FROM ${field}_fts WHERE ${field}_fts MATCH ?`)
      .pluck()
      .get(ftsLiteral(word)) as number;
    if (n > limit) return undefined;
    if (!n) return new Int32Array(0);
    const list = this.db
      .prepare(`SELECT group_concat(rowid) FROM ${field}_fts WHERE ${field}_fts MATCH ?`)
      .pluck()
      .get(ftsLiteral(word)) as string;
    const parts = list.split(',');
    const out = new Int32Array(parts.length);
    for (let i = 0; i < parts.length; i++) out[i] = Math.floor(Number(parts[i]) / ROWID_PHOTO);
    return out;
  }

  /**
   * Every keyword that is not rejected with its photos (ascending ids), one entry per (layer, term), in one pass:
   * search holds this in memory and reloads it when `KeywordsRepository.stamp()` moves.
   */
  keywordIndex(): Array<{ layer: KeywordLayer; term: string; photoIds: Int32Array; approved: Uint8Array }> {
    const rows = this.db
      .prepare(
        `SELECT layer, term, photo_id AS photoId, MAX(state = 'approved') AS approved FROM keywords
         WHERE state <> 'rejected' GROUP BY layer, term, photo_id ORDER BY layer, term, photo_id`,
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

  /**
   * What filters look at, for every photo, in one pass: search holds these in memory and reloads
   * them when the `photos` counter moves (metadata or paths changed).
   */
  facets(): PhotoFacets {
    const rows = this.db
      .prepare(
        `SELECT p.id, m.resolved_date, lower(COALESCE(m.make, '') || ' ' || COALESCE(m.model, '')),
                lower(COALESCE(m.lens, '')), COALESCE(m.has_gps, 0)
         FROM photos p LEFT JOIN photo_metadata m ON m.photo_id = p.id ORDER BY p.id`,
      )
      .raw()
      .all() as Array<[number, string | null, string, string, number]>;
    const paths = new Map<number, string[]>();
    for (const [id, rel] of this.db
      .prepare('SELECT photo_id, rel_path FROM photo_paths')
      .raw()
      .iterate() as Iterable<[number, string]>) {
      const list = paths.get(id);
      if (list) list.push(rel);
      else paths.set(id, [rel]);
    }
    return {
      ids: Int32Array.from(rows, (r) => r[0]),
      maxId: rows.length ? rows[rows.length - 1][0] : 0,
      dates: rows.map((r) => r[1]),
      cameras: rows.map((r) => r[2]),
      lenses: rows.map((r) => r[3]),
      gps: Uint8Array.from(rows, (r) => r[4]),
      paths: rows.map((r) => paths.get(r[0]) ?? []),
    };
  }

  /** Photos with a caption result of this status (any backend). */
  photosWithCaptionStatus(status: PhotoStatus): Set<number> {
    return new Set(
      this.db
        .prepare("SELECT DISTINCT photo_id FROM stage_results WHERE stage = 'caption' AND status = ?")
        .pluck()
        .all(status) as number[],
    );
  }

  /** The photos of one run (its work list). */
  photosOfRun(runId: string): Set<number> {
    return new Set(
      this.db.prepare('SELECT photo_id FROM run_photos WHERE run_id = ?').pluck().all(runId) as number[],
    );
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

  /** Moves whenever a vector, a keyword or a photo's metadata or paths are written or removed. */
  generation(what: 'embeddings' | 'keywords' | 'photos'): number {
    return this.counter(what);
  }

  private counter(what: string): number {
    return (
      (this.db.prepare('SELECT n FROM search_counters WHERE what = ?').pluck().get(what) as
        number | undefined) ?? 0
    );
  }
}
