import type { Db } from './database';

export type EmbeddingKind = 'image' | 'caption';

export interface EmbeddingRow {
  photoId: number;
  kind: EmbeddingKind;
  model: string;
  vector: Float32Array;
}

/** One vector per (photo, kind, model), stored as little-endian float32 bytes (4·dim bytes). */
export class EmbeddingsRepository {
  constructor(private readonly db: Db) {}

  upsertMany(rows: EmbeddingRow[], runId: string): void {
    const stmt = this.db.prepare(
      `INSERT INTO embeddings (photo_id, kind, model, dim, vector, run_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(photo_id, kind, model) DO UPDATE SET dim = excluded.dim, vector = excluded.vector,
         run_id = excluded.run_id, created_at = excluded.created_at`,
    );
    const now = new Date().toISOString();
    this.db.transaction(() => {
      for (const r of rows) {
        stmt.run(
          r.photoId,
          r.kind,
          r.model,
          r.vector.length,
          Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength),
          runId,
          now,
        );
      }
    })();
  }

  has(photoId: number, kind: EmbeddingKind, model: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM embeddings WHERE photo_id = ? AND kind = ? AND model = ?')
        .get(photoId, kind, model) !== undefined
    );
  }

  get(photoId: number, kind: EmbeddingKind, model: string): Float32Array | undefined {
    const row = this.db
      .prepare('SELECT vector FROM embeddings WHERE photo_id = ? AND kind = ? AND model = ?')
      .get(photoId, kind, model) as { vector: Buffer } | undefined;
    return row ? toFloats(row.vector) : undefined;
  }

  /** Streams every vector of a model (for exports and clustering) without loading them all at once. */
  *iterate(kind?: EmbeddingKind, model?: string): Generator<EmbeddingRow> {
    // One kind and model: photo-id order is the primary key's, so no sort of the blobs (at 100k
    // photos a sort of 200 MB of vectors took seconds).
    const order = kind && model ? 'photo_id' : 'model, kind, photo_id';
    const rows = this.db
      .prepare(
        `SELECT photo_id, kind, model, vector FROM embeddings
         WHERE (? IS NULL OR kind = ?) AND (? IS NULL OR model = ?) ORDER BY ${order}`,
      )
      .iterate(kind ?? null, kind ?? null, model ?? null, model ?? null) as Iterable<{
      photo_id: number;
      kind: EmbeddingKind;
      model: string;
      vector: Buffer;
    }>;
    for (const r of rows)
      yield { photoId: r.photo_id, kind: r.kind, model: r.model, vector: toFloats(r.vector) };
  }

  counts(): Array<{ kind: EmbeddingKind; model: string; dim: number; n: number }> {
    return this.db
      .prepare(
        'SELECT kind, model, dim, COUNT(*) AS n FROM embeddings GROUP BY kind, model, dim ORDER BY kind, model',
      )
      .all() as Array<{ kind: EmbeddingKind; model: string; dim: number; n: number }>;
  }
}

function toFloats(buf: Buffer): Float32Array {
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Float32Array(copy.buffer);
}
