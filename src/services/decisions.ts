/**
 * A person's decisions: approve or reject keywords (by default for the whole cluster, as the review
 * studio does), move a photo to another cluster, and undo any recent decision. Every decision is
 * one entry in the catalog's append-only log with what it changed, which is how undo works.
 * Shared by `pcc tags` and the API.
 */
import type { Catalog } from '../catalog/catalog';
import type {
  Decision,
  DecisionDetails,
  KeywordRowBefore,
  MemberBefore,
} from '../catalog/decisions.repository';
import type { KeywordLayer } from '../catalog/keywords.repository';
import { selectKeywords, type KeywordSelection } from './review-keywords';

export class DecisionError extends Error {
  override name = 'DecisionError';
}

export interface DecisionOutcome {
  cluster: number;
  layer: KeywordLayer;
  term: string;
  changed: number;
  /** The user's own keywords are never rejected. */
  skippedUser: number;
  decisionId?: number;
}

/**
 * Approves or rejects the selected keywords. With `applyToCluster` (the default) a decision
 * covers every member of each selected keyword's cluster: approving a chip gives the term to the
 * whole cluster, rejecting it takes it from every member that had it proposed.
 */
export function decideKeywords(
  catalog: Catalog,
  sel: KeywordSelection,
  action: 'approve' | 'reject',
  options: { applyToCluster: boolean; client: string },
): DecisionOutcome[] {
  const selected = selectKeywords(catalog, sel);
  const members = new Map<number, number[]>();
  const membersOf = (cluster: number) => {
    let list = members.get(cluster);
    if (!list) members.set(cluster, (list = catalog.clusters.membersOfCluster(sel.runId, cluster)));
    return list;
  };
  // One decision per (cluster, term): the unit the review studio shows and undoes.
  const groups = new Map<
    string,
    { cluster: number; layer: KeywordLayer; term: string; photoIds: Set<number> }
  >();
  for (const k of selected) {
    const spread = options.applyToCluster && k.cluster >= 0;
    const key = `${spread ? k.cluster : `photo${k.photoId}`}\u0000${k.layer}\u0000${k.term}`;
    let g = groups.get(key);
    if (!g) {
      g = { cluster: spread ? k.cluster : -1, layer: k.layer, term: k.term, photoIds: new Set() };
      groups.set(key, g);
    }
    if (spread) for (const id of membersOf(k.cluster)) g.photoIds.add(id);
    else g.photoIds.add(k.photoId);
  }
  return catalog.transaction(() =>
    [...groups.values()].map((g) => {
      const where = { runId: sel.runId, ...(g.cluster >= 0 ? { cluster: g.cluster } : {}) };
      const r = catalog.keywords.decide({
        photoIds: [...g.photoIds],
        layer: g.layer,
        term: g.term,
        action,
        ...where,
      });
      const outcome: DecisionOutcome = {
        cluster: g.cluster,
        layer: g.layer,
        term: g.term,
        changed: r.changed,
        skippedUser: r.skippedUser,
      };
      if (r.changed) {
        outcome.decisionId = catalog.decisions.append({
          client: options.client,
          action,
          layer: g.layer,
          term: g.term,
          photoIds: [...new Set(r.before.map((b) => b.photoId))],
          before: r.before,
          ...where,
        }).id;
      }
      return outcome;
    }),
  );
}

/** Moves photos to another cluster of the run (never their files); one logged decision. */
export function movePhotos(
  catalog: Catalog,
  input: { runId: string; photoIds: number[]; toCluster: number; client: string; details?: DecisionDetails },
): Decision {
  const clustering = catalog.clusters.clusteringOf(input.runId);
  if (!clustering) throw new DecisionError(`run ${input.runId} has no clusters`);
  if (!Number.isInteger(input.toCluster) || input.toCluster < -1)
    throw new DecisionError(`a cluster is a number ≥ 0 (or −1 for unclustered), got ${input.toCluster}`);
  return catalog.transaction(() => {
    const before: MemberBefore[] = [];
    for (const photoId of [...new Set(input.photoIds)]) {
      const from = catalog.clusters.moveMember(input.runId, photoId, input.toCluster);
      if (from === undefined) throw new DecisionError(`photo ${photoId} is not in run ${input.runId}`);
      if (from !== input.toCluster) before.push({ photoId, cluster: from });
    }
    return catalog.decisions.append({
      client: input.client,
      action: 'move',
      runId: input.runId,
      cluster: input.toCluster,
      photoIds: before.map((b) => b.photoId),
      before,
      ...(input.details ? { details: input.details } : {}),
    });
  });
}

