/**
 * Vision tags on cluster medoids: one request per cluster (the member nearest its centre), never
 * for a cluster with a private (local-only) member nor for a people set the run keeps local; the answer is proposed to every member with
 * source `vision:<backend>/<model>`. Answers are stored as stage results keyed by (medoid, backend,
 * model, prompt hash) the moment they arrive, so a crash or a second run never asks twice.
 */
import type { Catalog } from '../catalog/catalog';
import type { KeywordProposal } from '../catalog/keywords.repository';
import { proxyPathFor } from '../images/loader';
import type { CaptionKey, RunConfig } from '../shared/payloads';
import type { VisionSettings } from '../tags/keyword-settings';
import { TermMapper } from '../tags/caption-terms';
import { policyOfRun, withPolicy } from './keyword-proposals';
import { peopleOfRun } from './people';
import { privacyOf } from './privacy';

export const VISION_SKIPPED = 'vision-skipped';

export interface VisionMedoid {
  cluster: number;
  photoId: number;
  sha1: string;
  relPath: string;
  proxyPath: string;
}

export interface VisionPlan {
  /** Medoids still to ask, cluster order. */
  toAsk: VisionMedoid[];
  /** Clusters answered before (this run or an earlier one): their tags were proposed again. */
  answered: number;
  /** Clusters with a private member: never sent. */
  privateClusters: number;
  /** People sets (mostly photos of people) of a run that keeps them local: never sent. */
  peopleClusters: number;
}

export interface VisionAnswer {
  runId: string;
  cluster: number;
  photoId: number;
  tags?: string[];
  /** Why there are no tags: a refusal, a failure after the retries, the cost cap. */
  skipped?: string;
  usage?: { inputTokens: number; outputTokens: number; costUsd?: number };
}

export function visionKey(v: VisionSettings): CaptionKey {
  return { backend: v.backend, model: v.model, promptHash: v.promptHash };
}

export function visionSource(v: VisionSettings): string {
  return `vision:${v.backend}/${v.model}`;
}

function settingsOf(config: RunConfig): VisionSettings {
  const v = config.cluster?.keywords?.vision;
  if (!v) throw new Error('this run has no vision backend');
  return v;
}

/** Clusters of the run with their members, medoid first (nearest the centre). */
export function clustersOf(catalog: Catalog, runId: string): Map<number, number[]> {
  const byCluster = new Map<number, Array<{ photoId: number; distance: number }>>();
  for (const m of catalog.clusters.members(runId).values()) {
    if (m.cluster < 0) continue;
    const list = byCluster.get(m.cluster) ?? [];
    list.push({ photoId: m.photoId, distance: m.distance ?? Infinity });
    byCluster.set(m.cluster, list);
  }
  return new Map(
    [...byCluster.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([c, list]) => [
        c,
        list.sort((a, b) => a.distance - b.distance || a.photoId - b.photoId).map((m) => m.photoId),
      ]),
  );
}

/**
 * Which medoids to ask. Clusters already answered for this key get their stored tags proposed
 * again (members may have changed with a re-cluster) and are not asked.
 */
export function planMedoidVision(
  catalog: Catalog,
  dataDir: string,
  runId: string,
  proxyLongEdge: number,
): VisionPlan {
  const config = catalog.runs.run(runId)?.config;
  if (!config) throw new Error(`no run ${runId} in the catalog`);
  const vision = settingsOf(config);
  // Local-only globs and the NSFW gate's verdicts alike: such a cluster is never sent.
  const privacy = privacyOf(catalog, config, { bulk: true });
  const key = visionKey(vision);
  const plan: VisionPlan = { toAsk: [], answered: 0, privateClusters: 0, peopleClusters: 0 };
  const clusters = clustersOf(catalog, runId);
  const people = peopleOfRun(catalog, config.cluster, clusters);
  for (const [cluster, members] of clusters) {
    const anyPrivate = members.some((id) =>
      privacy.isPrivate(
        id,
        catalog.photos.pathsOf(id).map((p) => p.relPath),
      ),
    );
    if (anyPrivate) {
      plan.privateClusters++;
      continue;
    }
    if (people && !people.settings.allowCloud && people.sets.has(cluster)) {
      plan.peopleClusters++;
      continue;
    }
    const medoid = members[0];
    const stored = catalog.results.get(medoid, 'vision', key);
    if (stored) {
      plan.answered++;
      proposeToMembers(
        catalog,
        runId,
        vision,
        cluster,
        members,
        stored.status === 'success' ? (JSON.parse(stored.output ?? '[]') as string[]) : undefined,
      );
      continue;
    }
    const photo = catalog.photos.get(medoid);
    const where = catalog.photos.pathsOf(medoid)[0];
    if (!photo || !where) continue;
    plan.toAsk.push({
      cluster,
      photoId: medoid,
      sha1: photo.sha1,
      relPath: where.relPath,
      proxyPath: proxyPathFor(dataDir, photo.sha1, proxyLongEdge),
    });
  }
  return plan;
}

/** Stores one medoid's answer (durably: it was paid for) and proposes it to the cluster. */
export function storeMedoidVision(catalog: Catalog, answer: VisionAnswer): { proposed: number } {
  const config = catalog.runs.run(answer.runId)?.config;
  if (!config) throw new Error(`no run ${answer.runId} in the catalog`);
  const vision = settingsOf(config);
  const members = clustersOf(catalog, answer.runId).get(answer.cluster) ?? [answer.photoId];
  return catalog.durableTransaction(() => {
    // A skip for the cost cap is not an answer: a later run with a higher cap asks.
    if (answer.tags || !/cost cap/.test(answer.skipped ?? '')) {
      catalog.results.upsert({
        photoId: answer.photoId,
        stage: 'vision',
        key: visionKey(vision),
        status: answer.tags ? 'success' : 'error_api',
        output: answer.tags ? JSON.stringify(answer.tags) : undefined,
        reason: answer.skipped,
        runId: answer.runId,
        usage: answer.usage,
      });
    }
    return {
      proposed: proposeToMembers(catalog, answer.runId, vision, answer.cluster, members, answer.tags),
    };
  });
}

function proposeToMembers(
  catalog: Catalog,
  runId: string,
  vision: VisionSettings,
  cluster: number,
  members: number[],
  tags: string[] | undefined,
): number {
  const config = catalog.runs.run(runId)!.config;
  const keywords = config.cluster?.keywords;
  const mapper = new TermMapper(keywords?.tree ?? [], keywords?.aliases ?? {});
  const source = visionSource(vision);
  const proposals: Array<Omit<KeywordProposal, 'state'>> = [];
  const terms = tags
    ? tags.slice(0, vision.maxTags).map((t) => mapper.map(t))
    : [{ term: VISION_SKIPPED, mappedFrom: undefined, path: undefined }];
  for (const photoId of members)
    for (const t of terms)
      proposals.push({
        photoId,
        layer: 'AI',
        term: t.term,
        source,
        sourceKind: 'vision',
        ...(t.path ? { path: t.path } : {}),
        ...(t.mappedFrom ? { mappedFrom: t.mappedFrom } : {}),
        runId,
        fromCluster: cluster,
      });
  catalog.keywords.withdraw(runId, ['vision'], members);
  catalog.keywords.propose(withPolicy(policyOfRun(catalog, runId), proposals));
  return proposals.length;
}
