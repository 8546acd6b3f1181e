import type { LightStats } from '../images/light';
import type { Db } from './database';

/** What the inventory records per photo (ExifTool's view of the original, read once per content hash). */
export interface PhotoMetadata {
  photoId: number;
  make?: string;
  model?: string;
  lens?: string;
  /** ISO-like local times as ExifTool reports them ("2012-04-16T13:02:13"). */
  dateOriginal?: string;
  createDate?: string;
  modifyDate?: string;
  fileMtime?: string;
  iso?: number;
  fNumber?: number;
  exposureTime?: string;
  orientation?: number;
  hasGps: boolean;
  width?: number;
  height?: number;
  /** Flat keywords already on the photo: XMP dc:subject, IPTC Keywords, digiKam TagsList leaves. */
  keywords: string[];
  /** lr:hierarchicalSubject / digiKam TagsList paths, `|`-separated. */
  hierarchical: string[];
  description?: string;
  phash?: string;
}

export interface MetadataRow {
  photo_id: number;
  make: string | null;
  model: string | null;
  lens: string | null;
  date_original: string | null;
  create_date: string | null;
  modify_date: string | null;
  file_mtime: string | null;
  iso: number | null;
  f_number: number | null;
  exposure_time: string | null;
  orientation: number | null;
  has_gps: number;
  width: number | null;
  height: number | null;
  keywords_json: string;
  hierarchical_json: string;
  description: string | null;
  phash: string | null;
  resolved_date: string | null;
  date_trust: number | null;
  date_source: string | null;
}

/** A photo's stored metadata: the inventory plus the resolved capture date. */
export interface StoredMetadata extends PhotoMetadata {
  /** Best capture date (ISO-like local time), its trust 0–1 and how it was found. */
  resolvedDate?: string;
  dateTrust?: number;
  dateSource?: string;
}

function toStored(r: MetadataRow): StoredMetadata {
  const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
  return {
    photoId: r.photo_id,
    make: opt(r.make),
    model: opt(r.model),
    lens: opt(r.lens),
    dateOriginal: opt(r.date_original),
    createDate: opt(r.create_date),
    modifyDate: opt(r.modify_date),
    fileMtime: opt(r.file_mtime),
    iso: opt(r.iso),
    fNumber: opt(r.f_number),
    exposureTime: opt(r.exposure_time),
    orientation: opt(r.orientation),
    hasGps: r.has_gps === 1,
    width: opt(r.width),
    height: opt(r.height),
    keywords: JSON.parse(r.keywords_json) as string[],
    hierarchical: JSON.parse(r.hierarchical_json) as string[],
    description: opt(r.description),
    phash: opt(r.phash),
    resolvedDate: opt(r.resolved_date),
    dateTrust: opt(r.date_trust),
    dateSource: opt(r.date_source),
  };
}

export class MetadataRepository {
  constructor(private readonly db: Db) {}

  has(photoId: number): boolean {
    return this.db.prepare('SELECT 1 FROM photo_metadata WHERE photo_id = ?').get(photoId) !== undefined;
  }

  upsert(m: PhotoMetadata): void {
    this.db
      .prepare(
        `INSERT INTO photo_metadata (photo_id, make, model, lens, date_original, create_date, modify_date, file_mtime,
           iso, f_number, exposure_time, orientation, has_gps, width, height, keywords_json, hierarchical_json,
           description, phash, inventoried_at)
         VALUES (@photoId, @make, @model, @lens, @dateOriginal, @createDate, @modifyDate, @fileMtime, @iso, @fNumber,
           @exposureTime, @orientation, @hasGps, @width, @height, @keywords, @hierarchical, @description, @phash, @now)
         ON CONFLICT(photo_id) DO UPDATE SET make = excluded.make, model = excluded.model, lens = excluded.lens,
           date_original = excluded.date_original, create_date = excluded.create_date,
           modify_date = excluded.modify_date, file_mtime = excluded.file_mtime, iso = excluded.iso,
           f_number = excluded.f_number, exposure_time = excluded.exposure_time, orientation = excluded.orientation,
           has_gps = excluded.has_gps, width = excluded.width, height = excluded.height,
           keywords_json = excluded.keywords_json, hierarchical_json = excluded.hierarchical_json,
           description = excluded.description, phash = COALESCE(excluded.phash, photo_metadata.phash),
           inventoried_at = excluded.inventoried_at`,
      )
      .run({
        make: null,
        model: null,
        lens: null,
        dateOriginal: null,
        createDate: null,
        modifyDate: null,
        fileMtime: null,
        iso: null,
        fNumber: null,
        exposureTime: null,
        orientation: null,
        width: null,
        height: null,
        description: null,
        phash: null,
        ...m,
        hasGps: m.hasGps ? 1 : 0,
        keywords: JSON.stringify(m.keywords),
        hierarchical: JSON.stringify(m.hierarchical),
        now: new Date().toISOString(),
      });
  }

