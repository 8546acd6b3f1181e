/**
 * The manual clustering queue on a real catalog: suggestions from centroids, assign, new cluster,
 * rename, exclude, auto-move (≥ 99 % right on synthetic vectors with known groups at a high
 * threshold), undo of each (a whole auto-move at once), counts that equal the log, and the log
 * replayed on a copy of the catalog taken before the actions giving the same assignments.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Catalog } from '../src/catalog/catalog';
import { CATALOG_FILE } from '../src/catalog/database';
import { Rng } from '../src/clustering/random';
import { ClusterQueue } from '../src/services/cluster-queue';
import { exportClusterLog, parseClusterLog, replayClusterLog } from '../src/services/cluster-log';
import { describeDecision } from '../src/services/decisions';
import type { RunConfig } from '../src/shared/payloads';
import { tempDir } from './helpers/fixtures';

const KEY = { backend: 'mock', model: 'mock-v1', promptHash: 'p' };
const GROUPS = 12;
const PER_GROUP = 40;
const DIM = 48;

/** A run whose photos come in known groups: the first 10 of each group clustered, the rest noise. */
function seed(): { catalog: Catalog; dataDir: string; runId: string; truth: Map<number, number> } {
  const dataDir = tempDir('pcc-queue-');
  const catalog = Catalog.open(dataDir);
  const runId = 'run-q';
  const config = {
    roots: ['/lib'],
    ...KEY,
    dryRun: false,
    localOnly: [],
    embed: { imageModel: 'clip', textModel: 'minilm', dtype: 'fp32', inferenceBatch: 16 },
  } as unknown as RunConfig;
  catalog.runs.ensure(runId, 'wf', config);
  const rng = new Rng(11);
  const centres = Array.from({ length: GROUPS }, () => Array.from({ length: DIM }, () => rng.gaussian()));
  const truth = new Map<number, number>();
  const work: Array<{ photoId: number; absPath: string; relPath: string }> = [];
  const members: Array<{ photoId: number; cluster: number; distance: number | null }> = [];
  catalog.transaction(() => {
    for (let g = 0; g < GROUPS; g++)
      for (let i = 0; i < PER_GROUP; i++) {
        const n = g * PER_GROUP + i;
        const photoId = catalog.photos.upsertPhoto({
          sha1: n.toString(16).padStart(40, '0'),
          size: 1,
          format: 'jpg',
          isRaw: false,
        });
        const relPath = `g${g}/IMG_${i}.jpg`;
        catalog.photos.upsertPath(photoId, {
          absPath: `/lib/${relPath}`,
          root: '/lib',
          relPath,
          size: 1,
          mtimeMs: 1,
        });
        work.push({ photoId, absPath: `/lib/${relPath}`, relPath });
        catalog.results.upsert({
          photoId,
          stage: 'caption',
          key: KEY,
          status: 'success',
          output: `photo of group ${g}`,
          runId,
        });
        // Noise of σ 0.35 per component around the centre: groups overlap a little at the edges.
        const v = centres[g].map((c) => c + rng.gaussian() * 0.35);
        const norm = Math.hypot(...v);
        catalog.embeddings.upsertMany(
          [{ photoId, kind: 'image', model: 'clip', vector: Float32Array.from(v, (x) => x / norm) }],
          runId,
        );
        truth.set(photoId, g);
        members.push({ photoId, cluster: i < 10 ? g : -1, distance: i < 10 ? 0.1 : null });
      }
  });
  catalog.runs.setWorkList(runId, work);
  catalog.clusters.replace(
    runId,
    {
      params: { mode: 'test' },
      space: 'image',
      clusterCount: GROUPS,
      noise: GROUPS * (PER_GROUP - 10),
      folders: [],
    },
    members,
  );
  return { catalog, dataDir, runId, truth };
}

/** A copy of the catalog as it is now (a fresh catalog with the same photos and clustering). */
function snapshot(catalog: Catalog, dataDir: string): string {
  const copy = tempDir('pcc-queue-copy-');
  catalog.close(); // the last connection to close checkpoints the WAL into the file
  fs.copyFileSync(path.join(dataDir, CATALOG_FILE), path.join(copy, CATALOG_FILE));
  return copy;
}

