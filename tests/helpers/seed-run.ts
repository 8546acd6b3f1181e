/**
 * A finished run as the workflow leaves it in the catalog (photos, captions, image vectors), for
 * tests of what happens after the batches: clustering, reports, people sets, keywords.
 */
import { Catalog } from '../../src/catalog/catalog';
import { Rng } from '../../src/clustering/random';
import type { EmbedSettings, RunConfig } from '../../src/shared/payloads';
import type { PhotoStatus } from '../../src/shared/status';
import { tempDir } from './fixtures';

export const KEY = { backend: 'mock', model: 'mock-v1', promptHash: 'p' };
export const EMBED: EmbedSettings = {
  imageModel: 'clip',
  textModel: 'minilm',
  dtype: 'fp32',
  inferenceBatch: 16,
};

export interface FakePhoto {
  rel: string;
  status: PhotoStatus;
  caption?: string;
  /** Image vector; absent for photos that never got one (corrupt files). */
  vector?: number[];
}

/** A finished run as the workflow leaves it in the catalog. */
export function seedRun(
  photos: FakePhoto[],
  localOnly: string[] = [],
  extra: Partial<RunConfig> = {},
): { catalog: Catalog; dataDir: string; runId: string } {
  const dataDir = tempDir('pcc-report-');
  const catalog = Catalog.open(dataDir);
  const runId = 'run-1';
  const config = {
    roots: ['/lib'],
    ...KEY,
    dryRun: false,
    localOnly,
    embed: EMBED,
    ...extra,
  } as unknown as RunConfig;
  catalog.runs.ensure(runId, 'wf', config);
  const items = photos.map((p, i) => {
    const photoId = catalog.photos.upsertPhoto({
      sha1: String(i).padStart(40, '0'),
      size: 1,
      format: 'jpg',
      isRaw: false,
    });
    return { photoId, absPath: `/lib/${p.rel}`, relPath: p.rel };
  });
  catalog.runs.setWorkList(runId, items);
  photos.forEach((p, i) => {
    const photoId = items[i].photoId;
    catalog.results.upsert({
      photoId,
      stage: 'caption',
      key: KEY,
      status: p.status,
      output: p.caption,
      runId,
    });
    if (p.vector) {
      catalog.embeddings.upsertMany(
        [{ photoId, kind: 'image', model: 'clip', vector: Float32Array.from(p.vector) }],
        runId,
      );
    }
  });
  return { catalog, dataDir, runId };
}

/** Unit vectors around a few centres. */
export function around(centre: number, i: number, dim = 16): number[] {
  const rng = new Rng(centre * 1000 + i);
  return Array.from({ length: dim }, (_, d) => (d === centre ? 1 : 0) + rng.gaussian() * 0.02);
}
