import type { Db } from './database';
import type { CaptionKey } from '../shared/payloads';
import type { PhotoStatus } from '../shared/status';

export type Stage = 'load' | 'caption' | 'vision';

/** The load stage is keyed by the decoder, not by a model. */
export const LOAD_KEY: CaptionKey = { backend: 'sharp', model: 'decode', promptHash: '' };

export interface StageResult {
  photoId: number;
  stage: Stage;
  key: CaptionKey;
  status: PhotoStatus;
  reason?: string;
  output?: string;
  runId: string;
  usage?: { inputTokens: number; outputTokens: number; costUsd?: number };
}

export interface SpendRow {
  backend: string;
  model: string;
  photos: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** A photo's result for one stage and key. */
export interface StageResultRow {
  photoId: number;
  stage: string;
  backend: string;
  model: string;
  promptHash: string;
  status: PhotoStatus;
  reason: string | null;
  output: string | null;
  runId: string | null;
  attempts: number;
  updatedAt: string;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
}

const RESULT_COLUMNS = `photo_id AS photoId, stage, backend, model, prompt_hash AS promptHash, status, reason,
  output, run_id AS runId, attempts, updated_at AS updatedAt, input_tokens AS inputTokens,
  output_tokens AS outputTokens, cost_usd AS costUsd`;

/**
 * Per-photo stage results keyed by (photo, stage, backend, model, prompt hash). An upsert with the
 * same key replaces the row, so a retried activity can never leave two records for one photo.
 */
export class ResultsRepository {
  constructor(private readonly db: Db) {}

  upsert(result: StageResult, now = new Date().toISOString()): void {
    this.db
      .prepare(
        `INSERT INTO stage_results (photo_id, stage, backend, model, prompt_hash, status, reason, output, run_id,
                                    updated_at, input_tokens, output_tokens, cost_usd)
         VALUES (@photoId, @stage, @backend, @model, @promptHash, @status, @reason, @output, @runId, @now,
                 @inputTokens, @outputTokens, @costUsd)
         ON CONFLICT(photo_id, stage, backend, model, prompt_hash) DO UPDATE SET
           status = excluded.status, reason = excluded.reason, output = excluded.output,
           run_id = excluded.run_id, updated_at = excluded.updated_at,
           input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
           cost_usd = excluded.cost_usd,
           attempts = stage_results.attempts + (stage_results.run_id IS NOT excluded.run_id)`,
      )
      .run({
        photoId: result.photoId,
        stage: result.stage,
        ...result.key,
        status: result.status,
        reason: result.reason ?? null,
        output: result.output ?? null,
        runId: result.runId,
        inputTokens: result.usage?.inputTokens ?? null,
        outputTokens: result.usage?.outputTokens ?? null,
        costUsd: result.usage?.costUsd ?? null,
        now,
      });
  }

  upsertMany(results: StageResult[]): void {
    const now = new Date().toISOString();
    this.db.transaction(() => results.forEach((r) => this.upsert(r, now)))();
  }

  get(photoId: number, stage: Stage, key: CaptionKey): StageResultRow | undefined {
    return this.db
      .prepare(
        `SELECT ${RESULT_COLUMNS} FROM stage_results
         WHERE photo_id = ? AND stage = ? AND backend = ? AND model = ? AND prompt_hash = ?`,
      )
      .get(photoId, stage, key.backend, key.model, key.promptHash) as StageResultRow | undefined;
  }

  /** Money and tokens recorded per backend and model (the cost of the latest result per photo). */
  /** Every photo's result for one stage and key, in one query (library-wide views and reports). */
  allFor(stage: Stage, key: CaptionKey): Map<number, StageResultRow> {
    const rows = this.db
      .prepare(
        `SELECT ${RESULT_COLUMNS} FROM stage_results WHERE stage = ? AND backend = ? AND model = ? AND prompt_hash = ?`,
      )
      .all(stage, key.backend, key.model, key.promptHash) as StageResultRow[];
    return new Map(rows.map((r) => [r.photoId, r]));
  }

  /** Every stage result of one photo (the photo page's history), newest first. */
  allOf(photoId: number): StageResultRow[] {
    return this.db
      .prepare(`SELECT ${RESULT_COLUMNS} FROM stage_results WHERE photo_id = ? ORDER BY updated_at DESC`)
      .all(photoId) as StageResultRow[];
  }

  spend(): SpendRow[] {
    return this.db
      .prepare(
        `SELECT backend, model, COUNT(*) AS photos, COALESCE(SUM(input_tokens), 0) AS inputTokens,
                COALESCE(SUM(output_tokens), 0) AS outputTokens, COALESCE(SUM(cost_usd), 0) AS costUsd
         FROM stage_results WHERE input_tokens IS NOT NULL GROUP BY backend, model ORDER BY costUsd DESC`,
      )
      .all() as SpendRow[];
  }

  /** Photos that decoded with a note (a warning decoded past, an accepted truncation), with a path each. */
  decodeNotes(limit = 20): { total: number; rows: Array<{ relPath: string; note: string }> } {
    const total = (
      this.db
        .prepare(
          `SELECT COUNT(*) AS n FROM stage_results WHERE stage = 'load' AND status = 'success' AND reason IS NOT NULL`,
        )
        .get() as { n: number }
    ).n;
    const rows = this.db
      .prepare(
        `SELECT (SELECT MIN(rel_path) FROM photo_paths pp WHERE pp.photo_id = r.photo_id) AS relPath, r.reason AS note
         FROM stage_results r WHERE r.stage = 'load' AND r.status = 'success' AND r.reason IS NOT NULL
         ORDER BY relPath LIMIT ?`,
      )
      .all(limit) as Array<{ relPath: string; note: string }>;
    return { total, rows };
  }

  /** Status counts per (stage, backend, model) across the whole catalog. */
  summary(): Array<{ stage: string; backend: string; model: string; status: string; n: number }> {
    return this.db
      .prepare(
        `SELECT stage, backend, model, status, COUNT(*) AS n FROM stage_results
         GROUP BY stage, backend, model, status ORDER BY stage, backend, model, status`,
      )
      .all() as Array<{ stage: string; backend: string; model: string; status: string; n: number }>;
  }
}
