import type { Db } from './database';

export interface ClusteringRow {
  run_id: string;
  params_json: string;
  space: string;
  cluster_count: number;
  noise: number;
  seconds: number | null;
  folders_json: string;
  created_at: string;
}

/** A run's clustering as the rest of pcc sees it (parsed, camelCase). */
export interface Clustering<Params = Record<string, unknown>> {
  runId: string;
  params: Params;
  space: string;
  clusterCount: number;
  noise: number;
  seconds?: number;
  folders: FolderMedoidRow[];
  createdAt: string;
}

export interface FolderMedoidRow {
  folder: string;
  photoId: number;
  cosineToCentroid: number;
}

export interface MemberRow {
  photoId: number;
  /** −1 = noise (or no embedding). */
  cluster: number;
  /** Cosine distance to the group's centre; null when the photo has no embedding. */
  distance: number | null;
}

export interface LabelScore {
  label: string;
  score: number;
}

export interface VocabularyScoreRow {
  photoId: number;
  model: string;
  top: LabelScore[];
  approved: string[];
}

/** One clustering per run (a re-cluster replaces it) and the run's vocabulary scores. */
export class ClustersRepository {
  constructor(private readonly db: Db) {}

  replace(
    runId: string,
    clustering: {
      params: unknown;
      space: string;
      clusterCount: number;
      noise: number;
      seconds?: number;
      folders: FolderMedoidRow[];
    },
    members: MemberRow[],
  ): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM cluster_members WHERE run_id = ?').run(runId);
      this.db
        .prepare(
          `INSERT INTO clusterings (run_id, params_json, space, cluster_count, noise, seconds, folders_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(run_id) DO UPDATE SET params_json = excluded.params_json, space = excluded.space,
             cluster_count = excluded.cluster_count, noise = excluded.noise, seconds = excluded.seconds,
             folders_json = excluded.folders_json, created_at = excluded.created_at`,
        )
        .run(
          runId,
          JSON.stringify(clustering.params),
          clustering.space,
          clustering.clusterCount,
          clustering.noise,
          clustering.seconds ?? null,
          JSON.stringify(clustering.folders),
          new Date().toISOString(),
        );
      const insert = this.db.prepare(
        'INSERT INTO cluster_members (run_id, photo_id, cluster, distance) VALUES (?, ?, ?, ?)',
      );
      for (const m of members) insert.run(runId, m.photoId, m.cluster, m.distance);
    })();
  }

  clustering(runId: string): ClusteringRow | undefined {
    return this.db.prepare('SELECT * FROM clusterings WHERE run_id = ?').get(runId) as
      ClusteringRow | undefined;
  }

  /** The run's clustering, parsed. */
  clusteringOf<Params = Record<string, unknown>>(runId: string): Clustering<Params> | undefined {
    const row = this.clustering(runId);
    if (!row) return undefined;
    return {
      runId: row.run_id,
      params: JSON.parse(row.params_json) as Params,
      space: row.space,
      clusterCount: row.cluster_count,
      noise: row.noise,
      seconds: row.seconds ?? undefined,
      folders: JSON.parse(row.folders_json) as FolderMedoidRow[],
      createdAt: row.created_at,
    };
  }

  members(runId: string): Map<number, MemberRow> {
    const rows = this.db
      .prepare('SELECT photo_id, cluster, distance FROM cluster_members WHERE run_id = ?')
      .all(runId) as Array<{ photo_id: number; cluster: number; distance: number | null }>;
    return new Map(
      rows.map((r) => [r.photo_id, { photoId: r.photo_id, cluster: r.cluster, distance: r.distance }]),
    );
  }

  /** The photos of one cluster of a run (an index lookup: no need to read the whole run). */
  membersOfCluster(runId: string, cluster: number): number[] {
    return (
      this.db
        .prepare('SELECT photo_id FROM cluster_members WHERE run_id = ? AND cluster = ? ORDER BY photo_id')
        .all(runId, cluster) as Array<{ photo_id: number }>
    ).map((r) => r.photo_id);
  }

  /** One photo's cluster in a run. */
  memberOf(runId: string, photoId: number): MemberRow | undefined {
    const r = this.db
      .prepare('SELECT photo_id, cluster, distance FROM cluster_members WHERE run_id = ? AND photo_id = ?')
      .get(runId, photoId) as { photo_id: number; cluster: number; distance: number | null } | undefined;
    return r && { photoId: r.photo_id, cluster: r.cluster, distance: r.distance };
  }

  replaceScores(runId: string, rows: VocabularyScoreRow[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM vocabulary_scores WHERE run_id = ?').run(runId);
      const insert = this.db.prepare(
        'INSERT INTO vocabulary_scores (run_id, photo_id, model, top_json, approved_json) VALUES (?, ?, ?, ?, ?)',
      );
      for (const r of rows)
        insert.run(runId, r.photoId, r.model, JSON.stringify(r.top), JSON.stringify(r.approved));
    })();
  }

  scores(runId: string): Map<number, VocabularyScoreRow> {
    const rows = this.db
      .prepare('SELECT photo_id, model, top_json, approved_json FROM vocabulary_scores WHERE run_id = ?')
      .all(runId) as Array<{ photo_id: number; model: string; top_json: string; approved_json: string }>;
    return new Map(
      rows.map((r) => [
        r.photo_id,
        {
          photoId: r.photo_id,
          model: r.model,
          top: JSON.parse(r.top_json) as LabelScore[],
          approved: JSON.parse(r.approved_json) as string[],
        },
      ]),
    );
  }

  /** Changes when the run is clustered again. */
  stamp(runId: string): string {
    return `:${this.clustering(runId)?.created_at ?? ''}`;
  }

  /** Moves one photo to another cluster of the run (a person's correction); returns where it was. */
  moveMember(runId: string, photoId: number, cluster: number): number | undefined {
    const row = this.db
      .prepare('SELECT cluster FROM cluster_members WHERE run_id = ? AND photo_id = ?')
      .get(runId, photoId) as { cluster: number } | undefined;
    if (!row) return undefined;
    this.db
      .prepare('UPDATE cluster_members SET cluster = ?, distance = NULL WHERE run_id = ? AND photo_id = ?')
      .run(cluster, runId, photoId);
    return row.cluster;
  }

  /** Names a person gave clusters of a run (the studio otherwise labels a cluster by its medoid). */
  names(runId: string): Map<number, string> {
    const rows = this.db
      .prepare('SELECT cluster, name FROM cluster_names WHERE run_id = ?')
      .all(runId) as Array<{
      cluster: number;
      name: string;
    }>;
    return new Map(rows.map((r) => [r.cluster, r.name]));
  }

  /** Sets (or, with null, removes) a cluster's name; returns the name before. */
  setName(runId: string, cluster: number, name: string | null): string | null {
    const before =
      (this.db
        .prepare('SELECT name FROM cluster_names WHERE run_id = ? AND cluster = ?')
        .pluck()
        .get(runId, cluster) as string | undefined) ?? null;
    if (name === null)
      this.db.prepare('DELETE FROM cluster_names WHERE run_id = ? AND cluster = ?').run(runId, cluster);
    else
      this.db
        .prepare(
          `INSERT INTO cluster_names (run_id, cluster, name, named_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(run_id, cluster) DO UPDATE SET name = excluded.name, named_at = excluded.named_at`,
        )
        .run(runId, cluster, name, new Date().toISOString());
    return before;
  }

  /** The id a new cluster of the run gets: one past every id in use (members or names). */
  nextClusterId(runId: string): number {
    const n = this.db
      .prepare(
        `SELECT MAX(c) FROM (SELECT MAX(cluster) AS c FROM cluster_members WHERE run_id = ?
                             UNION ALL SELECT MAX(cluster) FROM cluster_names WHERE run_id = ?)`,
      )
      .pluck()
      .get(runId, runId) as number | null;
    return (n ?? -1) + 1;
  }

  /** The newest run that has a clustering (what the queue, search and exports default to). */
  latestClusteredRunId(): string | undefined {
    return this.db
      .prepare(
        `SELECT c.run_id FROM clusterings c JOIN runs r ON r.id = c.run_id
         ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1`,
      )
      .pluck()
      .get() as string | undefined;
  }
}
