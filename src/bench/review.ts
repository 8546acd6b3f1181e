/**
 * npm run bench:review -- --photos 100000 --clusters 10000
 *
 * The review studio at library scale: a synthetic catalog (photos, captions, a clustering, about
 * six keyword proposals per photo, a thumbnail per medoid), the real API in this process, then
 * p50/p95 of the cluster list, a cluster page and a photo page, the first request (which builds
 * the cached views), and the first paint of the clusters page in Chromium. Targets: p95 < 200 ms,
 * first paint < 1.5 s on 2 cores.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { chromium } from 'playwright-core';
import { Catalog } from '../catalog/catalog';
import type { KeywordProposal } from '../catalog/keywords.repository';
import { thumbnailPathFor } from '../images/loader';
import { startApi, studioDir } from '../api/server';
import type { RunClient } from '../temporal/run-client';
import type { RunConfig } from '../shared/payloads';

const WORDS = [
  'statue',
  'canal',
  'bridge',
  'boat',
  'church',
  'market',
  'dog',
  'beach',
  'sunset',
  'forest',
  'snow',
  'street',
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function time(n: number, fn: (i: number) => Promise<void>): Promise<{ p50: number; p95: number }> {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn(i);
    t.push(performance.now() - start);
  }
  t.sort((a, b) => a - b);
  return { p50: percentile(t, 50), p95: percentile(t, 95) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      photos: { type: 'string', default: '100000' },
      clusters: { type: 'string', default: '10000' },
      requests: { type: 'string', default: '100' },
      keep: { type: 'boolean', default: false },
    },
  });
  const photos = Number(values.photos);
  const clusterCount = Number(values.clusters);
  const requests = Number(values.requests);
  if (!studioDir()) throw new Error('build the studio first: npm run build');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-bench-review-'));
  const root = path.join(dataDir, 'library');
  console.log(`catalog with ${photos} photos in ${clusterCount} clusters …`);
  let start = Date.now();
  const catalog = Catalog.open(dataDir);
  const runId = 'bench-review';
  const config = {
    roots: [root],
    backend: 'mock',
    model: 'mock-v1',
    promptHash: 'bench',
    localOnly: ['private/**'],
    dryRun: false,
  } as unknown as RunConfig;
  catalog.runs.ensure(runId, 'bench-review', config);
  const work: Array<{ photoId: number; absPath: string; relPath: string }> = [];
  const sha1s: string[] = [];
  catalog.transaction(() => {
    for (let i = 0; i < photos; i++) {
      const sha1 = i.toString(16).padStart(40, '0');
      const folder = i % 97 === 0 ? 'private' : `${2000 + (i % 25)}/${String(1 + (i % 12)).padStart(2, '0')}`;
      const relPath = `${folder}/IMG_${i}.jpg`;
      const absPath = path.join(root, relPath);
      const photoId = catalog.photos.upsertPhoto({ sha1, size: 1000, format: 'jpeg', isRaw: false });
      catalog.photos.upsertPath(photoId, { absPath, root, relPath, size: 1000, mtimeMs: 1 });
      catalog.results.upsert({
        photoId,
        stage: 'caption',
        key: { backend: 'mock', model: 'mock-v1', promptHash: 'bench' },
        status: 'success',
        output: `A ${WORDS[i % WORDS.length]} by a ${WORDS[(i * 7) % WORDS.length]} in photo ${i}.`,
        runId,
      });
      work.push({ photoId, absPath, relPath });
      sha1s.push(sha1);
    }
  });
  catalog.runs.setWorkList(runId, work);
  const clusterOf = (i: number) => (i % 23 === 22 ? -1 : i % clusterCount);
  catalog.clusters.replace(
    runId,
    { params: { mode: 'bench' }, space: 'image', clusterCount, noise: Math.floor(photos / 23), folders: [] },
    work.map((w, i) => ({
      photoId: w.photoId,
      cluster: clusterOf(i),
      distance: clusterOf(i) < 0 ? null : (i % 13) / 13,
    })),
  );
  const proposals: KeywordProposal[] = [];
  work.forEach((w, i) => {
    const c = clusterOf(i);
    for (let k = 0; k < (c < 0 ? 0 : 3); k++)
      proposals.push({
        photoId: w.photoId,
        layer: 'AI',
        term: WORDS[(c + k) % WORDS.length],
        source: 'vision:openai/gpt-4.1-mini',
        sourceKind: 'vision',
        runId,
        fromCluster: c,
        state: 'proposed',
      });
    for (let k = 0; k < 3; k++)
      proposals.push({
        photoId: w.photoId,
        layer: k === 0 ? 'CK' : 'AI',
        term: WORDS[(i * (k + 3)) % WORDS.length],
        source: k === 0 ? 'vocabulary:clip' : 'caption',
        sourceKind: k === 0 ? 'vocabulary' : 'caption',
        score: ((i * 31 + k) % 100) / 300,
        runId,
        state: k === 0 ? 'approved' : 'proposed',
      });
  });
  catalog.keywords.propose(proposals);
  // One small JPEG as every medoid's thumbnail (hard links: the grid shows real images).
  const jpeg = await sharp({ create: { width: 512, height: 384, channels: 3, background: '#7a8fa6' } })
    .jpeg({ quality: 70 })
    .toBuffer();
  const master = path.join(dataDir, 'thumb.jpg');
  fs.writeFileSync(master, jpeg);
  for (let c = 0; c < clusterCount && c < photos; c++) {
    const file = thumbnailPathFor(dataDir, sha1s[c]);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (!fs.existsSync(file)) fs.linkSync(master, file);
  }
  catalog.close();
  console.log(`  built in ${((Date.now() - start) / 1000).toFixed(1)} s (${proposals.length} keyword rows)`);

  // The real API in this process; runs and writes are not exercised (no Temporal here).
  const app = await startApi({} as RunClient, { host: '127.0.0.1', port: 0, dataDir, roots: [root] });
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const get = async (url: string) => {
    const res = await fetch(`${base}/${url}`);
    if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  start = performance.now();
  await get(`runs/${runId}/review/clusters?limit=200`);
  const coldMs = performance.now() - start;
  console.log(`  first cluster list (builds the cached views): ${coldMs.toFixed(0)} ms`);
  const sorts = ['size', 'proposed', 'label', 'date'];
  const list = await time(requests, (i) =>
    get(
      `runs/${runId}/review/clusters?limit=200&offset=${(i * 997) % Math.max(1, clusterCount - 200)}&sort=${sorts[i % 4]}`,
    ),
  );
  const filtered = await time(Math.ceil(requests / 2), (i) =>
    get(`runs/${runId}/review/clusters?limit=200&source=vision&state=proposed&q=${WORDS[i % WORDS.length]}`),
  );
  const cluster = await time(requests, (i) =>
    get(`runs/${runId}/review/clusters/${(i * 7919) % clusterCount}`),
  );
  const photo = await time(requests, (i) => get(`photos/${1 + ((i * 104729) % photos)}?run=${runId}`));
  // A person approving chips: each decision, then the grid again (only touched clusters refresh).
  const decide = await time(Math.ceil(requests / 4), async (i) => {
    const res = await fetch(`${base}/runs/${runId}/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        action: 'approve',
        layer: 'AI',
        term: WORDS[i % WORDS.length],
        cluster: (i * 31) % clusterCount,
      }),
    });
    if (!res.ok) throw new Error(`decision: ${res.status} ${await res.text()}`);
    await get(`runs/${runId}/review/clusters?limit=200`);
  });
  for (const [name, r] of Object.entries({ list, filtered, cluster, photo, decide }))
    console.log(`  ${name.padEnd(8)} p50 ${r.p50.toFixed(1)} ms · p95 ${r.p95.toFixed(1)} ms`);

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-bench-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.PCC_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1280, height: 800 },
  });
  const page = await browser.newPage();
  const t0 = Date.now();
  await page.goto(`${base}/#/clusters?run=${runId}`);
  await page.waitForSelector('.card[data-cluster] img');
  const cardsMs = Date.now() - t0;
  const fcp = (await page.evaluate(
    "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1",
  )) as number;
  // Scrolling deep into the grid: pages load as they come into view.
  const s0 = Date.now();
  await page.evaluate("document.querySelector('.grid-scroll').scrollTop = 300000");
  await page.waitForFunction(
    "document.querySelectorAll('.card[data-cluster]').length > 0 && !document.querySelector('.grid-row .card.placeholder')",
  );
  const scrollMs = Date.now() - s0;
  await browser.close();
  await app.close();
  if (values.keep) console.log(`catalog kept in ${dataDir}`);
  else fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(profile, { recursive: true, force: true });
  console.log(
    `  first contentful paint ${fcp.toFixed(0)} ms · first cards with images ${cardsMs} ms · deep scroll filled in ${scrollMs} ms`,
  );
  console.log(
    `RESULT review photos=${photos} clusters=${clusterCount} list_p95_ms=${list.p95.toFixed(1)} filtered_p95_ms=${filtered.p95.toFixed(1)} ` +
      `cluster_p95_ms=${cluster.p95.toFixed(1)} photo_p95_ms=${photo.p95.toFixed(1)} decide_then_list_p95_ms=${decide.p95.toFixed(1)} cold_views_ms=${coldMs.toFixed(0)} ` +
      `first_paint_ms=${fcp.toFixed(0)} cards_ms=${cardsMs} deep_scroll_ms=${scrollMs}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
