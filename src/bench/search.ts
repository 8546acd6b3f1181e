/**
 * npm run bench:search -- --photos 100000
 *
 * Search and duplicates at library scale: a synthetic catalog (photos with paths, captions,
 * metadata, dHashes, capture times, 384-d caption and 512-d image vectors, three keywords each),
 * then the real PhotoSearch in this process — p50/p95 over a mix of queries (words, words with
 * filters, filters alone), including embedding the query with the models in PCC_MODELS_DIR
 * (../shared/models when unset) — the first query (which loads the vectors), one brute-force
 * vector scan on its own, and `findDuplicates` over the whole catalog. Targets on 2 cores:
 * search p95 < 100 ms, duplicates < 60 s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Catalog } from '../catalog/catalog';
import type { KeywordProposal } from '../catalog/keywords.repository';
import { readConfig } from '../config';
import { Rng } from '../clustering/random';
import { parseSearchQuery } from '../search/search-query';
import { VectorIndex } from '../search/vector-index';
import { modelQueryEmbedder, PhotoSearch } from '../services/search';
import { findDuplicates } from '../services/duplicates';
import type { RunConfig } from '../shared/payloads';

const SUBJECTS = [
  'dog',
  'cat',
  'child',
  'woman',
  'man',
  'boat',
  'bridge',
  'church',
  'statue',
  'market',
  'tree',
  'car',
];
const SETTINGS = [
  'on a beach',
  'in a forest',
  'by a canal',
  'in the snow',
  'at a market',
  'on a street',
  'in a garden',
];
const ACTIVITIES = ['at sunset', 'in the rain', 'at night', 'in morning light', 'under a blue sky', 'in fog'];
const QUERIES = [
  'dog on a beach at sunset',
  'boats by the canal',
  'church in the snow',
  'children playing in a garden',
  'street market at night',
  'statue in fog',
  'a cat',
  'red car on a street',
];
const MAKES = ['Canon EOS R6', 'FUJIFILM X100V', 'NIKON D750', 'SONY ILCE-7M3', 'Apple iPhone 13'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function unitVector(rng: Rng, centre: Float32Array, spread: number): Float32Array {
  const v = new Float32Array(centre.length);
  let n = 0;
  for (let k = 0; k < v.length; k++) {
    v[k] = centre[k] + spread * (rng.next() - 0.5);
    n += v[k] * v[k];
  }
  n = Math.sqrt(n);
  for (let k = 0; k < v.length; k++) v[k] /= n;
  return v;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      photos: { type: 'string', default: '100000' },
      queries: { type: 'string', default: '100' },
      keep: { type: 'boolean', default: false },
    },
  });
  const photos = Number(values.photos);
  const queries = Number(values.queries);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-bench-search-'));
  const root = path.join(dataDir, 'library');
  const modelsDir =
    process.env.PCC_MODELS_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'models');
  console.log(`catalog with ${photos} photos …`);
  const built = performance.now();
  const catalog = Catalog.open(dataDir);
  const runId = 'bench-search';
  const imageModel = 'Xenova/clip-vit-base-patch32';
  const textModel = 'Xenova/all-MiniLM-L6-v2';
  const config = {
    roots: [root],
    backend: 'mock',
    model: 'mock-v1',
    promptHash: 'bench',
    localOnly: ['private/**'],
    dryRun: false,
    embed: { imageModel, textModel, dtype: 'fp32', inferenceBatch: 16 },
  } as unknown as RunConfig;
  catalog.runs.ensure(runId, 'bench-search', config);
  const rng = new Rng(42);
  // 2,000 themes: photos of one theme have nearby vectors (as real libraries do).
  const themes = Array.from({ length: 2000 }, () => ({
    image: unitVector(rng, new Float32Array(512), 2),
    caption: unitVector(rng, new Float32Array(384), 2),
  }));
  const work: Array<{ photoId: number; absPath: string; relPath: string }> = [];
  const t0 = Date.UTC(2015, 0, 1);
  const CHUNK = 5000;
  let burstHash = 0n;
  let previousHash = 0n;
  let burstImage: Float32Array = new Float32Array(512);
  let previousImage: Float32Array = new Float32Array(512);
  for (let start = 0; start < photos; start += CHUNK) {
    catalog.transaction(() => {
      const image: Array<{ photoId: number; kind: 'image'; model: string; vector: Float32Array }> = [];
      const caption: Array<{ photoId: number; kind: 'caption'; model: string; vector: Float32Array }> = [];
      const proposals: KeywordProposal[] = [];
      for (let i = start; i < Math.min(photos, start + CHUNK); i++) {
        const sha1 = i.toString(16).padStart(40, '0');
        const folder =
          i % 97 === 0 ? 'private' : `${2015 + (i % 10)}/${String(1 + (i % 12)).padStart(2, '0')}`;
        const relPath = `${folder}/IMG_${i}.jpg`;
        const absPath = path.join(root, relPath);
        const photoId = catalog.photos.upsertPhoto({ sha1, size: 1000 + i, format: 'jpeg', isRaw: false });
        catalog.photos.upsertPath(photoId, { absPath, root, relPath, size: 1000 + i, mtimeMs: 1 });
        // Every 50th photo has a second copy at another path (an exact duplicate).
        if (i % 50 === 0)
          catalog.photos.upsertPath(photoId, {
            absPath: path.join(root, 'copies', relPath),
            root,
            relPath: `copies/${relPath}`,
            size: 1000 + i,
            mtimeMs: 1,
          });
        const s = SUBJECTS[i % SUBJECTS.length];
        const text = `A ${s} ${SETTINGS[(i >> 3) % SETTINGS.length]}, ${ACTIVITIES[(i >> 5) % ACTIVITIES.length]}.`;
        catalog.results.upsert({
          photoId,
          stage: 'caption',
          key: { backend: 'mock', model: 'mock-v1', promptHash: 'bench' },
          status: 'success',
          output: text,
          runId,
        });
        // Bursts: runs of 1–4 photos a second apart; otherwise hours apart.
        const taken = new Date(t0 + Math.floor(i / 4) * 3_600_000 + (i % 4) * 1000)
          .toISOString()
          .slice(0, 19);
        // A burst shares a base picture: its dHash with 3 bits flipped per photo (pairs within 6);
        // every 40th photo is a re-save of the one before (1 bit, a nearly equal vector).
        if (i % 4 === 0) {
          burstHash =
            (BigInt(Math.floor(rng.next() * 2 ** 32)) << 32n) | BigInt(Math.floor(rng.next() * 2 ** 32));
          burstImage = unitVector(rng, themes[i % themes.length].image, 0.5);
        }
        const resave = i % 40 === 1;
        let hash = resave ? previousHash ^ 1n : burstHash;
        if (!resave) for (let b = 0; b < 3; b++) hash ^= 1n << BigInt(Math.floor(rng.next() * 64));
        previousHash = hash;
        catalog.metadata.upsert({
          photoId,
          make: MAKES[i % MAKES.length].split(' ')[0],
          model: MAKES[i % MAKES.length].split(' ').slice(1).join(' '),
          dateOriginal: taken,
          hasGps: i % 3 === 0,
          keywords: [],
          hierarchical: [],
          phash: hash.toString(16).padStart(16, '0'),
        });
        catalog.metadata.setResolvedDate(photoId, taken, 1, 'exif');
        const theme = themes[i % themes.length];
        // Burst members look alike (cosine about 0.9); a re-save is nearly the same vector.
        const vector = resave ? unitVector(rng, previousImage, 0.005) : unitVector(rng, burstImage, 0.25);
        previousImage = vector;
        image.push({ photoId, kind: 'image', model: imageModel, vector });
        caption.push({
          photoId,
          kind: 'caption',
          model: textModel,
          vector: unitVector(rng, theme.caption, 0.5),
        });
        for (let k = 0; k < 3; k++)
          proposals.push({
            photoId,
            layer: k === 0 ? 'CK' : 'AI',
            term: k === 0 ? s : SUBJECTS[(i * (k + 3)) % SUBJECTS.length],
            source: k === 0 ? 'vocabulary:clip' : 'caption',
            sourceKind: k === 0 ? 'vocabulary' : 'caption',
            score: 0.5,
            runId,
            state: k === 0 ? 'approved' : 'proposed',
          });
        work.push({ photoId, absPath, relPath });
      }
      catalog.embeddings.upsertMany(image, runId);
      catalog.embeddings.upsertMany(caption, runId);
      catalog.keywords.propose(proposals);
    });
  }
  catalog.runs.setWorkList(runId, work);
  console.log(`  built in ${((performance.now() - built) / 1000).toFixed(1)} s`);

  const pcc = readConfig({ ...process.env, PCC_DATA_DIR: dataDir });
  const search = new PhotoSearch(catalog, pcc, modelQueryEmbedder(pcc, 'fp32', modelsDir));
  console.log(
    `  vector scan: ${VectorIndex.simd ? 'usearch exactSearch (SIMD)' : 'JavaScript (usearch not available)'}`,
  );
  const first0 = performance.now();
  const first = await search.search(parseSearchQuery(QUERIES[0], {}, 'cli'));
  const firstMs = performance.now() - first0;
  console.log(
    `  first query ${firstMs.toFixed(0)} ms (loads the vectors); legs: ${first.legs
      .map((l) => `${l.leg}${l.used ? '' : ` off (${l.note})`}`)
      .join(', ')}`,
  );
  const filters: Array<Record<string, string>> = [
    {},
    {},
    { from: '2019', to: '2021' },
    { camera: 'fuji' },
    { folder: '2018/**' },
  ];
  // Warm the caches the first query of each kind builds (facts for filters, keywords).
  for (const f of [...filters, { 'has-gps': 'true', camera: 'canon' }])
    await search.search(parseSearchQuery(QUERIES[1], f, 'cli'));
  const times: number[] = [];
  const phases: Record<string, number> = {};
  const slow: Array<{ ms: number; what: string; timings: Record<string, number> }> = [];
  for (let i = 0; i < queries; i++) {
    const text = i % 10 === 9 ? '' : QUERIES[i % QUERIES.length];
    const f = i % 10 === 9 ? { 'has-gps': 'true', camera: 'canon' } : filters[i % filters.length];
    const s = performance.now();
    const page = await search.search(parseSearchQuery(text, f, 'cli'));
    times.push(performance.now() - s);
    slow.push({ ms: performance.now() - s, what: `"${text}" ${JSON.stringify(f)}`, timings: page.timings });
    for (const [k, v] of Object.entries(page.timings)) phases[k] = (phases[k] ?? 0) + v / queries;
  }
  slow.sort((a, b) => b.ms - a.ms);
  for (const q of slow.slice(0, 5))
    console.log(`  slow: ${q.ms.toFixed(0)} ms ${q.what} ${JSON.stringify(q.timings)}`);
  console.log(
    `  mean per phase: ${Object.entries(phases)
      .map(([k, v]) => `${k.replace(/Ms$/, '')} ${v.toFixed(1)}`)
      .join(', ')} ms`,
  );
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50);
  const p95 = percentile(times, 95);
  console.log(`  ${queries} queries: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);

  // One leg's brute-force scan on its own (the part an ANN index would replace).
  const index = VectorIndex.build(imageModel, catalog.embeddings.iterate('image', imageModel), photos);
  const q = unitVector(rng, themes[7].image, 0.5);
  const scans: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    index.top(q, 2000, undefined, 0.18);
    scans.push(performance.now() - s);
  }
  scans.sort((a, b) => a - b);
  const scanMs = percentile(scans, 50);
  console.log(`  brute-force scan of ${index.size} × ${index.dim}: ${scanMs.toFixed(1)} ms`);

  const d0 = performance.now();
  const dupes = findDuplicates(catalog, { checkFiles: false }); // the synthetic paths have no files
  const dupSeconds = (performance.now() - d0) / 1000;
  const counts = { exact: 0, identical: 0, burst: 0 } as Record<string, number>;
  for (const g of dupes.groups) counts[g.kind] = (counts[g.kind] ?? 0) + 1;
  console.log(
    `  duplicates: ${dupSeconds.toFixed(1)} s (${counts.exact} exact, ${counts.identical} identical, ${counts.burst} burst groups)`,
  );
  catalog.close();
  if (!values.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  console.log(
    `RESULT search photos=${photos} p50_ms=${p50.toFixed(1)} p95_ms=${p95.toFixed(1)} first_ms=${firstMs.toFixed(0)} ` +
      `scan_ms=${scanMs.toFixed(1)} duplicates_s=${dupSeconds.toFixed(1)} exact=${counts.exact} ` +
      `identical=${counts.identical} burst=${counts.burst} target_p95_ms=100 target_duplicates_s=60`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
