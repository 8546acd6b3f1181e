/**
 * Text read in photos (OCR), one row per (photo, source, model): kept for search and for the
 * photo page, and never read twice by the same model.
 */
import type { Db } from './database';
import type { OcrLine } from '../models/ocr';

export interface PhotoText {
  photoId: number;
  source: 'ocr';
  model: string;
  text: string;
  lines: OcrLine[];
  readAt: string;
}

interface Row {
  photo_id: number;
  source: 'ocr';
  model: string;
  text: string;
  lines_json: string;
  read_at: string;
}

export class TextsRepository {
  constructor(private readonly db: Db) {}

  store(rows: Array<Omit<PhotoText, 'readAt'>>): void {
    const now = new Date().toISOString();
    const upsert = this.db.prepare(
      `INSERT INTO photo_text (photo_id, source, model, text, lines_json, read_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(photo_id, source, model) DO UPDATE SET text = excluded.text, lines_json = excluded.lines_json,
         read_at = excluded.read_at`,
    );
    this.db.transaction(() => {
      for (const r of rows) upsert.run(r.photoId, r.source, r.model, r.text, JSON.stringify(r.lines), now);
    })();
  }

  /** Photos among `photoIds` that this model has already read. */
  readBy(model: string, photoIds: readonly number[]): Set<number> {
    const stmt = this.db.prepare(
      "SELECT 1 FROM photo_text WHERE photo_id = ? AND source = 'ocr' AND model = ?",
    );
    return new Set(photoIds.filter((id) => stmt.get(id, model) !== undefined));
  }

  of(photoId: number): PhotoText[] {
    const rows = this.db
      .prepare('SELECT * FROM photo_text WHERE photo_id = ? ORDER BY source, model')
      .all(photoId) as Row[];
    return rows.map((r) => ({
      photoId: r.photo_id,
      source: r.source,
      model: r.model,
      text: r.text,
      lines: JSON.parse(r.lines_json) as OcrLine[],
      readAt: r.read_at,
    }));
  }
}