/** The kind of thing a decision changed: keyword states, cluster memberships, names, exclusions. */
function subject(d: Decision): string {
  if (d.action === 'move') return 'members';
  if (d.action === 'rename') return `name:${d.cluster}`;
  if (d.action === 'exclude' || d.action === 'include') return 'exclusion';
  return `keyword:${d.layer}|${d.term}`;
}

function overlaps(a: Decision, b: Decision): boolean {
  if (subject(a) !== subject(b)) return false;
  if (a.action === 'rename') return true;
  const photos = new Set(a.photoIds);
  return b.photoIds.some((p) => photos.has(p));
}

/**
 * Takes a decision back: keyword rows return to the states it found, moved photos to their
 * clusters. Refused when it was undone already, or when a later decision on the same photos and
 * term still stands (undo that one first). The undo is itself a logged decision.
 */
export function undoDecision(catalog: Catalog, id: number, client: string): Decision {
  return catalog.transaction(() => {
    const d = catalog.decisions.get(id);
    if (!d) throw new DecisionError(`no decision ${id}`);
    if (d.action === 'undo') throw new DecisionError(`decision ${id} is an undo; decide again instead`);
    if (d.undoneBy !== undefined)
      throw new DecisionError(`decision ${id} was already undone (by ${d.undoneBy})`);
    const blocking = catalog.decisions.laterStanding(id).find((later) => overlaps(d, later));
    if (blocking)
      throw new DecisionError(
        `decision ${blocking.id} (${blocking.action}${blocking.term ? ` ${blocking.layer}|${blocking.term}` : ''}) came later on the same photos: undo it first`,
      );
    let before: Decision['before'] = [];
    if (d.action === 'move') {
      for (const m of d.before as MemberBefore[]) {
        const now = catalog.clusters.moveMember(d.runId!, m.photoId, m.cluster);
        if (now !== undefined) (before as MemberBefore[]).push({ photoId: m.photoId, cluster: now });
      }
      // A cluster the move made goes away with it (its name; it has no members left).
      if (d.details?.newCluster && d.cluster !== undefined)
        catalog.clusters.setName(d.runId!, d.cluster, null);
    } else if (d.action === 'rename') {
      catalog.clusters.setName(d.runId!, d.cluster!, d.details?.nameBefore ?? null);
    } else if (d.action === 'exclude' || d.action === 'include') {
      catalog.photos.setExcluded(d.photoIds, d.action === 'include', client);
    } else {
      before = catalog.keywords.rowsNow(d.photoIds, d.layer!, d.term!);
      catalog.keywords.restore(d.layer!, d.term!, d.before as KeywordRowBefore[]);
    }
    return catalog.decisions.append({
      client,
      action: 'undo',
      undoes: id,
      ...(d.runId ? { runId: d.runId } : {}),
      ...(d.layer ? { layer: d.layer } : {}),
      ...(d.term ? { term: d.term } : {}),
      ...(d.cluster !== undefined ? { cluster: d.cluster } : {}),
      photoIds: d.photoIds,
      before,
      ...(d.action === 'rename'
        ? { details: { name: d.details?.nameBefore ?? undefined, nameBefore: d.details?.name } }
        : {}),
    });
  });
}

/** "approve AI|statue on 9 photos (cluster 3)": how the CLI and the studio name a decision. */
export function describeDecision(d: Decision): string {
  const n = `${d.photoIds.length} photo(s)`;
  switch (d.action) {
    case 'move':
      if (d.details?.mode === 'auto') return `auto-move ${n} at ≥ ${d.details.threshold ?? '?'}`;
      if (d.details?.newCluster) return `new cluster ${d.cluster} "${d.details.name ?? ''}" from ${n}`;
      return `move to cluster ${d.cluster} on ${n}`;
    case 'rename':
      return `rename cluster ${d.cluster} to "${d.details?.name ?? ''}"`;
    case 'exclude':
    case 'include':
      return `${d.action} ${n}`;
    case 'undo':
      return `undo decision ${d.undoes}`;
    default: {
      const where = d.cluster !== undefined ? ` (cluster ${d.cluster})` : '';
      return `${d.action} ${d.layer}|${d.term} on ${n}${where}`;
    }
  }
}
