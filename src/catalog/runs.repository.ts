import type { Db } from './database';
import type { RunConfig, ScanSummary } from '../shared/payloads';
import type { StatusCounts } from '../shared/status';

export interface RunRow {
  id: string;
  workflow_id: string;
  config_json: string;
  status: string;
  scan_json: string | null;
  counts_json: string | null;
  created_at: string;
  finished_at: string | null;
}

/** A run as the rest of pcc sees it: settings, scan and counts parsed, camelCase. */
export interface Run {
  id: string;
  workflowId: string;
  config: RunConfig;
  status: string;
  scan?: ScanSummary;
  counts?: StatusCounts;
  createdAt: string;
  finishedAt?: string;
}

function toRun(row: RunRow): Run {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    config: JSON.parse(row.config_json) as RunConfig,
    status: row.status,
    scan: row.scan_json ? (JSON.parse(row.scan_json) as ScanSummary) : undefined,
    counts: row.counts_json ? (JSON.parse(row.counts_json) as StatusCounts) : undefined,
    createdAt: row.created_at,
    finishedAt: row.finished_at ?? undefined,
  };
}

/** One photo of a run's work list (or of its library), with the path it is processed at. */
export interface WorkItem {
  ordinal: number;
  photoId: number;
  absPath: string;
  relPath: string;
  sha1: string;
  isRaw: boolean;
}

function toWorkItem(row: WorkItem & { isRaw: number | boolean }): WorkItem {
  return { ...row, isRaw: Boolean(row.isRaw) };
}

export type ScanIssueKind = 'unreadable' | 'skipped_video' | 'skipped_sidecar' | 'skipped_other';

/** Runs, their work lists (the photos a run selected, in batch order) and scan issues. */
export class RunsRepository {
  constructor(private readonly db: Db) {}

