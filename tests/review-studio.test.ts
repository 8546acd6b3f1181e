/**
 * The review studio end to end: a clustered sample library, a real `pcc server`, Debian's Chromium.
 * Open the clusters, approve a chip for a cluster, write, read the sidecars back with ExifTool,
 * undo, reload (state persisted), a private cluster blurred, a phone-sized screen. Screenshots of
 * every page land in test-artifacts/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import type { BrowserContext, Page } from 'playwright-core';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { SHARED, catalogOf, jpegLibrary, tempDir, waitFor } from './helpers/fixtures';
import {
  freePort,
  killHard,
  runPcc,
  startPcc,
  startTestServer,
  testEnv,
  type Proc,
} from './helpers/processes';
import { launchBrowser, screenshot } from './helpers/browser';
import Database from 'better-sqlite3';
import { CATALOG_FILE } from '../src/catalog/database';

interface Card {
  id: number;
  size: number;
  private: boolean;
  chips: Array<{ term: string; approved: number }>;
}

describe('review studio in Chromium', () => {
  let server: TemporalEndpoint;
  let api: Proc;
  let base: string;
  let browser: BrowserContext;
  let page: Page;
  let dataDir: string;
  let studioEnv: NodeJS.ProcessEnv;
  const et = new ExifTool({ taskTimeoutMillis: 20_000 });
  const lib = jpegLibrary('pcc-studio-lib-');

  beforeAll(async () => {
    const concepts = path.join(tempDir('pcc-studio-files-'), 'concepts.txt');
    fs.writeFileSync(concepts, 'overcast\nreflection\n');
    server = await startTestServer();
    const { env, dataDir: data } = testEnv({
      TEMPORAL_ADDRESS: server.address,
      PCC_MODELS_DIR: path.join(SHARED, 'models'),
    });
    dataDir = data;
    studioEnv = env;
    await runPcc(
      [
        'run',
        lib,
        '--cluster',
        '--cluster-mode',
        'cosine-threshold',
        '--cluster-threshold',
        '0.95',
        '--concept-bank',
        concepts,
        '--ai-min-score',
        '-1',
        '--max-ai-tags',
        '50',
        '--local-only',
        'orientation/Portrait_*',
      ],
      env,
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startPcc(['server', '--port', String(port), '--queues', 'io,cpu'], env);
    await waitFor('the API to listen', () => api.output().includes('OpenAPI at /docs'), 60_000);
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await et.end();
    if (api) killHard(api);
    await server?.stop();
  });

  const json = async <T>(url: string): Promise<T> => (await (await fetch(`${base}/${url}`)).json()) as T;

  it('approve a chip for a cluster, write, read back; undo; reload keeps state; private stays blurred', async () => {
    const studio = await json<{ runs: Array<{ id: string; clusters: number | null }> }>('studio');
    const runId = studio.runs.find((r) => r.clusters)!.id;
    const { clusters } = await json<{ clusters: Card[] }>(`runs/${runId}/review/clusters`);
    const open = clusters.find((c) => c.id >= 0 && !c.private && c.size >= 2)!;
    const closed = clusters.find((c) => c.private)!;
    expect(open).toBeDefined();
    expect(closed).toBeDefined();

    // The clusters grid.
    await page.goto(`${base}/`);
    await page.waitForSelector(`.card[data-cluster="${open.id}"] img`);
    expect(await page.locator('.card[data-cluster]').count()).toBe(clusters.length);
    await screenshot(page, 'clusters');

    // A cluster: select the "overcast" chip, approve it for the whole cluster.
    await page.click(`.card[data-cluster="${open.id}"]`);
    await page.waitForSelector('.member');
    expect(await page.locator('.member').count()).toBe(open.size);
    await page.click('.chip-panel button.chip[data-term="overcast"]');
    await page.click('button.approve');
    await page.waitForSelector('.toast');
    expect(await page.textContent('.toast')).toMatch(new RegExp(`Approved overcast for cluster ${open.id}`));
    await page.waitForSelector('.chip-panel button.chip.approved[data-term="overcast"]');
    await screenshot(page, 'cluster');

    // Reload: the decision is in the catalog, not in the page.
    await page.reload();
    await page.waitForSelector('.chip-panel button.chip.approved[data-term="overcast"]');

    // A photo page.
    await page.click('.member a.path');
    await page.waitForSelector('.photo-page table.provenance');
    expect(await page.textContent('.photo-page')).toMatch(/AI\|overcast\s*approved \(person\)/);
    await screenshot(page, 'photo');

    // Write: the preview lists the cluster's sidecars, the workflow writes them.
    await page.goto(`${base}/#/write?run=${runId}`);
    await page.waitForSelector('table.diff');
    expect(await page.locator('table.diff tr:has-text("+AI|overcast")').count()).toBe(open.size);
    await page.click('button.approve');
    await page.waitForSelector('.write-progress:has-text("Done")', { timeout: 60_000 });
    await screenshot(page, 'write');
    const members = (
      await json<{ members: Array<{ relPath: string }> }>(`runs/${runId}/review/clusters/${open.id}`)
    ).members;
    for (const m of members) {
      const tags = (await et.read(path.join(lib, m.relPath.replace(/\.jpg$/, '.xmp')))) as Record<
        string,
        unknown
      >;
      expect([tags.Subject].flat()).toContain('overcast');
      expect([tags.HierarchicalSubject].flat()).toContain('AI|overcast');
      expect([tags.TagsList].flat()).toContain('AI/overcast');
    }
    const others = clusters.filter((c) => c.id !== open.id);
    for (const c of others) {
      const ms = (
        await json<{ members: Array<{ relPath: string }> }>(`runs/${runId}/review/clusters/${c.id}`)
      ).members;
      for (const m of ms) {
        const file = path.join(lib, m.relPath.replace(/\.jpg$/, '.xmp'));
        if (fs.existsSync(file)) expect(JSON.stringify(await et.read(file))).not.toContain('overcast');
      }
    }

    // Undo from the decision log; reload: the chip is proposed again.
    await page.goto(`${base}/#/log?run=${runId}`);
    await page.waitForSelector('.log-page tr');
    await screenshot(page, 'decisions');
    await page.click('.log-page tr:has-text("approve AI|overcast") button');
    await page.waitForSelector('.log-page tr.undone');
    await page.goto(`${base}/#/clusters/${open.id}?run=${runId}`);
    await page.reload();
    await page.waitForSelector('.chip-panel button.chip[data-term="overcast"]');
    expect(await page.getAttribute('.chip-panel button.chip[data-term="overcast"]', 'class')).not.toContain(
      'approved',
    );
    // Undo by keyboard: approve with "a", take it back with "u".
    await page.click('.chip-panel button.chip[data-term="reflection"]');
    await page.keyboard.press('a');
    await page.waitForSelector('.chip-panel button.chip.approved[data-term="reflection"]');
    await page.keyboard.press('u');
    await page.waitForSelector('.toast:has-text("Undone")');
    await page.waitForSelector('.chip-panel button.chip[data-term="reflection"]:not(.approved)');

    // A private cluster: its local-only photos are blurred until clicked.
    await page.goto(`${base}/#/clusters/${closed.id}?run=${runId}`);
    await page.waitForSelector('.member');
    expect(await page.locator('.member .thumb.blurred').count()).toBeGreaterThan(0);
    expect(await page.textContent('.cluster-head')).toMatch(/private: never sent to a cloud model/);
    await screenshot(page, 'private-cluster');

    // Runs page and a phone-sized screen.
    await page.goto(`${base}/#/runs`);
    await page.waitForSelector('table.runs tr');
    await screenshot(page, 'runs');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/#/clusters?run=${runId}`);
    await page.waitForSelector('.card[data-cluster]');
    // No sideways scrolling on a phone.
    const wider = await page.evaluate(
      `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.tagName + '.' + e.className + (e.getAttribute('aria-label') ?? '') + ' ' + Math.round(e.getBoundingClientRect().left) + '-' + Math.round(e.getBoundingClientRect().right))`,
    );
    expect(wider).toEqual([]);
    await screenshot(page, 'clusters-phone');
  });

  it('search: caption words, keywords and filters on the sample library, in the API and the page', async () => {
    interface Hit {
      photoId: number;
      score: number;
      why: string[];
      relPath: string;
      private: boolean;
    }
    const search = async (q: Record<string, string>) => {
      const res = await fetch(`${base}/search?${new URLSearchParams({ limit: '500', ...q })}`);
      return {
        status: res.status,
        body: (await res.json()) as { total: number; results: Hit[]; message?: string },
      };
    };
    const facts = catalogOf(dataDir, (c) => {
      const photos = c.runs.workList(c.runs.latestRun()!.id);
      const captions = photos.map((p) => ({
        photoId: p.photoId,
        relPath: p.relPath,
        text: c.search.cards([p.photoId]).get(p.photoId)!.caption ?? '',
        meta: c.metadata.get(p.photoId),
      }));
      const ck = c.keywords.find({}).filter((k) => k.state !== 'rejected')[0];
      return { photos, captions, ck };
    });
    // A caption word some photos have and others do not: every photo with it is found, and says so.
    const words = facts.captions.flatMap((c) => c.text.toLowerCase().match(/[a-z]{5,}/g) ?? []);
    const word = words.find((w) => {
      const n = facts.captions.filter((c) => c.text.toLowerCase().includes(w)).length;
      return n >= 2 && n < facts.captions.length / 2;
    })!;
    expect(word).toBeDefined();
    const byWord = await search({ q: word, 'min-score': '0' });
    expect(byWord.status).toBe(200);
    const withWord = facts.captions.filter((c) => new RegExp(`\\b${word}\\b`, 'i').test(c.text));
    for (const c of withWord) {
      const hit = byWord.body.results.find((r) => r.photoId === c.photoId);
      expect(hit?.why).toContain(`caption has "${word}"`);
    }
    // Keyword leg: a keyword that is not rejected (the concept bank's, EXIF gear) finds its photo.
    const ck = await search({ q: facts.ck.term, 'min-score': '0' });
    expect(ck.body.results.find((r) => r.photoId === facts.ck.photoId)?.why).toContain(
      `keyword ${facts.ck.layer}|${facts.ck.term} (${facts.ck.state})`,
    );
    // Filters alone: folder glob, camera, GPS, private — exactly the photos the catalog says.
    const ids = async (q: Record<string, string>) =>
      (await search(q)).body.results.map((r) => r.photoId).sort((a, b) => a - b);
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    expect(await ids({ folder: 'orientation/**' })).toEqual(
      sorted(facts.photos.filter((p) => p.relPath.startsWith('orientation/')).map((p) => p.photoId)),
    );
    const make = facts.captions.find((c) => c.meta?.make)!.meta!.make!;
    expect(await ids({ camera: make })).toEqual(
      sorted(
        facts.captions
          .filter((c) => `${c.meta?.make} ${c.meta?.model}`.toLowerCase().includes(make.toLowerCase()))
          .map((c) => c.photoId),
      ),
    );
    expect(await ids({ 'has-gps': 'true' })).toEqual(
      sorted(facts.captions.filter((c) => c.meta?.hasGps).map((c) => c.photoId)),
    );
    const privateIds = sorted(
      facts.photos.filter((p) => /^orientation\/Portrait_/.test(p.relPath)).map((p) => p.photoId),
    );
    expect(await ids({ private: 'only' })).toEqual(privateIds);
    const priv = await search({ private: 'only' });
    expect(priv.body.results.every((r) => r.private)).toBe(true);
    // A bad parameter is a 400 that says what is wrong.
    const bad = await search({ from: 'last year' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/from must be YYYY/);

    // The page: words in the box, Enter, results with a score and why; the URL keeps the query.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${base}/#/search`);
    await page.fill('input[aria-label="search words"]', word);
    await page.press('input[aria-label="search words"]', 'Enter');
    await page.waitForSelector('.search-hit');
    expect(page.url()).toContain(`q=${word}`);
    const first = page.locator('.search-hit').first();
    expect(await first.locator('.score').innerText()).toMatch(/^\d\.\d\d$/);
    expect(await page.locator('.search-hit .why').first().innerText()).toMatch(/caption|keyword|meaning/);
    await screenshot(page, 'search');
    await page.reload();
    await page.waitForSelector('.search-hit');
    expect(await page.inputValue('input[aria-label="search words"]')).toBe(word);
    await page.goto(`${base}/#/search?folder=${encodeURIComponent('orientation/Portrait_*')}`);
    await page.waitForSelector('.search-hit .thumb.blurred');
    expect(await page.locator('.search-hit').count()).toBe(privateIds.length);
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'search-phone');
  });

  it('queue: five photos sorted by keyboard, an auto-move, undo twice, reload; the log replays on a copy', async () => {
    interface Queue {
      total: number;
      items: Array<{
        photoId: number;
        caption: string | null;
        suggestions: Array<{ cluster: number; score: number }>;
      }>;
      stats: { queued: number; manual: number; auto: number };
      clusters: Array<{ id: number; size: number }>;
    }
    const studio = await json<{ runs: Array<{ id: string; clusters: number | null }> }>('studio');
    const runId = studio.runs.find((r) => r.clusters)!.id;
    // A fresh catalog with the same photos and clustering: a consistent copy taken now.
    const copyDir = tempDir('pcc-studio-replay-');
    const db = new Database(path.join(dataDir, CATALOG_FILE), { readonly: true });
    await db.backup(path.join(copyDir, CATALOG_FILE));
    db.close();
    // The unclustered photos when there are enough, else the largest cluster's.
    const noise = await json<Queue>(`runs/${runId}/queue?limit=500`);
    const largest = [...noise.clusters].sort((a, b) => b.size - a.size)[0];
    const source = noise.total >= 8 ? 'noise' : `cluster:${largest.id}`;
    const queueOf = () => json<Queue>(`runs/${runId}/queue?limit=500&source=${encodeURIComponent(source)}`);
    const start = await queueOf();
    expect(start.total).toBeGreaterThanOrEqual(8);
    expect(start.items[0].suggestions.length).toBeGreaterThan(0);

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${base}/#/queue?run=${runId}&source=${encodeURIComponent(source)}`);
    await page.waitForSelector('.queue-photo');
    const stats = () => page.locator('.queue-stats').innerText();
    for (let i = 0; i < 5; i++) {
      const shown = await page.getAttribute('.queue-photo', 'data-photo');
      await page.keyboard.press('1');
      await page.waitForFunction(
        `document.querySelector('.queue-photo')?.getAttribute('data-photo') !== ${JSON.stringify(shown)}`,
      );
    }
    await waitFor('5 by hand', async () => (await stats()).includes('5 by hand'), 10_000);
    expect((await queueOf()).stats).toMatchObject({ manual: 5, auto: 0, queued: start.total - 5 });
    await screenshot(page, 'queue');

    // Auto-move at a threshold the best queued photo reaches.
    const now = await queueOf();
    const best = Math.max(...now.items.map((i) => i.suggestions[0]?.score ?? -1));
    await page.fill('input[aria-label="auto-move threshold"]', (Math.floor(best * 100) / 100).toFixed(2));
    await page.click('button:has-text("Auto-move")');
    await waitFor('the auto-move', async () => !(await stats()).includes(' 0 auto'), 10_000);
    const moved = (await queueOf()).stats.auto;
    expect(moved).toBeGreaterThan(0);

    // Undo twice: the whole auto-move, then the fifth photo sorted by hand.
    await page.keyboard.press('u');
    await waitFor('the auto-move undone', async () => (await stats()).includes(' 0 auto'), 10_000);
    await page.waitForSelector('.queue-photo');
    await page.keyboard.press('u');
    await waitFor('one assignment undone', async () => (await stats()).includes('4 by hand'), 10_000);
    await page.reload();
    await page.waitForSelector('.queue-photo');
    await waitFor(
      'the counts after a reload',
      async () => (await stats()).includes('4 by hand · 0 auto'),
      10_000,
    );
    expect((await queueOf()).stats).toMatchObject({ manual: 4, auto: 0, queued: start.total - 4 });

    // A search as the queue: the photos the search finds, in this run.
    const found = await json<{ results: Array<{ photoId: number }> }>(
      `search?q=${encodeURIComponent(start.items[0].caption ?? 'photo')}&run=${runId}&limit=500`,
    );
    const searched = await json<Queue>(
      `runs/${runId}/queue?limit=500&source=${encodeURIComponent(`search:${start.items[0].caption ?? 'photo'}`)}`,
    );
    expect(searched.total).toBeGreaterThan(0);
    const foundIds = new Set(found.results.map((r) => r.photoId));
    for (const item of searched.items) expect(foundIds.has(item.photoId)).toBe(true);

    // The action log, replayed on the copy, gives the same assignments.
    const log = await (await fetch(`${base}/runs/${runId}/queue/log`)).text();
    expect(log.trim().split('\n').length).toBe(5 + 1 + 2); // five moves, an auto-move, two undos
    const file = path.join(copyDir, 'actions.jsonl');
    fs.writeFileSync(file, log);
    const out = await runPcc(['clusters', 'replay', file, '--run', runId], {
      ...studioEnv,
      PCC_DATA_DIR: copyDir,
    });
    expect(out).toMatch(/replayed 8 actions/);
    const members = (dir: string) =>
      catalogOf(dir, (c) =>
        [...c.clusters.members(runId).values()].map((m) => [m.photoId, m.cluster]).sort(),
      );
    expect(members(copyDir)).toEqual(members(dataDir));
  });

  it('duplicates: the orientation pictures are identical groups; keep and discard marks, AI|duplicate, private blurred', async () => {
    interface Member {
      photoId: number;
      paths: Array<{ relPath: string }>;
      private: boolean;
      mark?: { state: string; client: string };
    }
    interface Group {
      id: string;
      kind: string;
      reason: string;
      members: Member[];
      suggestedKeeper: { photoId: number };
    }
    const report = () => json<{ counts: Record<string, number>; groups: Group[] }>('duplicates');
    const relPaths = (g: Group) => g.members.flatMap((m) => m.paths.map((p) => p.relPath));
    const before = await report();
    // The same picture in every EXIF orientation is one identical group per picture; the camera
    // photos are all different pictures, so none of them is in any group.
    const identical = before.groups.filter((g) => g.kind === 'identical');
    const landscape = identical.find((g) =>
      relPaths(g).every((p) => /^orientation\/Landscape_\d\.jpg$/.test(p)),
    )!;
    const portrait = identical.find((g) =>
      relPaths(g).every((p) => /^orientation\/Portrait_\d\.jpg$/.test(p)),
    )!;
    expect(relPaths(landscape)).toEqual(
      expect.arrayContaining(['orientation/Landscape_1.jpg', 'orientation/Landscape_8.jpg']),
    );
    expect(relPaths(portrait)).toEqual(
      expect.arrayContaining(['orientation/Portrait_1.jpg', 'orientation/Portrait_8.jpg']),
    );
    for (const g of before.groups) {
      const folders = new Set(relPaths(g).map((p) => p.replace(/_\d\.jpg$/, '')));
      expect([g.id, [...folders]]).toEqual([
        g.id,
        [expect.stringMatching(/^orientation\/(Landscape|Portrait)$/)],
      ]);
    }
    expect(before.groups.flatMap(relPaths).filter((p) => p.startsWith('cameras/'))).toEqual([]);
    // Private: the local-only portraits, and only they.
    for (const g of before.groups)
      for (const m of g.members)
        expect([m.paths[0].relPath, m.private]).toEqual([m.paths[0].relPath, g === portrait]);
    expect(before.groups.flatMap((g) => g.members).filter((m) => m.mark)).toEqual([]);

    // The page at desktop size: both groups, the kind and the reason, the suggested keeper, the
    // promise that nothing is deleted; the private portraits blurred.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${base}/#/duplicates`);
    await page.waitForSelector(`.dup-group[data-group="${landscape.id}"] .dup-member img`);
    expect(await page.locator('.dup-group').count()).toBe(before.groups.length);
    const group = (g: Group) => page.locator(`.dup-group[data-group="${g.id}"]`);
    const card = (id: number) => page.locator(`.dup-member[data-photo="${id}"]`);
    expect(await group(landscape).locator('.dup-kind').innerText()).toMatch(/identical/i);
    expect(await group(landscape).innerText()).toContain(landscape.reason);
    // The suggested keeper comes first in its group, so it is never out of sight.
    expect(await group(landscape).locator('.dup-member').first().getAttribute('data-photo')).toBe(
      String(landscape.suggestedKeeper.photoId),
    );
    expect(await card(landscape.suggestedKeeper.photoId).innerText()).toMatch(/suggested keeper/i);
    expect(await page.locator('.dup-safety').innerText()).toMatch(
      /Nothing here deletes, moves or renames a file/,
    );
    expect(await group(portrait).locator('.thumb.blurred').count()).toBe(portrait.members.length);
    expect(await group(landscape).locator('.thumb.blurred').count()).toBe(0);
    await screenshot(page, 'duplicates');
    await group(portrait).scrollIntoViewIfNeeded();
    await screenshot(page, 'duplicates-private');

    // Discard one, keep another, with the keyword box ticked: marks and AI|duplicate in the catalog.
    const keep = landscape.suggestedKeeper.photoId;
    const discard = landscape.members.find((m) => m.photoId !== keep)!.photoId;
    await page.check('.dup-keyword input[type="checkbox"]');
    await card(discard)
      .locator('button', { hasText: /^Discard$/ })
      .click();
    await page.waitForSelector(`.dup-member.marked-discard[data-photo="${discard}"]`);
    expect(await page.textContent('.toast')).toMatch(
      /discarded 1 photo, AI\|duplicate added to 1.*No file was touched/,
    );
    await card(keep)
      .locator('button', { hasText: /^Keep$/ })
      .click();
    await page.waitForSelector(`.dup-member.marked-keep[data-photo="${keep}"]`);
    const markOf = async (id: number) =>
      (await report()).groups.flatMap((g) => g.members).find((m) => m.photoId === id)?.mark;
    expect(await markOf(discard)).toMatchObject({ state: 'discard', client: 'studio' });
    expect(await markOf(keep)).toMatchObject({ state: 'keep', client: 'studio' });
    const duplicateKeyword = () =>
      catalogOf(dataDir, (c) =>
        c.keywords
          .find({ layer: 'AI', term: 'duplicate' })
          .filter((k) => k.state === 'approved')
          .map((k) => k.photoId),
      );
    expect(duplicateKeyword()).toEqual([discard]);
    await screenshot(page, 'duplicates-marked');

    // Reload: the marks come from the catalog.
    await page.reload();
    await page.waitForSelector(`.dup-member.marked-discard[data-photo="${discard}"] .badge.mark-discard`);
    await page.waitForSelector(`.dup-member.marked-keep[data-photo="${keep}"] .badge.mark-keep`);

    // Clear the discard (its × on the picture), then the keep (click Keep again): no mark, no keyword.
    await card(discard).getByRole('button', { name: 'Clear' }).click();
    await page.waitForSelector(`.dup-member[data-photo="${discard}"]:not(.marked-discard)`);
    expect(await page.textContent('.toast')).toMatch(/AI\|duplicate taken back from 1/);
    await card(keep)
      .locator('button', { hasText: /^Keep$/ })
      .click();
    await page.waitForSelector(`.dup-member[data-photo="${keep}"]:not(.marked-keep)`);
    expect(await markOf(discard)).toBeUndefined();
    expect(await markOf(keep)).toBeUndefined();
    expect(duplicateKeyword()).toEqual([]);
  });

  it('the API refuses a foreign Host and cross-site writes, and documents the review endpoints', async () => {
    const doc = await json<{ paths: Record<string, unknown> }>('docs-json');
    for (const p of [
      '/runs/{id}/review/clusters',
      '/runs/{id}/decisions',
      '/decisions/{decisionId}/undo',
      '/runs/{id}/sidecars/write',
    ])
      expect(Object.keys(doc.paths)).toContain(p);
    const foreign = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(foreign.status).toBe(403);
  });
});
