/**
 * The append-only decision log: every approve, reject, move (by hand or an auto-move), rename,
 * exclusion and undo a person makes, with time,
 * client and what each photo looked like before, so any recent decision can be undone. Rows are
 * only ever inserted; whether a decision was undone is read from the undo that names it.
 */
import type { Db } from './database';
import type { DecidedBy, KeywordLayer, KeywordState } from './keywords.repository';

export type DecisionAction = 'approve' | 'reject' | 'move' | 'undo' | 'rename' | 'exclude' | 'include';

/** What a queue decision needs beyond photos and a cluster (migration 14). */
export interface DecisionDetails {
  /** A move by a person, or an auto-move of every queued photo at or above a threshold. */
  mode?: 'manual' | 'auto';
  threshold?: number;
  /** The space suggestions were computed in: image, caption or both. */
  space?: string;
  /** An auto-move's targets (they differ per photo) and each photo's suggestion score. */
  moves?: Array<{ photoId: number; to: number; score: number }>;
  /** The move made this cluster. */
  newCluster?: boolean;
  /** A rename (or a new cluster's name), and the name before (null: none, the medoid's caption). */
  name?: string;
  nameBefore?: string | null;
}

/** One keyword row before a decision (inserted: the decision added the row). */
export interface KeywordRowBefore {
  photoId: number;
  source: string;
  state: KeywordState;
  decidedBy: DecidedBy;
  inserted?: boolean;
}

/** A photo's cluster before a move. */
export interface MemberBefore {
  photoId: number;
  cluster: number;
}

export interface Decision {
  id: number;
  at: string;
  client: string;
  action: DecisionAction;
  runId?: string;
  layer?: KeywordLayer;
  term?: string;
  cluster?: number;
  photoIds: number[];
  before: KeywordRowBefore[] | MemberBefore[];
  /** For an undo: the decision it took back. */
  undoes?: number;
  /** Set when a later undo took this decision back. */
  undoneBy?: number;
  details?: DecisionDetails;
}

export type NewDecision = Omit<Decision, 'id' | 'at' | 'undoneBy'>;

interface Row {
  id: number;
  at: string;
  client: string;
  action: DecisionAction;
  run_id: string | null;
  layer: KeywordLayer | null;
  term: string | null;
  cluster: number | null;
  photos_json: string;
  before_json: string;
  undoes: number | null;
  undone_by: number | null;
  details_json: string | null;
}

const SELECT = `SELECT d.*, (SELECT u.id FROM decisions u WHERE u.undoes = d.id) AS undone_by FROM decisions d`;

function toDecision(r: Row): Decision {
  return {
    id: r.id,
    at: r.at,
    client: r.client,
    action: r.action,
    ...(r.run_id !== null ? { runId: r.run_id } : {}),
    ...(r.layer !== null ? { layer: r.layer } : {}),
    ...(r.term !== null ? { term: r.term } : {}),
    ...(r.cluster !== null ? { cluster: r.cluster } : {}),
    photoIds: JSON.parse(r.photos_json) as number[],
    before: JSON.parse(r.before_json) as Decision['before'],
    ...(r.undoes !== null ? { undoes: r.undoes } : {}),
    ...(r.undone_by !== null ? { undoneBy: r.undone_by } : {}),
    ...(r.details_json !== null ? { details: JSON.parse(r.details_json) as DecisionDetails } : {}),
  };
}

export class DecisionsRepository {
  constructor(private readonly db: Db) {}

  append(d: NewDecision, at = new Date().toISOString()): Decision {
    const info = this.db
      .prepare(
        `INSERT INTO decisions (at, client, action, run_id, layer, term, cluster, photos_json, before_json, undoes,
                                details_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        at,
        d.client,
        d.action,
        d.runId ?? null,
        d.layer ?? null,
        d.term ?? null,
        d.cluster ?? null,
        JSON.stringify(d.photoIds),
        JSON.stringify(d.before),
        d.undoes ?? null,
        d.details ? JSON.stringify(d.details) : null,
      );
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): Decision | undefined {
    const row = this.db.prepare(`${SELECT} WHERE d.id = ?`).get(id) as Row | undefined;
    return row && toDecision(row);
  }

  /** Newest first; optionally one run's. */
  list(limit = 50, runId?: string): Decision[] {
    const rows = (
      runId
        ? this.db.prepare(`${SELECT} WHERE d.run_id = ? ORDER BY d.id DESC LIMIT ?`).all(runId, limit)
        : this.db.prepare(`${SELECT} ORDER BY d.id DESC LIMIT ?`).all(limit)
    ) as Row[];
    return rows.map(toDecision);
  }

  /** Every decision of a run, oldest first (the action log an export replays). */
  ofRun(runId: string): Decision[] {
    return (this.db.prepare(`${SELECT} WHERE d.run_id = ? ORDER BY d.id`).all(runId) as Row[]).map(
      toDecision,
    );
  }

  /** Decisions after `id`, not undone, of the same kind (keyword term or move): undo conflicts. */
  laterStanding(id: number): Decision[] {
    const rows = this.db
      .prepare(`${SELECT} WHERE d.id > ? AND d.action != 'undo' ORDER BY d.id`)
      .all(id) as Row[];
    return rows.map(toDecision).filter((d) => d.undoneBy === undefined);
  }
}
