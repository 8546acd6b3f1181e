import type { Db } from './database';

export interface PhotoRow {
  id: number;
  sha1: string;
  size: number;
  format: string;
  is_raw: number;
}

/** A path a photo was seen at. */
export interface PathRow {
  absPath: string;
  photoId: number;
  root: string;
  relPath: string;
  size: number;
  mtimeMs: number;
}

const PATH_COLUMNS =
  'abs_path AS absPath, photo_id AS photoId, root, rel_path AS relPath, size, mtime_ms AS mtimeMs';

export interface NewPhoto {
  sha1: string;
  size: number;
  format: string;
  isRaw: boolean;
}

export interface SeenPath {
  absPath: string;
  root: string;
  relPath: string;
  size: number;
  mtimeMs: number;
}

/** Photos keyed by content hash, and every path each one was seen at. */
export class PhotosRepository {
  constructor(private readonly db: Db) {}

  /** The path's last known identity: lets a re-scan skip re-hashing files whose size and mtime are unchanged. */
  knownPath(absPath: string): PathRow | undefined {
    return this.db.prepare(`SELECT ${PATH_COLUMNS} FROM photo_paths WHERE abs_path = ?`).get(absPath) as
      PathRow | undefined;
  }

  /** Idempotent: the same bytes always map to the same photo id. */
  upsertPhoto(photo: NewPhoto, now = new Date().toISOString()): number {
    const row = this.db
      .prepare(
        `INSERT INTO photos (sha1, size, format, is_raw, first_seen, last_seen)
         VALUES (@sha1, @size, @format, @isRaw, @now, @now)
         ON CONFLICT(sha1) DO UPDATE SET last_seen = excluded.last_seen, format = excluded.format
         RETURNING id`,
      )
      .get({ ...photo, isRaw: photo.isRaw ? 1 : 0, now }) as { id: number };
    return row.id;
  }

  upsertPath(photoId: number, seen: SeenPath, now = new Date().toISOString()): void {
    this.db
      .prepare(
        `INSERT INTO photo_paths (abs_path, photo_id, root, rel_path, size, mtime_ms, last_seen)
         VALUES (@absPath, @photoId, @root, @relPath, @size, @mtimeMs, @now)
         ON CONFLICT(abs_path) DO UPDATE SET photo_id = excluded.photo_id, root = excluded.root,
           rel_path = excluded.rel_path, size = excluded.size, mtime_ms = excluded.mtime_ms,
           last_seen = excluded.last_seen`,
      )
      .run({ ...seen, photoId, now });
  }

  touchPath(absPath: string, now = new Date().toISOString()): void {
    this.db.prepare('UPDATE photo_paths SET last_seen = ? WHERE abs_path = ?').run(now, absPath);
  }

  get(photoId: number): PhotoRow | undefined {
    return this.db.prepare('SELECT * FROM photos WHERE id = ?').get(photoId) as PhotoRow | undefined;
  }

  /** Every photo's content hash (library-wide views). */
  sha1s(): Map<number, string> {
    const rows = this.db.prepare('SELECT id, sha1 FROM photos').all() as Array<{ id: number; sha1: string }>;
    return new Map(rows.map((r) => [r.id, r.sha1]));
  }

  pathsOf(photoId: number): PathRow[] {
    return this.db
      .prepare(`SELECT ${PATH_COLUMNS} FROM photo_paths WHERE photo_id = ? ORDER BY abs_path`)
      .all(photoId) as PathRow[];
  }

  /** One row per photo seen under any of `roots`, with its first path there (sorted for stable output). */
  photosUnderRoots(roots: string[]): Array<PathRow & { sha1: string }> {
    if (roots.length === 0) return [];
    const marks = roots.map(() => '?').join(',');
    return this.db
      .prepare(
        `SELECT pp.abs_path AS absPath, pp.photo_id AS photoId, pp.root, pp.rel_path AS relPath, pp.size,
                pp.mtime_ms AS mtimeMs, p.sha1 FROM photo_paths pp JOIN photos p ON p.id = pp.photo_id
         WHERE pp.root IN (${marks})
           AND pp.abs_path = (SELECT MIN(abs_path) FROM photo_paths x
                              WHERE x.photo_id = pp.photo_id AND x.root IN (${marks}))
         ORDER BY pp.rel_path`,
      )
      .all(...roots, ...roots) as Array<PathRow & { sha1: string }>;
  }

  /** Every path under any of `roots`, grouped by photo (paths sorted), for one-line-per-file exports. */
  pathsUnderRoots(roots: string[]): Map<number, PathRow[]> {
    const out = new Map<number, PathRow[]>();
    if (roots.length === 0) return out;
    const rows = this.db
      .prepare(
        `SELECT ${PATH_COLUMNS} FROM photo_paths WHERE root IN (${roots.map(() => '?').join(',')})
         ORDER BY photo_id, rel_path`,
      )
      .all(...roots) as PathRow[];
    for (const row of rows) (out.get(row.photoId) ?? out.set(row.photoId, []).get(row.photoId)!).push(row);
    return out;
  }

  counts(): { photos: number; paths: number; raw: number; byFormat: Record<string, number> } {
    const photos = (this.db.prepare('SELECT COUNT(*) AS n FROM photos').get() as { n: number }).n;
    const paths = (this.db.prepare('SELECT COUNT(*) AS n FROM photo_paths').get() as { n: number }).n;
    const raw = (this.db.prepare('SELECT COUNT(*) AS n FROM photos WHERE is_raw = 1').get() as { n: number })
      .n;
    const byFormat: Record<string, number> = {};
    for (const r of this.db
      .prepare('SELECT format, COUNT(*) AS n FROM photos GROUP BY format ORDER BY n DESC')
      .all() as Array<{ format: string; n: number }>) {
      byFormat[r.format] = r.n;
    }
    return { photos, paths, raw, byFormat };
  }

  /** Photos a person excluded from the library views (their files are never touched). */
  excluded(): Set<number> {
    return new Set(this.db.prepare('SELECT photo_id FROM photo_exclusions').pluck().all() as number[]);
  }

  /** Excludes (or includes again) photos; returns those whose state changed. */
  setExcluded(photoIds: readonly number[], excluded: boolean, client: string): number[] {
    const changed: number[] = [];
    const add = this.db.prepare(
      'INSERT INTO photo_exclusions (photo_id, excluded_at, client) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    const remove = this.db.prepare('DELETE FROM photo_exclusions WHERE photo_id = ?');
    const now = new Date().toISOString();
    for (const id of photoIds) {
      const info = excluded ? add.run(id, now, client) : remove.run(id);
      if (info.changes) changed.push(id);
    }
    return changed;
  }

  /** Photo ids by content hash (an action log from another catalog names photos by SHA-1). */
  idsBySha1(sha1s: readonly string[]): Map<string, number> {
    const stmt = this.db.prepare('SELECT id FROM photos WHERE sha1 = ?').pluck();
    const out = new Map<string, number>();
    for (const sha1 of sha1s) {
      const id = stmt.get(sha1) as number | undefined;
      if (id !== undefined) out.set(sha1, id);
    }
    return out;
  }
}