describe('the manual clustering queue', () => {
  it('suggests by centroid, assigns, auto-moves ≥ 99 % right at a high threshold, undoes, and the log replays', () => {
    const seeded = seed();
    const { dataDir, runId, truth } = seeded;
    const before = snapshot(seeded.catalog, dataDir);
    const catalog = Catalog.open(dataDir);
    const queue = new ClusterQueue(catalog);

    // The queue: the noise, paged; a seed shuffles it the same way every time.
    const first = queue.page({ runId, limit: 5 });
    expect(first.total).toBe(GROUPS * (PER_GROUP - 10));
    expect(first.items).toHaveLength(5);
    expect(first.clusters).toHaveLength(GROUPS);
    const shuffled = queue.page({ runId, limit: 5, shuffle: 42 }).items.map((i) => i.photoId);
    expect(queue.page({ runId, limit: 5, shuffle: 42 }).items.map((i) => i.photoId)).toEqual(shuffled);
    expect(shuffled).not.toEqual(first.items.map((i) => i.photoId));
    // Suggestions: top 3 with scores, best first; manual-only mode hides them.
    for (const item of first.items) {
      expect(item.suggestions).toHaveLength(3);
      expect(item.suggestions[0].score).toBeGreaterThanOrEqual(item.suggestions[1].score);
      expect(item.suggestions[0].cluster).toBe(truth.get(item.photoId));
    }
    expect(queue.page({ runId, limit: 5, manual: true }).items.every((i) => i.suggestions.length === 0)).toBe(
      true,
    );

    // Five photos sorted by hand, to their true clusters.
    const five = first.items.map((i) => i.photoId);
    for (const id of five) queue.assign({ runId, photoIds: [id], toCluster: truth.get(id)!, client: 'test' });
    expect(queue.stats(runId)).toMatchObject({ manual: 5, auto: 0, queued: first.total - 5 });

    // A new cluster from two photos, renamed; an exclusion.
    const rest = queue.page({ runId, limit: 500 }).items.map((i) => i.photoId);
    const made = queue.newCluster({ runId, photoIds: rest.slice(0, 2), name: 'My  pick\n', client: 'test' });
    expect(made.cluster).toBe(GROUPS);
    expect(queue.labels(runId).get(GROUPS)).toBe('My pick');
    const renamed = queue.rename({ runId, cluster: GROUPS, name: 'Best of', client: 'test' });
    expect(queue.labels(runId).get(GROUPS)).toBe('Best of');
    const excluded = queue.exclude({ runId, photoIds: [rest[2]], client: 'test' });
    expect(queue.queueIds({ runId })).not.toContain(rest[2]);
    queue.undo(renamed.id, 'test');
    expect(queue.labels(runId).get(GROUPS)).toBe('My pick');
    queue.undo(made.id, 'test');
    expect(queue.labels(runId).has(GROUPS)).toBe(false);
    queue.undo(excluded.id, 'test');
    expect(queue.queueIds({ runId })).toContain(rest[2]);

    // Auto-move at a high threshold: every photo whose best suggestion reaches it, one decision.
    const auto = queue.autoMove({ runId, threshold: 0.9, client: 'test' })!;
    expect(auto.details?.mode).toBe('auto');
    const moves = auto.details!.moves!;
    expect(moves.length).toBeGreaterThan(50);
    const right = moves.filter((m) => m.to === truth.get(m.photoId)).length;
    expect(right / moves.length).toBeGreaterThanOrEqual(0.99);
    for (const m of moves) expect(m.score).toBeGreaterThanOrEqual(0.9);
    expect(describeDecision(auto)).toMatch(/^auto-move \d+ photo\(s\) at ≥ 0\.9$/);
    // The counts shown equal the log.
    const stats = queue.stats(runId);
    expect(stats).toMatchObject({ manual: 5, auto: moves.length, processed: 5 + moves.length });
    const log = exportClusterLog(catalog, runId);
    const standing = (mode: string) =>
      log
        .filter((l) => l.action === 'move' && !log.some((u) => u.undoes === l.id))
        .filter((l) => (l.details?.mode ?? 'manual') === mode)
        .reduce((n, l) => n + l.photos.length, 0);
    expect(standing('manual')).toBe(stats.manual);
    expect(standing('auto')).toBe(stats.auto);

    // The log replayed on the catalog as it was before any action: the same assignments.
    const lines = parseClusterLog(log.map((l) => JSON.stringify(l)).join('\n'));
    const fresh = Catalog.open(before);
    try {
      const outcome = replayClusterLog(fresh, runId, lines, 'replay');
      expect(outcome.applied).toBe(lines.length);
      const clusterOf = (c: Catalog) =>
        [...c.clusters.members(runId).values()].map((m) => [m.photoId, m.cluster]);
      expect(clusterOf(fresh)).toEqual(clusterOf(catalog));
      expect(new ClusterQueue(fresh).stats(runId)).toEqual(queue.stats(runId));
    } finally {
      fresh.close();
    }

    // Undo the whole auto-move at once, then one manual assignment.
    queue.undo(auto.id, 'test');
    expect(queue.stats(runId)).toMatchObject({ manual: 5, auto: 0 });
    expect(queue.queueIds({ runId })).toHaveLength(first.total - 5);
    catalog.close();
  });

  it('refuses what would be a mistake, with a reason', () => {
    const { catalog, runId } = seed();
    const queue = new ClusterQueue(catalog);
    const [id] = queue.queueIds({ runId });
    expect(() => queue.assign({ runId, photoIds: [id], toCluster: 99, client: 't' })).toThrow(
      /no cluster 99/,
    );
    expect(() => queue.autoMove({ runId, threshold: 1.5, client: 't' })).toThrow(/threshold/);
    expect(() => queue.page({ runId, source: 'album:x' })).toThrow(/noise, cluster:N/);
    expect(() => queue.rename({ runId, cluster: 0, name: '  ', client: 't' })).toThrow(/empty/);
    expect(() => parseClusterLog('{"v":1}\nnot json')).toThrow(/line 1/);
    // A photo is never suggested into the cluster it is in.
    const made = queue.newCluster({ runId, photoIds: [id], name: 'solo', client: 't' });
    const s = queue.suggest(runId, [id], 'image', 20).get(id)!;
    expect(s.map((x) => x.cluster)).not.toContain(made.cluster);
    catalog.close();
  });
});
