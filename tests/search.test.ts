/**
 * Search: the pieces (vector scan, fusion, query parsing, FTS5 safety) and quality with the real
 * all-MiniLM-L6-v2 (../shared/models-real) on captions a person wrote, queried with paraphrases
 * that share no content word with the caption they should find.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Catalog } from '../src/catalog/catalog';
import { readConfig } from '../src/config';
import { embedSentences } from '../src/models/embedder';
import { calibrate, fuse } from '../src/search/fuse';
import { parseSearchQuery, SearchQueryError } from '../src/search/search-query';
import { VectorIndex } from '../src/search/vector-index';
import { modelQueryEmbedder, PhotoSearch, queryWords, type QueryEmbedder } from '../src/services/search';
import { Rng } from '../src/clustering/random';
import { SHARED, tempDir } from './helpers/fixtures';

const REAL_MODELS = path.join(SHARED, 'models-real');
const MINILM = 'Xenova/all-MiniLM-L6-v2';
const FIXTURE = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'search', 'captions.json'), 'utf8'),
) as { captions: string[]; queries: Array<{ query: string; expect: number }> };
const KEY = { backend: 'human', model: 'written', promptHash: 'p' };

function unit(v: number[]): Float32Array {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
}

describe('vector index', () => {
  it('ranks like a float32 full sort (int8 within ±0.01), within a subset and above a floor', () => {
    const rng = new Rng(7);
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      photoId: i + 10,
      vector: unit(Array.from({ length: 37 }, () => rng.next() - 0.5)),
    }));
    const index = VectorIndex.build('m', rows);
    const q = unit(Array.from({ length: 37 }, () => rng.next() - 0.5));
    const dot = (v: Float32Array) => v.reduce((a, x, k) => a + x * q[k], 0);
    const exact = (allowed: (i: number) => boolean, floor: number, k: number) =>
      rows
        .map((r, row) => ({ row, score: dot(r.vector) }))
        .filter((r) => allowed(r.row) && r.score >= floor)
        .sort((a, b) => b.score - a.score)
        .slice(0, k);
    const check = (
      got: Array<{ row: number; score: number }>,
      want: Array<{ row: number; score: number }>,
    ) => {
      // Same rows, up to near-ties that int8 may swap at the edge; every score within 0.01.
      const wanted = new Set(want.map((w) => w.row));
      expect(got.filter((g) => wanted.has(g.row)).length).toBeGreaterThanOrEqual(want.length - 1);
      for (const g of got) expect(Math.abs(g.score - dot(rows[g.row].vector))).toBeLessThan(0.01);
      for (let i = 1; i < got.length; i++) expect(got[i].score).toBeLessThanOrEqual(got[i - 1].score);
    };
    check(
      index.top(q, 25),
      exact(() => true, -Infinity, 25),
    );
    // A small subset goes through the JavaScript scan, a large one through the native scan.
    const third = index.rowsOf(new Set(rows.filter((_, i) => i % 3 === 0).map((r) => r.photoId)));
    const small = index.top(q, 10, third, 0.1);
    for (const m of small) expect(m.row % 3).toBe(0);
    check(
      small,
      exact((i) => i % 3 === 0, 0.1, 10),
    );
    const most = index.rowsOf(new Set(rows.filter((_, i) => i % 5 !== 0).map((r) => r.photoId)));
    check(
      index.top(q, 40, most),
      exact((i) => i % 5 !== 0, -Infinity, 40),
    );
    expect(index.top(q, 40, most).map((m) => m.row)).toEqual(
      index.scan(index.query(q), 40, most).map((m) => m.row),
    );
    // Fewer than asked above the floor: all of them.
    const high = index.top(q, 3000, undefined, 0.3);
    expect(Math.abs(high.length - exact(() => true, 0.3, 3000).length)).toBeLessThanOrEqual(2); // at the floor, ±0.01
    expect(VectorIndex.simd).toBe(true);
  });
});

describe('fusion', () => {
  it('maps each leg onto a fixed 0–1 scale and combines legs like independent evidence', () => {
    expect(calibrate('caption', 0.1)).toBe(0);
    expect(calibrate('caption', 0.9)).toBe(1);
    expect(calibrate('caption', 0.55)).toBeCloseTo(0.5, 5);
    const one = fuse({ caption: 0.8 });
    const two = fuse({ caption: 0.8, text: 0.5 });
    expect(one).toBeCloseTo(0.8, 4);
    expect(two).toBeGreaterThan(one);
    expect(fuse({ caption: 1, image: 1, text: 1, keyword: 1 })).toBeLessThanOrEqual(1);
    expect(fuse({})).toBe(0);
  });
});

describe('query parsing', () => {
  it('parses CLI and API values from one table and names the offending flag or parameter', () => {
    const q = parseSearchQuery('glass', { from: '2019-05', 'min-score': '0.5', hasGps: 'true' }, 'api');
    expect(q).toMatchObject({ text: 'glass', from: '2019-05', minScore: 0.5, hasGps: true, limit: 20 });
    expect(() => parseSearchQuery('x', { from: '05/2019' }, 'cli')).toThrow(/--from must be YYYY/);
    expect(() => parseSearchQuery('x', { limit: '9999' }, 'api')).toThrow(
      /parameter limit must be at most 500/,
    );
    expect(() => parseSearchQuery('x', { camra: 'x100' }, 'api')).toThrow(/unknown parameter camra/);
    expect(() => parseSearchQuery('x', { from: '2020', to: '2019' }, 'api')).toThrow(SearchQueryError);
    expect(() => parseSearchQuery('x', { people: 'maybe' }, 'cli')).toThrow(/only, exclude/);
  });

  it('keeps content words, drops stop words', () => {
    expect(queryWords('Blue glass on a window sill')).toEqual(['blue', 'glass', 'window', 'sill']);
    expect(queryWords('the')).toEqual([]);
  });
});

describe('search over a catalog', () => {
  let catalog: Catalog;
  let dataDir: string;
  let ids: number[];
  const embedder: QueryEmbedder = modelQueryEmbedder(
    readConfig({ PCC_DATA_DIR: tempDir() }),
    'q8',
    REAL_MODELS,
  );
  let search: PhotoSearch;

  beforeAll(async () => {
    dataDir = tempDir('pcc-search-');
    catalog = Catalog.open(dataDir);
    const vectors = await embedSentences(MINILM, FIXTURE.captions, {
      modelsDir: REAL_MODELS,
      dtype: 'q8',
      device: 'cpu',
    });
    ids = FIXTURE.captions.map((caption, i) => {
      const photoId = catalog.photos.upsertPhoto({
        sha1: String(i).padStart(40, 'a'),
        size: 100,
        format: 'jpg',
        isRaw: false,
      });
      const rel = `${i < 10 ? '2019/summer' : '2021/travel'}/IMG_${String(i).padStart(4, '0')}.jpg`;
      catalog.photos.upsertPath(photoId, {
        absPath: `/lib/${rel}`,
        root: '/lib',
        relPath: rel,
        size: 100,
        mtimeMs: 0,
      });
      catalog.results.upsert({
        photoId,
        stage: 'caption',
        key: KEY,
        status: 'success',
        output: caption,
        runId: 'r',
      });
      catalog.metadata.upsert({
        photoId,
        make: i % 2 ? 'FUJIFILM' : 'Canon',
        model: i % 2 ? 'X100V' : 'EOS R6',
        hasGps: i % 3 === 0,
        keywords: [],
        hierarchical: [],
      });
      catalog.metadata.setResolvedDate(
        photoId,
        i < 10 ? `2019-0${1 + (i % 9)}-15T12:00:00` : '2021-07-01T09:00:00',
        1,
        'exif',
      );
      return photoId;
    });
    catalog.embeddings.upsertMany(
      ids.map((photoId, i) => ({ photoId, kind: 'caption' as const, model: MINILM, vector: vectors[i] })),
      'r',
    );
    catalog.keywords.propose([
      {
        photoId: ids[6],
        layer: 'AI',
        term: 'venice',
        source: 'ocr:paddleocr-v4',
        sourceKind: 'ocr',
        state: 'proposed',
      },
      {
        photoId: ids[12],
        layer: 'CK',
        term: 'vintage car',
        source: 'user',
        sourceKind: 'user',
        state: 'approved',
      },
    ]);
    catalog.texts.store([
      { photoId: ids[34], source: 'ocr', model: 'paddleocr-v4', text: 'PHO BO 45.000 VND', lines: [] },
    ]);
    search = new PhotoSearch(catalog, readConfig({ PCC_DATA_DIR: dataDir }), embedder);
  }, 60_000);

  afterAll(() => catalog.close());

  it('finds the caption a paraphrase describes in the top 3, with no shared content word', async () => {
    const ranks: string[] = [];
    for (const { query, expect: want } of FIXTURE.queries) {
      const caption = new Set(queryWords(FIXTURE.captions[want]));
      // The paraphrase really shares no content word (so only meaning can find it).
      expect(queryWords(query).filter((w) => caption.has(w))).toEqual([]);
      const page = await search.search(parseSearchQuery(query, { 'min-score': '0' }, 'cli'));
      const rank = page.results.findIndex((r) => r.photoId === ids[want]);
      ranks.push(`${rank + 1} ${query}`);
      expect(rank).toBeGreaterThanOrEqual(0);
      expect(rank).toBeLessThan(3);
      expect(page.results[rank].why[0]).toMatch(/^caption meaning 0\.\d\d$/);
    }
    // The figure for the docs: how many paraphrases land first.
    const first = ranks.filter((r) => r.startsWith('1 ')).length;
    process.stdout.write(
      `search quality: ${first}/${ranks.length} paraphrases ranked first\n${ranks.join('\n')}\n`,
    );
  }, 60_000);

  it('scores an unrelated query low, so the default cut-off leaves it out', async () => {
    const page = await search.search(parseSearchQuery('quantum chromodynamics lecture', {}, 'cli'));
    expect(page.results.length).toBeLessThanOrEqual(1);
    for (const r of page.results) expect(r.score).toBeGreaterThanOrEqual(0.3);
  });

  it('full text: stemmed words in captions and OCR text, and says which', async () => {
    const page = await search.search(parseSearchQuery('windows', {}, 'cli'));
    const hit = page.results.find((r) => r.photoId === ids[0]);
    expect(hit?.why).toContain('caption has "windows"');
    const ocr = await search.search(parseSearchQuery('pho', { 'min-score': '0' }, 'cli'));
    expect(ocr.results[0].photoId).toBe(ids[34]);
    expect(ocr.results[0].why).toContain('text in photo: "pho"');
  });

  it('keywords: exact and prefix, any layer, rejected ones never', async () => {
    const exact = await search.search(parseSearchQuery('vintage car', {}, 'cli'));
    expect(exact.results[0].photoId).toBe(ids[12]);
    expect(exact.results[0].why).toContain('keyword CK|vintage car (approved)');
    const prefix = await search.search(parseSearchQuery('veni', { 'min-score': '0' }, 'cli'));
    expect(prefix.results.find((r) => r.photoId === ids[6])?.why).toContain('keyword AI|venice (proposed)');
    catalog.keywords.decide({ layer: 'AI', term: 'venice', action: 'reject', photoIds: [ids[6]] });
    const after = await search.search(parseSearchQuery('veni', { 'min-score': '0' }, 'cli'));
    expect(after.results.find((r) => r.photoId === ids[6])?.why ?? []).not.toContain(
      'keyword AI|venice (proposed)',
    );
  });

  it('filters choose the candidates: date range, camera, folder glob, GPS, keyword', async () => {
    const all = (extra: Record<string, string>) =>
      search
        .search(parseSearchQuery('', { limit: '500', ...extra }, 'cli'))
        .then((p) => p.results.map((r) => r.photoId));
    expect(await all({ from: '2019-03', to: '2019-05' })).toEqual([ids[2], ids[3], ids[4]]);
    expect((await all({ camera: 'x100' })).every((id) => ids.indexOf(id) % 2 === 1)).toBe(true);
    expect(await all({ folder: '2019/**' })).toHaveLength(10);
    expect((await all({ 'has-gps': 'true' })).every((id) => ids.indexOf(id) % 3 === 0)).toBe(true);
    expect(await all({ keyword: 'CK|vintage car' })).toEqual([ids[12]]);
    // Words and a filter together: the filter wins even over a strong match.
    const page = await search.search(
      parseSearchQuery('dog leaping for a flying disc', { folder: '2021/**' }, 'cli'),
    );
    expect(page.results.map((r) => r.photoId)).not.toContain(ids[2]);
    expect(page.candidates).toBe(25);
  });

  it('treats query words as data: FTS5 syntax, quotes and SQL are just words', async () => {
    for (const text of ['glass" OR *', "'; DROP TABLE photos; --", 'NEAR(a b)', '"', 'col:*']) {
      await expect(search.search(parseSearchQuery(text, { 'min-score': '0' }, 'cli'))).resolves.toBeDefined();
    }
    expect(catalog.photos.counts().photos).toBe(FIXTURE.captions.length);
  });

  it('says why a leg did not run (no image vectors here) and refuses an empty query', async () => {
    const page = await search.search(parseSearchQuery('glass', {}, 'cli'));
    expect(page.legs.find((l) => l.leg === 'image')).toMatchObject({ used: false });
    expect(page.legs.find((l) => l.leg === 'caption')).toMatchObject({ used: true, model: MINILM });
    await expect(search.search(parseSearchQuery('', {}, 'cli'))).rejects.toThrow(/give words/);
  });
});
