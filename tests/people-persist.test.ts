/**
 * People sets and the studio-black rule where a run stores its clustering: person scores are
 * kept, people-only labels stay on people sets, the rule proposes studio + black-background (its
 * firing named as the source) and withholds night only where it fires, the report marks the set,
 * and medoid vision never plans a people set the run keeps local.
 */
import path from 'node:path';
import { runClusterLibrary, stageClusterInputFiles } from '../src/activities/cluster';
import { persistClustering } from '../src/activities/reports';
import { DEFAULT_CLUSTER_PARAMS } from '../src/clustering/cluster';
import { LIGHT_BINS, type LightStats } from '../src/images/light';
import { writeReportFiles } from '../src/reports/cluster-reports';
import { planMedoidVision } from '../src/services/medoid-vision';
import type { ClusterSettings } from '../src/shared/payloads';
import { DEFAULT_AUTO_APPROVE, parseApprovalPolicy } from '../src/tags/approval-policy';
import { DEFAULT_PEOPLE } from '../src/tags/people-sets';
import { DEFAULT_STUDIO_NIGHT, STUDIO_RULE_SOURCE } from '../src/tags/studio-night';
import { EMBED, around, seedRun, type FakePhoto } from './helpers/seed-run';

/** 80 % black backdrop, 20 % flash-lit subject. */
const STUDIO_LIGHT: LightStats = {
  histogram: Array.from({ length: LIGHT_BINS }, (_, i) => (i === 0 ? 0.8 : i === 40 ? 0.2 : 0)),
};
const EVEN_LIGHT: LightStats = { histogram: new Array<number>(LIGHT_BINS).fill(1 / LIGHT_BINS) };

function settings(allowCloud: boolean): ClusterSettings {
  return {
    space: 'image',
    params: { ...DEFAULT_CLUSTER_PARAMS, mode: 'cosine-threshold', minClusterSize: 2, threshold: 0.9 },
    vocabulary: {
      labels: ['face', 'night'],
      template: 'a photo of {label}',
      topK: 2,
      threshold: 0.1,
      gear: [],
    },
    keywords: {
      autoApprove: parseApprovalPolicy([...DEFAULT_AUTO_APPROVE]),
      maxAiTags: 0,
      aiMinScore: 0.2,
      conceptBank: [],
      cities: [],
      aliases: {},
      tree: [],
      vision: {
        backend: 'openai',
        model: 'gpt-4.1-mini',
        queue: 'api-openai',
        remote: true,
        maxTags: 8,
        promptHash: 'v',
        maxEdge: 1024,
        requestTimeoutMs: 60_000,
      },
    },
    people: { ...DEFAULT_PEOPLE, allowCloud },
    studio: DEFAULT_STUDIO_NIGHT,
  };
}

