/**
 * The clustering action log as JSON lines (`pcc clusters log --out actions.jsonl`), and replaying
 * it (`pcc clusters replay actions.jsonl`) on another catalog with the same photos and clustering.
 * Photos are named by SHA-1 (ids differ between catalogs), decisions by their line's `id` (an undo
 * names the line it takes back), clusters by number — a new cluster is made with the same number,
 * so later lines that assign to it still mean it.
 */
import type { Catalog } from '../catalog/catalog';
import type { Decision, DecisionDetails } from '../catalog/decisions.repository';
import { ClusterQueue, QueueError } from './cluster-queue';

const CLUSTER_ACTIONS = new Set(['move', 'rename', 'exclude', 'include']);

export interface LogLine {
  v: 1;
  id: number;
  at: string;
  client: string;
  action: 'move' | 'rename' | 'exclude' | 'include' | 'undo';
  cluster?: number;
  /** The photos it touched, by content. */
  photos: string[];
  /** Moves: where each photo was before (the log is readable without the catalog). */
  from?: number[];
  details?: Omit<DecisionDetails, 'moves'> & { moves?: Array<{ sha1: string; to: number; score: number }> };
  undoes?: number;
}

/** The run's cluster actions (moves, new clusters, renames, exclusions and their undos), oldest first. */
export function exportClusterLog(catalog: Catalog, runId: string): LogLine[] {
  const all = catalog.decisions.ofRun(runId);
  const byId = new Map(all.map((d) => [d.id, d]));
  const sha1 = (id: number) => catalog.photos.get(id)?.sha1 ?? '';
  const lines: LogLine[] = [];
  for (const d of all) {
    const target = d.action === 'undo' ? byId.get(d.undoes!) : d;
    if (!target || !CLUSTER_ACTIONS.has(target.action)) continue;
    const line: LogLine = {
      v: 1,
      id: d.id,
      at: d.at,
      client: d.client,
      action: d.action as LogLine['action'],
      ...(d.cluster !== undefined ? { cluster: d.cluster } : {}),
      photos: d.photoIds.map(sha1),
      ...(d.undoes !== undefined ? { undoes: d.undoes } : {}),
    };
    if (d.action === 'move') line.from = (d.before as Array<{ cluster: number }>).map((b) => b.cluster);
    if (d.details) {
      const { moves, ...rest } = d.details;
      line.details = {
        ...rest,
        ...(moves ? { moves: moves.map((m) => ({ sha1: sha1(m.photoId), to: m.to, score: m.score })) } : {}),
      };
    }
    lines.push(line);
  }
  return lines;
}

export interface ReplayOutcome {
  applied: number;
  /** Lines that changed nothing here (e.g. every photo already where the line puts it). */
  unchanged: number;
}

/** Applies the lines in order to `runId`; stops at the first line that cannot apply, naming it. */
export function replayClusterLog(
  catalog: Catalog,
  runId: string,
  lines: readonly LogLine[],
  client: string,
): ReplayOutcome {
  const queue = new ClusterQueue(catalog);
  const ids = catalog.photos.idsBySha1([
    ...new Set(lines.flatMap((l) => [...l.photos, ...(l.details?.moves ?? []).map((m) => m.sha1)])),
  ]);
  const photo = (sha1: string, line: LogLine) => {
    const id = ids.get(sha1);
    if (id === undefined)
      throw new QueueError(`line ${line.id}: photo ${sha1.slice(0, 12)}… is not in this catalog`);
    return id;
  };
  const here = new Map<number, Decision>();
  let applied = 0;
  let unchanged = 0;
  for (const line of lines) {
    if (line.v !== 1) throw new QueueError(`line ${line.id}: unknown log version ${String(line.v)}`);
    let d: Decision | undefined;
    const photos = line.photos.map((s) => photo(s, line));
    if (line.action === 'undo') {
      const target = here.get(line.undoes ?? -1);
      if (!target)
        throw new QueueError(`line ${line.id}: undoes line ${line.undoes}, which this replay did not apply`);
      d = queue.undo(target.id, client);
    } else if (line.action === 'move' && line.details?.mode === 'auto') {
      const moves = (line.details.moves ?? []).map((m) => ({
        photoId: photo(m.sha1, line),
        to: m.to,
        score: m.score,
      }));
      d = queue.applyMoves(
        runId,
        moves,
        { mode: 'auto', threshold: line.details.threshold, space: line.details.space },
        client,
      );
    } else if (line.action === 'move' && line.details?.newCluster) {
      d = queue.newCluster({
        runId,
        photoIds: photos,
        name: line.details.name ?? `cluster ${line.cluster}`,
        client,
        cluster: line.cluster,
      });
    } else if (line.action === 'move') {
      if (!photos.length) {
        unchanged++;
        continue;
      }
      d = queue.assign({ runId, photoIds: photos, toCluster: line.cluster ?? -1, client });
    } else if (line.action === 'rename') {
      d = queue.rename({ runId, cluster: line.cluster!, name: line.details?.name ?? '', client });
    } else {
      d = queue.exclude({ runId, photoIds: photos, client, include: line.action === 'include' });
    }
    here.set(line.id, d);
    if (d.photoIds.length || line.action === 'rename' || line.action === 'undo') applied++;
    else unchanged++;
  }
  return { applied, unchanged };
}

/** Reads JSON lines, saying which line is not one. */
export function parseClusterLog(text: string): LogLine[] {
  return text
    .split('\n')
    .map((l, i) => ({ l: l.trim(), n: i + 1 }))
    .filter((x) => x.l)
    .map(({ l, n }) => {
      try {
        const line = JSON.parse(l) as LogLine;
        if (
          typeof line !== 'object' ||
          line === null ||
          !Array.isArray(line.photos) ||
          typeof line.id !== 'number'
        )
          throw new Error('not an action');
        return line;
      } catch (err) {
        throw new QueueError(`line ${n} of the log is not an action: ${(err as Error).message}`);
      }
    });
}