  setPhash(photoId: number, phash: string): void {
    this.db.prepare('UPDATE photo_metadata SET phash = ? WHERE photo_id = ?').run(phash, photoId);
  }

  setResolvedDate(photoId: number, date: string | null, trust: number, source: string): void {
    this.db
      .prepare(
        'UPDATE photo_metadata SET resolved_date = ?, date_trust = ?, date_source = ? WHERE photo_id = ?',
      )
      .run(date, trust, source, photoId);
  }

  get(photoId: number): StoredMetadata | undefined {
    const row = this.db.prepare('SELECT * FROM photo_metadata WHERE photo_id = ?').get(photoId) as
      MetadataRow | undefined;
    return row && toStored(row);
  }

  /** Every photo's resolved capture date (library-wide views). */
  resolvedDates(): Map<number, string> {
    const rows = this.db
      .prepare('SELECT photo_id, resolved_date FROM photo_metadata WHERE resolved_date IS NOT NULL')
      .all() as Array<{ photo_id: number; resolved_date: string }>;
    return new Map(rows.map((r) => [r.photo_id, r.resolved_date]));
  }

  /** Open-NSFW scores computed on this machine (the privacy gate's first signal). */
  setNsfwScores(rows: Array<{ photoId: number; score: number }>, model: string): void {
    const now = new Date().toISOString();
    const upsert = this.db.prepare(
      `INSERT INTO photo_privacy (photo_id, nsfw_score, nsfw_model, scored_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(photo_id) DO UPDATE SET nsfw_score = excluded.nsfw_score, nsfw_model = excluded.nsfw_model,
         scored_at = excluded.scored_at`,
    );
    this.db.transaction(() => {
      for (const r of rows) upsert.run(r.photoId, r.score, model, now);
    })();
  }

  /** CLIP zero-shot person presence (0–1) from the stored image vectors (people sets). */
  setPersonScores(rows: Array<{ photoId: number; score: number }>, model: string): void {
    const now = new Date().toISOString();
    const upsert = this.db.prepare(
      `INSERT INTO photo_privacy (photo_id, person_score, person_model, scored_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(photo_id) DO UPDATE SET person_score = excluded.person_score,
         person_model = excluded.person_model, scored_at = excluded.scored_at`,
    );
    this.db.transaction(() => {
      for (const r of rows) upsert.run(r.photoId, r.score, model, now);
    })();
  }

  /** Every photo with a person score. */
  personScores(): Map<number, number> {
    const rows = this.db
      .prepare('SELECT photo_id, person_score FROM photo_privacy WHERE person_score IS NOT NULL')
      .all() as Array<{ photo_id: number; person_score: number }>;
    return new Map(rows.map((r) => [r.photo_id, r.person_score]));
  }

  /** Luma histograms measured from the thumbnails at load (Float32, LIGHT_BINS bins). */
  setLight(rows: Array<{ photoId: number; light: LightStats }>): void {
    const now = new Date().toISOString();
    const upsert = this.db.prepare(
      `INSERT INTO photo_light (photo_id, histogram, measured_at) VALUES (?, ?, ?)
       ON CONFLICT(photo_id) DO UPDATE SET histogram = excluded.histogram, measured_at = excluded.measured_at`,
    );
    this.db.transaction(() => {
      for (const r of rows)
        upsert.run(r.photoId, Buffer.from(new Float32Array(r.light.histogram).buffer), now);
    })();
  }

  hasLight(photoId: number): boolean {
    return this.db.prepare('SELECT 1 FROM photo_light WHERE photo_id = ?').get(photoId) !== undefined;
  }

  light(photoId: number): LightStats | undefined {
    const r = this.db.prepare('SELECT histogram FROM photo_light WHERE photo_id = ?').get(photoId) as
      { histogram: Buffer } | undefined;
    if (!r) return undefined;
    const values = new Float32Array(r.histogram.buffer, r.histogram.byteOffset, r.histogram.byteLength / 4);
    return { histogram: [...values].map((v) => Math.round(v * 1e5) / 1e5) };
  }

  nsfwScore(photoId: number): number | undefined {
    const r = this.db.prepare('SELECT nsfw_score FROM photo_privacy WHERE photo_id = ?').get(photoId) as
      { nsfw_score: number | null } | undefined;
    return r?.nsfw_score ?? undefined;
  }

  /** Every scored photo (library-wide views). */
  nsfwScores(): Map<number, number> {
    const rows = this.db
      .prepare('SELECT photo_id, nsfw_score FROM photo_privacy WHERE nsfw_score IS NOT NULL')
      .all() as Array<{ photo_id: number; nsfw_score: number }>;
    return new Map(rows.map((r) => [r.photo_id, r.nsfw_score]));
  }
}