async function persisted(allowCloud: boolean) {
  // Cluster A (portraits, p0–p3) and cluster B (night streets, p4–p7).
  const photos: FakePhoto[] = Array.from({ length: 8 }, (_, i) => ({
    rel: `${i < 4 ? 'portraits' : 'streets'}/p${i}.jpg`,
    status: 'success' as const,
    caption: i < 4 ? 'a portrait' : 'a street at night',
    vector: around(i < 4 ? 0 : 1, i),
  }));
  const cluster = settings(allowCloud);
  const seeded = seedRun(photos, [], { cluster });
  const { catalog, dataDir, runId } = seeded;
  const ids = catalog.runs.workList(runId).map((w) => w.photoId);
  ids.forEach((photoId, i) =>
    catalog.photos.upsertPath(photoId, {
      absPath: `/lib/${photos[i].rel}`,
      root: '/lib',
      relPath: photos[i].rel,
      size: 1,
      mtimeMs: 0,
    }),
  );
  // p0 and p4: black frames shot at ISO 400, 1/125 s; only p0 has a person in it.
  for (const i of [0, 4]) {
    catalog.metadata.upsert({
      photoId: ids[i],
      iso: 400,
      exposureTime: '1/125',
      hasGps: false,
      keywords: [],
      hierarchical: [],
    });
  }
  catalog.metadata.setLight(
    ids.map((photoId, i) => ({ photoId, light: i % 4 === 0 ? STUDIO_LIGHT : EVEN_LIGHT })),
  );
  const staged = stageClusterInputFiles(catalog, dataDir, {
    runId,
    space: 'image',
    embed: EMBED,
    withImageFile: false,
  });
  const clustered = await runClusterLibrary(
    { runId, file: staged.file, params: cluster.params },
    () => undefined,
  );
  persistClustering(
    catalog,
    { runId, settings: cluster, clustersFile: clustered.file },
    {
      result: clustered.result,
      scored: ids.map((photoId) => ({
        photoId,
        model: 'clip',
        top: [
          { label: 'face', score: 0.5 },
          { label: 'night', score: 0.5 },
        ],
        approved: ['face', 'night'],
      })),
      people: { model: 'clip', rows: ids.map((photoId, i) => ({ photoId, score: i < 4 ? 0.9 : 0.05 })) },
    },
  );
  const keywords = (i: number) =>
    catalog.keywords
      .keywordsOf(ids[i])
      .map((k) => `${k.path}<${k.sources.map((s) => s.source).join('+')}>`)
      .sort();
  return {
    ...seeded,
    ids,
    keywords,
    clusterOf: (i: number) => catalog.clusters.memberOf(runId, ids[i])?.cluster,
  };
}

describe('people sets and the studio rule in a stored clustering', () => {
  it('stores person scores, keeps people labels on people sets and fires the studio rule only with a person', async () => {
    const { catalog, ids, keywords, clusterOf, dataDir, runId } = await persisted(false);
    expect(new Set([0, 1, 2, 3].map(clusterOf)).size).toBe(1);
    expect(new Set([4, 5, 6, 7].map(clusterOf)).size).toBe(1);
    expect(clusterOf(0)).not.toBe(clusterOf(4));
    expect(catalog.metadata.personScores().get(ids[0])).toBe(0.9);

    // p0: a person on black at ISO 400, 1/125 s → studio + black-background from the rule, no night.
    expect(keywords(0)).toEqual([
      `CK|black-background<${STUDIO_RULE_SOURCE}>`,
      'CK|face<vocabulary:clip>',
      `CK|studio<${STUDIO_RULE_SOURCE}>`,
    ]);
    const studio = catalog.keywords.keywordsOf(ids[0]).find((k) => k.term === 'studio')!;
    // A rule's finding is proposed for a person to confirm, never approved by the default policy.
    expect(studio.state).toBe('proposed');
    expect(studio.sources[0].sourceKind).toBe('heuristic');
    // p1: same people set, ordinary light → face and night as the vocabulary said.
    expect(keywords(1)).toEqual(['CK|face<vocabulary:clip>', 'CK|night<vocabulary:clip>']);
    // p4: the same dark frame and EXIF without a person → night stays; face is not proposed outside a people set.
    expect(keywords(4)).toEqual(['CK|night<vocabulary:clip>']);
    expect(keywords(5)).toEqual(['CK|night<vocabulary:clip>']);

    const summary = writeReportFiles(catalog, runId, path.join(dataDir, 'out'));
    expect(summary.peopleSets).toBe(1);

    // Medoid vision: the people set stays home, the street cluster is asked.
    const plan = planMedoidVision(catalog, dataDir, runId, 1024);
    expect(plan.peopleClusters).toBe(1);
    expect(plan.toAsk.map((m) => m.cluster)).toEqual([clusterOf(4)]);
    catalog.close();
  });

  it('asks vision about people sets when the config allows cloud', async () => {
    const { catalog, dataDir, runId, clusterOf } = await persisted(true);
    const plan = planMedoidVision(catalog, dataDir, runId, 1024);
    expect(plan.peopleClusters).toBe(0);
    expect(plan.toAsk.map((m) => m.cluster).sort()).toEqual([clusterOf(0), clusterOf(4)].sort());
    catalog.close();
  });
});