  /** Idempotent: a retried scan re-enters an existing run without changing its creation time. */
  ensure(runId: string, workflowId: string, config: RunConfig): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, workflow_id, config_json, status, created_at)
         VALUES (?, ?, ?, 'running', ?) ON CONFLICT(id) DO NOTHING`,
      )
      .run(runId, workflowId, JSON.stringify(config), new Date().toISOString());
  }

  /** Replaces the run's work list in one transaction (a retried scan rewrites it whole). */
  setWorkList(runId: string, items: Array<{ photoId: number; absPath: string; relPath: string }>): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM run_photos WHERE run_id = ?').run(runId);
      const insert = this.db.prepare(
        'INSERT INTO run_photos (run_id, ordinal, photo_id, abs_path, rel_path) VALUES (?, ?, ?, ?, ?)',
      );
      items.forEach((item, i) => insert.run(runId, i, item.photoId, item.absPath, item.relPath));
    })();
  }

  batch(runId: string, batchIndex: number, batchSize: number): WorkItem[] {
    return this.db
      .prepare(
        `SELECT rp.ordinal, rp.photo_id AS photoId, rp.abs_path AS absPath, rp.rel_path AS relPath, p.sha1, p.is_raw AS isRaw
         FROM run_photos rp JOIN photos p ON p.id = rp.photo_id
         WHERE rp.run_id = ? AND rp.ordinal >= ? AND rp.ordinal < ? ORDER BY rp.ordinal`,
      )
      .all(runId, batchIndex * batchSize, (batchIndex + 1) * batchSize)
      .map((r) => toWorkItem(r as WorkItem));
  }

  workList(runId: string): WorkItem[] {
    return this.db
      .prepare(
        `SELECT rp.ordinal, rp.photo_id AS photoId, rp.abs_path AS absPath, rp.rel_path AS relPath, p.sha1, p.is_raw AS isRaw
         FROM run_photos rp JOIN photos p ON p.id = rp.photo_id WHERE rp.run_id = ? ORDER BY rp.ordinal`,
      )
      .all(runId)
      .map((r) => toWorkItem(r as WorkItem));
  }

  /**
   * The photos a run's results cover — the whole library under its folders, not only what it
   * processed: its work list, then every other photo (first path each) its scan saw under the
   * same roots (paths touched since the run was created, so the run's include/exclude globs
   * apply and deleted files drop out). A top-up run and a repeated run both report the library.
   */
  libraryOf(runId: string): WorkItem[] {
    const run = this.get(runId);
    const work = this.workList(runId);
    if (!run) return work;
    const roots = (JSON.parse(run.config_json) as RunConfig).roots;
    if (!roots.length) return work;
    const marks = roots.map(() => '?').join(',');
    const seen = this.db
      .prepare(
        `SELECT -1 AS ordinal, pp.photo_id AS photoId, pp.abs_path AS absPath, pp.rel_path AS relPath, p.sha1, p.is_raw AS isRaw
         FROM photo_paths pp JOIN photos p ON p.id = pp.photo_id
         WHERE pp.root IN (${marks}) AND pp.last_seen >= ?
           AND pp.abs_path = (SELECT MIN(abs_path) FROM photo_paths x
                              WHERE x.photo_id = pp.photo_id AND x.root IN (${marks}) AND x.last_seen >= ?)
         ORDER BY pp.rel_path`,
      )
      .all(...roots, run.created_at, ...roots, run.created_at)
      .map((r) => toWorkItem(r as WorkItem));
    const inWork = new Set(work.map((w) => w.photoId));
    return [...work, ...seen.filter((s) => !inWork.has(s.photoId))];
  }

  /** Runs whose work list held the photo, newest first. */
  runsOfPhoto(photoId: number): Run[] {
    const ids = this.db
      .prepare(
        `SELECT DISTINCT r.id FROM run_photos p JOIN runs r ON r.id = p.run_id WHERE p.photo_id = ?
         ORDER BY r.created_at DESC`,
      )
      .all(photoId) as Array<{ id: string }>;
    return ids.map((r) => this.run(r.id)).filter((r): r is Run => r !== undefined);
  }

  recordScan(runId: string, scan: ScanSummary): void {
    this.db.prepare('UPDATE runs SET scan_json = ? WHERE id = ?').run(JSON.stringify(scan), runId);
  }

  replaceScanIssues(
    runId: string,
    issues: Array<{ absPath: string; kind: ScanIssueKind; reason?: string }>,
  ): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM scan_issues WHERE run_id = ?').run(runId);
      const insert = this.db.prepare(
        'INSERT OR REPLACE INTO scan_issues (run_id, abs_path, kind, reason) VALUES (?, ?, ?, ?)',
      );
      for (const i of issues) insert.run(runId, i.absPath, i.kind, i.reason ?? null);
    })();
  }

  scanIssues(runId: string): Array<{ abs_path: string; kind: ScanIssueKind; reason: string | null }> {
    return this.db
      .prepare('SELECT abs_path, kind, reason FROM scan_issues WHERE run_id = ? ORDER BY abs_path')
      .all(runId) as Array<{ abs_path: string; kind: ScanIssueKind; reason: string | null }>;
  }

  finish(runId: string, status: 'completed' | 'cancelled' | 'failed', counts: StatusCounts): void {
    this.db
      .prepare('UPDATE runs SET status = ?, counts_json = ?, finished_at = ? WHERE id = ?')
      .run(status, JSON.stringify(counts), new Date().toISOString(), runId);
  }

  /** The run by run id or workflow id, as a domain object. */
  run(idOrWorkflowId: string): Run | undefined {
    const row = this.find(idOrWorkflowId);
    return row && toRun(row);
  }

  /** The newest run, or the newest that matches `which` (among the 1000 newest). */
  latestRun(which?: (run: Run) => boolean): Run | undefined {
    if (!which) {
      const row = this.latest();
      return row && toRun(row);
    }
    return this.list(1000).map(toRun).find(which);
  }

  recentRuns(limit: number): Run[] {
    return this.list(limit).map(toRun);
  }

  get(runId: string): RunRow | undefined {
    return this.db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
  }

  /** Accepts a run id or a workflow id (the newest run of that workflow). */
  find(idOrWorkflowId: string): RunRow | undefined {
    return (
      this.get(idOrWorkflowId) ??
      (this.db
        .prepare('SELECT * FROM runs WHERE workflow_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1')
        .get(idOrWorkflowId) as RunRow | undefined)
    );
  }

  latest(): RunRow | undefined {
    return this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC LIMIT 1').get() as
      RunRow | undefined;
  }

  list(limit = 50): RunRow[] {
    return this.db
      .prepare('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC LIMIT ?')
      .all(limit) as RunRow[];
  }
}
