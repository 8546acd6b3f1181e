/**
 * What duplicate grouping reads (one query for every photo's hash, size and capture time, one for
 * every path) and the keep/discard marks people set on duplicates. A mark is a record in the
 * catalog and nothing else: no file is ever deleted, moved or renamed because of one.
 */
import type { Db } from './database';
import type { PathRow } from './photos.repository';
import type { DuplicateKind } from '../duplicates/group';

/** Which photos grouping looks at: those with a path under one of `roots` (all when omitted). */
export interface DuplicateScope {
  roots?: string[];
  /** Only paths seen at or after this ISO time (a run's library: files gone since drop out). */
  seenSince?: string;
}

/** One photo's facts for grouping and for the report. */
export interface DuplicateFacts {
  photoId: number;
  sha1: string;
  size: number;
  format: string;
  /** 64-bit dHash, 16 hex digits (absent when the photo never decoded). */
  phash?: string;
  width?: number;
  height?: number;
  /** ISO-like local times as the inventory stores them. */
  dateOriginal?: string;
  createDate?: string;
  resolvedDate?: string;
  dateSource?: string;
}

export const MARK_STATES = ['keep', 'discard'] as const;
export type MarkState = (typeof MARK_STATES)[number];

export interface DuplicateMark {
  photoId: number;
  state: MarkState;
  groupKind?: DuplicateKind;
  markedAt: string;
  client: string;
}

const CHUNK = 500;

function scopeClause(scope: DuplicateScope, alias: string): { sql: string; args: string[] } {
  const parts: string[] = [];
  const args: string[] = [];
  if (scope.roots) {
    // An empty list of roots is an empty scope, not "everything".
    parts.push(scope.roots.length ? `${alias}.root IN (${scope.roots.map(() => '?').join(',')})` : '0');
    args.push(...scope.roots);
  }
  if (scope.seenSince) {
    parts.push(`${alias}.last_seen >= ?`);
    args.push(scope.seenSince);
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', args };
}

export class DuplicatesRepository {
  constructor(private readonly db: Db) {}

  /** Every photo in scope with its hash, pixel size and dates, by photo id. One query. */
  facts(scope: DuplicateScope = {}): DuplicateFacts[] {
    const where = scopeClause(scope, 'pp');
    const rows = this.db
      .prepare(
        `SELECT p.id, p.sha1, p.size, p.format, m.phash, m.width, m.height, m.date_original, m.create_date,
                m.resolved_date, m.date_source
         FROM photos p LEFT JOIN photo_metadata m ON m.photo_id = p.id
         WHERE EXISTS (SELECT 1 FROM photo_paths pp WHERE pp.photo_id = p.id AND ${where.sql})
         ORDER BY p.id`,
      )
      .raw(true)
      .all(...where.args) as Array<
      [
        number,
        string,
        number,
        string,
        string | null,
        number | null,
        number | null,
        string | null,
        string | null,
        string | null,
        string | null,
      ]
    >;
    return rows.map(
      ([photoId, sha1, size, format, phash, width, height, dOrig, dCreate, dResolved, dSource]) => {
        const f: DuplicateFacts = { photoId, sha1, size, format };
        if (phash !== null) f.phash = phash;
        if (width !== null) f.width = width;
        if (height !== null) f.height = height;
        if (dOrig !== null) f.dateOriginal = dOrig;
        if (dCreate !== null) f.createDate = dCreate;
        if (dResolved !== null) f.resolvedDate = dResolved;
        if (dSource !== null) f.dateSource = dSource;
        return f;
      },
    );
  }

  /** Every path in scope, grouped by photo, each photo's paths sorted. One query. */
  paths(scope: DuplicateScope = {}): Map<number, PathRow[]> {
    const where = scopeClause(scope, 'pp');
    const rows = this.db
      .prepare(
        `SELECT pp.abs_path AS absPath, pp.photo_id AS photoId, pp.root, pp.rel_path AS relPath, pp.size,
                pp.mtime_ms AS mtimeMs
         FROM photo_paths pp WHERE ${where.sql} ORDER BY pp.photo_id, pp.abs_path`,
      )
      .all(...where.args) as PathRow[];
    const out = new Map<number, PathRow[]>();
    for (const row of rows) (out.get(row.photoId) ?? out.set(row.photoId, []).get(row.photoId)!).push(row);
    return out;
  }

  /** Marks of some photos (every mark when omitted: the table holds only what people marked). */
  marks(photoIds?: readonly number[]): Map<number, DuplicateMark> {
    const select = 'SELECT photo_id, state, group_kind, marked_at, client FROM duplicate_marks';
    type Row = {
      photo_id: number;
      state: MarkState;
      group_kind: DuplicateKind | null;
      marked_at: string;
      client: string;
    };
    const rows: Row[] = [];
    if (!photoIds) rows.push(...(this.db.prepare(select).all() as Row[]));
    else {
      const ids = [...new Set(photoIds)];
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        rows.push(
          ...(this.db
            .prepare(`${select} WHERE photo_id IN (${chunk.map(() => '?').join(',')})`)
            .all(...chunk) as Row[]),
        );
      }
    }
    return new Map(
      rows.map((r) => [
        r.photo_id,
        {
          photoId: r.photo_id,
          state: r.state,
          ...(r.group_kind === null ? {} : { groupKind: r.group_kind }),
          markedAt: r.marked_at,
          client: r.client,
        },
      ]),
    );
  }

  /** Sets (or changes) marks; the latest mark of a photo replaces the one before. */
  setMarks(rows: ReadonlyArray<Omit<DuplicateMark, 'markedAt'>>, now = new Date().toISOString()): void {
    const upsert = this.db.prepare(
      `INSERT INTO duplicate_marks (photo_id, state, group_kind, marked_at, client) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(photo_id) DO UPDATE SET state = excluded.state, group_kind = excluded.group_kind,
         marked_at = excluded.marked_at, client = excluded.client`,
    );
    this.db.transaction(() => {
      for (const r of rows) upsert.run(r.photoId, r.state, r.groupKind ?? null, now, r.client);
    })();
  }

  /** Removes marks; returns the photos that had one. */
  removeMarks(photoIds: readonly number[]): number[] {
    const del = this.db.prepare('DELETE FROM duplicate_marks WHERE photo_id = ?');
    return this.db.transaction(() => [...new Set(photoIds)].filter((id) => del.run(id).changes > 0))();
  }
}
