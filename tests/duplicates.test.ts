/**
 * Duplicate groups (issue 15): the pure grouping on hand-made hashes, vectors and times (both
 * sides of every threshold; the hash index finds what a brute-force scan finds), then real image
 * files made with sharp, loaded into a real catalog without Temporal, grouped, marked and reported
 * by the CLI. CLIP vectors come from the stand-in weights: they only feed the cosine condition.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { Catalog } from '../src/catalog/catalog';
import type { RunConfig } from '../src/shared/payloads';
import {
  DEFAULT_DUPLICATE_OPTIONS,
  dhashHalves,
  dotRows,
  groupDuplicates,
  nearHashPairs,
  popcount32,
  resolveDuplicateOptions,
  type DuplicateInput,
} from '../src/duplicates/group';
import { duplicatesCsv, duplicatesMarkdown } from '../src/duplicates/report';
import {
  captureMs,
  DuplicatesError,
  findDuplicates,
  markDuplicates,
  unmarkDuplicates,
  type DuplicateReport,
} from '../src/services/duplicates';
import { DuplicatesController } from '../src/api/duplicates/duplicates.controller';
import { decodePhoto } from '../src/images/loader';
import { readInventoryBatch } from '../src/images/inventory';
import { endExiftool } from '../src/images/exiftool';
import { embedImages } from '../src/models/embedder';
import { SHARED, tempDir } from './helpers/fixtures';
import { runPcc, testEnv } from './helpers/processes';

afterAll(() => endExiftool());

// ---------------------------------------------------------------- hand-made inputs

/** Deterministic 32-bit random numbers (mulberry32). */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A unit vector at cosine `c` from [1, 0, 0, 0] (exactly, up to float32 rounding). */
const at = (c: number) => [c, Math.sqrt(1 - c * c), 0, 0];
const BASE = 'f0e1d2c3b4a59687';

/** `base` with `bits` of its low bits flipped. */
function flipped(base: string, bits: number): string {
  let lo = parseInt(base.slice(8), 16);
  for (let b = 0; b < bits; b++) lo ^= 1 << b;
  return base.slice(0, 8) + (lo >>> 0).toString(16).padStart(8, '0');
}

interface Hand {
  hash?: string;
  vector?: number[];
  t?: number;
  paths?: number;
}

function inputOf(photos: Hand[]): DuplicateInput {
  const dim = 4;
  const rows = photos.filter((p) => p.vector);
  const data = new Float32Array(rows.length * dim);
  const row = new Int32Array(photos.length).fill(-1);
  let r = 0;
  photos.forEach((p, i) => {
    if (!p.vector) return;
    data.set(p.vector, r * dim);
    row[i] = r++;
  });
  return {
    photoIds: photos.map((_, i) => i + 1),
    ...dhashHalves(photos.map((p) => p.hash)),
    pathCounts: photos.map((p) => p.paths ?? 1),
    vectors: { dim, data, row },
    takenAtMs: Float64Array.from(photos.map((p) => p.t ?? NaN)),
  };
}

describe('duplicate grouping (pure)', () => {
  it('popcount, dot product, hex halves and capture times', () => {
    const next = rng(7);
    for (let k = 0; k < 2000; k++) {
      const x = next();
      expect(popcount32(x)).toBe([...x.toString(2)].filter((c) => c === '1').length);
    }
    expect(popcount32(0xffffffff)).toBe(32);
    const m = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(dotRows(m, 0, 5, 5)).toBe(1 * 6 + 2 * 7 + 3 * 8 + 4 * 9 + 5 * 10);
    const h = dhashHalves(['ffffffff00000001', undefined, 'not-a-hash', '0123456789ABCDEF']);
    expect([...h.hashHi]).toEqual([0xffffffff, 0, 0, 0x01234567]);
    expect([...h.hashLo]).toEqual([1, 0, 0, 0x89abcdef]);
    expect([...h.hasHash]).toEqual([1, 0, 0, 1]);
    expect(captureMs('2021-06-01T10:00:01') - captureMs('2021-06-01T10:00:00')).toBe(1000);
    expect(captureMs('2021-06-01T10:00:00+02:00')).toBe(captureMs('2021-06-01T08:00:00'));
    expect(captureMs('2021-06-01')).toBeNaN();
    expect(captureMs(undefined)).toBeNaN();
  });

  it('the hash index finds every pair a brute-force scan finds (planted near pairs, several bounds)', () => {
    const next = rng(42);
    const n = 3000;
    const hi = new Uint32Array(n);
    const lo = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      hi[i] = next();
      lo[i] = next();
    }
    // Near copies of earlier hashes at 0–8 bits, the flipped bits anywhere in the 64.
    for (let i = 1; i < n; i += 3) {
      const src = Math.floor((next() / 2 ** 32) * i);
      hi[i] = hi[src];
      lo[i] = lo[src];
      for (let f = next() % 9; f > 0; f--) {
        const bit = next() % 64;
        if (bit < 32) hi[i] ^= 1 << bit;
        else lo[i] ^= 1 << (bit - 32);
      }
    }
    // The O(n²) scan, once, for the largest bound; smaller bounds filter it.
    const near: Array<[number, number, number]> = [];
    for (let a = 0; a < n; a++)
      for (let b = a + 1; b < n; b++) {
        const d = popcount32(hi[a] ^ hi[b]) + popcount32(lo[a] ^ lo[b]);
        if (d <= 7) near.push([a, b, d]);
      }
    for (const bound of [0, 2, 4, 7]) {
      const brute = near.filter(([, , d]) => d <= bound).map(([a, b, d]) => `${a}-${b}-${d}`);
      const found = nearHashPairs({ hashHi: hi, hashLo: lo }, bound).pairs.map(
        ([a, b, d]) => `${a}-${b}-${d}`,
      );
      expect(brute.length).toBeGreaterThan(100);
      expect(found.sort()).toEqual(brute.sort()); // every pair, each once
    }
  });

  it('identical: dHash ≤ 4 and cosine ≥ 0.97, both sides of each bound', () => {
    const g = groupDuplicates(
      inputOf([
        { hash: BASE, vector: at(1) },
        { hash: flipped(BASE, 4), vector: at(0.971) }, // 1+2: 4 bits, cosine just above → identical
        { hash: 'aaaaaaaa00000000', vector: at(1) },
        { hash: flipped('aaaaaaaa00000000', 5), vector: at(1) }, // 3+4: 5 bits → no
        { hash: '5555555500000000', vector: at(1) },
        { hash: flipped('5555555500000000', 1), vector: at(0.969) }, // 5+6: cosine too low → no
      ]),
      {},
    );
    expect(g.identical.map((x) => x.photoIds)).toEqual([[1, 2]]);
    expect(g.identical[0].reason).toBe('dHash 4 bits, cosine 0.971');
    expect(g.identical[0].maxHashDistance).toBe(4);
    expect(g.exact).toEqual([]);
  });

  it('identical without a vector needs dHash ≤ 2, and says so', () => {
    const g = groupDuplicates(
      inputOf([
        { hash: BASE, vector: at(1) },
        { hash: flipped(BASE, 2) }, // no vector, 2 bits → identical
        { hash: '0f0f0f0f12345678' },
        { hash: flipped('0f0f0f0f12345678', 3) }, // no vector, 3 bits → no
      ]),
      {},
    );
    expect(g.identical.map((x) => x.photoIds)).toEqual([[1, 2]]);
    expect(g.identical[0].withoutVector).toBe(true);
    expect(g.identical[0].reason).toMatch(/no CLIP vector.*dHash had to be ≤ 2/);
  });

  it('bursts: within 3 s, dHash ≤ 12 or cosine ≥ 0.9; not when identical, not without a time', () => {
    const T = 1_600_000_000_000;
    const g = groupDuplicates(
      inputOf([
        { hash: BASE, vector: at(0), t: T },
        { hash: flipped(BASE, 12), vector: at(0), t: T + 3000 }, // 1+2: 3 s, 12 bits → burst
        { hash: '1111111100000000', vector: at(1), t: T + 100_000 },
        { hash: flipped('1111111100000000', 12), vector: at(1), t: T + 103_001 }, // 3.001 s → no
        { hash: '2222222200000000', vector: [0, 0, 1, 0], t: T + 200_000 },
        {
          hash: flipped('2222222200000000', 13),
          vector: [0, 0, 0.901, Math.sqrt(1 - 0.901 ** 2)],
          t: T + 201_000,
        }, // 13 bits but cos 0.901: by CLIP
        { hash: '3333333300000000', vector: [0, 0, 0, 1], t: T + 300_000 },
        {
          hash: flipped('3333333300000000', 13),
          vector: [0, 0, Math.sqrt(1 - 0.8), Math.sqrt(0.8)],
          t: T + 301_000,
        }, // 13 bits, cos 0.894 → no
        { hash: '4444444400000000', vector: at(1), t: T + 400_000 },
        { hash: flipped('4444444400000000', 1), vector: at(1), t: T + 400_500 }, // identical beats burst
        { hash: '6666666600000000', vector: at(1) },
        { hash: flipped('6666666600000000', 6), vector: at(1) }, // similar, no time → nothing
      ]),
      {},
    );
    expect(g.burst.map((x) => x.photoIds)).toEqual([
      [1, 2],
      [5, 6],
    ]);
    expect(g.burst[0].reason).toBe('taken 3.0 s apart, dHash 12 bits');
    expect(g.burst[1].reason).toBe('taken 1.0 s apart, CLIP cosine 0.901');
    expect(g.identical.map((x) => x.photoIds)).toEqual([[9, 10]]);
  });

  it('bursts chain, but no group spans more than 60 s and no photo is in two', () => {
    const T = 1_600_000_000_000;
    // 51 photos 2 s apart, each hash distinct (so none identical at bound 0) and within 6 bits.
    const lo = parseInt(BASE.slice(8), 16);
    const photos: Hand[] = Array.from({ length: 51 }, (_, i) => ({
      hash: BASE.slice(0, 8) + ((lo ^ (i + 1)) >>> 0).toString(16).padStart(8, '0'),
      t: T + i * 2000,
    }));
    const g = groupDuplicates(inputOf(photos), { maxHashDistance: 0, maxHashDistanceWithoutVector: 0 });
    expect(g.identical).toEqual([]);
    const seen = new Set<number>();
    for (const b of g.burst) {
      expect(b.spanMs).toBeLessThanOrEqual(60_000);
      for (const id of b.photoIds) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
    // Chained in time order until the next photo would make it longer than a minute.
    expect(g.burst.map((b) => b.photoIds.length)).toEqual([31, 20]);
    expect(g.burst[0].reason).toMatch(/^31 photos within 60\.0 s, dHash ≤ \d bits$/);
  });

  it('exact copies are photos with two or more paths', () => {
    const g = groupDuplicates(inputOf([{ hash: BASE, paths: 3 }, { hash: '0000ffff0000ffff' }]), {});
    expect(g.exact).toEqual([
      { kind: 'exact', photoIds: [1], reason: 'the same bytes at 3 paths', paths: 3 },
    ]);
  });

  it('a degenerate hash (flat pictures) is skipped with a note, not compared n² times', () => {
    const photos: Hand[] = Array.from({ length: 40 }, () => ({ hash: '0000000000000000' }));
    const g = groupDuplicates(inputOf(photos), { maxBucketSize: 10 });
    expect(g.identical).toEqual([]);
    expect(g.notes.length).toBeGreaterThan(0);
    expect(g.notes[0]).toMatch(/40 photos share bits .* flat or featureless/);
    expect(g.stats.skippedBuckets).toBeGreaterThan(0);
  });

  it('options have defaults and refuse nonsense, naming the option', () => {
    expect(resolveDuplicateOptions()).toEqual(DEFAULT_DUPLICATE_OPTIONS);
    expect(resolveDuplicateOptions({ minCosine: 0.5 }).minCosine).toBe(0.5);
    expect(() => resolveDuplicateOptions({ maxHashDistance: 2.5 })).toThrow(
      /maxHashDistance must be a whole number/,
    );
    expect(() => resolveDuplicateOptions({ minCosine: 2 })).toThrow(
      /minCosine must be a number from -1 to 1/,
    );
    expect(() =>
      groupDuplicates({ ...inputOf([{ hash: BASE }]), takenAtMs: new Float64Array(3) }, {}),
    ).toThrow(/takenAtMs has 3 entries for 1 photos/);
  });
});

// ---------------------------------------------------------------- real files, real catalog

const NATURE = path.join(SHARED, 'photos', 'library', 'immich', 'albums', 'nature');
const MODELS = path.join(SHARED, 'models');
const CLIP = 'Xenova/clip-vit-base-patch32';
/** A copy's name that is hostile everywhere it appears: a newline, a formula, a leading dash. */
const HOSTILE = '=HYPERLINK("x")\n-second line.jpg';

interface Library {
  root: string;
  dataDir: string;
  catalog: Catalog;
  runId: string;
  id: Record<string, number>;
  file: Record<string, string>;
}

async function buildLibrary(): Promise<Library> {
  const root = tempDir('pcc-dups-lib-');
  const file = (name: string) => path.join(root, name);
  const files: Record<string, string> = {
    original: file('shoot/falcon.jpg'),
    copy: file(HOSTILE),
    resaved: file('exports/falcon-q60.jpg'),
    resized: file('exports/falcon-small.jpg'),
    burst1: file('burst/ridge-1.jpg'),
    burst2: file('burst/ridge-2.jpg'),
    later: file('burst/ridge-later.jpg'),
    other1: file('misc/fir.jpg'),
    other2: file('misc/rocks.jpg'),
  };
  for (const f of Object.values(files)) fs.mkdirSync(path.dirname(f), { recursive: true });
  const exif = (date: string) => ({ IFD2: { DateTimeOriginal: date } });
  await sharp(path.join(NATURE, 'prairie_falcon.jpg')).jpeg({ quality: 92 }).toFile(files.original);
  fs.copyFileSync(files.original, files.copy);
  await sharp(files.original).jpeg({ quality: 60 }).toFile(files.resaved);
  await sharp(files.original).resize(400).jpeg({ quality: 85 }).toFile(files.resized);
  // A burst: the same scene panned a little and a touch brighter, one second apart (dHash 6 bits).
  const ridge = path.join(NATURE, 'tanners_ridge.jpg');
  const shot = (dx: number) =>
    sharp(ridge)
      .extract({ left: dx, top: 0, width: 700, height: 500 })
      .modulate({ brightness: 1 + dx / 300 });
  await shot(0).jpeg({ quality: 88 }).withExif(exif('2021:06:01 10:00:00')).toFile(files.burst1);
  await shot(30).jpeg({ quality: 88 }).withExif(exif('2021:06:01 10:00:01')).toFile(files.burst2);
  // The same scene again, but ten seconds later: too late for the burst.
  await shot(60).jpeg({ quality: 88 }).withExif(exif('2021:06:01 10:00:11')).toFile(files.later);
  await sharp(path.join(NATURE, 'silver_fir.jpg'))
    .jpeg()
    .withExif(exif('2020:01:01 09:00:00'))
    .toFile(files.other1);
  await sharp(path.join(NATURE, 'el_torcal_rocks.jpg'))
    .jpeg()
    .withExif(exif('2020:03:01 09:00:00'))
    .toFile(files.other2);

  // What a run's scan and load stages leave in the catalog, without Temporal.
  const dataDir = tempDir('pcc-dups-data-');
  const catalog = Catalog.open(dataDir);
  const runId = 'dups-run';
  catalog.runs.ensure(runId, 'wf-dups', {
    roots: [root],
    embed: { imageModel: CLIP, dtype: 'fp32', inferenceBatch: 8 },
  } as unknown as RunConfig);
  const id: Record<string, number> = {};
  for (const [name, abs] of Object.entries(files)) {
    const bytes = fs.readFileSync(abs);
    const sha1 = crypto.createHash('sha1').update(bytes).digest('hex');
    const photoId = catalog.photos.upsertPhoto({ sha1, size: bytes.length, format: 'jpg', isRaw: false });
    const st = fs.statSync(abs);
    catalog.photos.upsertPath(photoId, {
      absPath: abs,
      root,
      relPath: path.relative(root, abs),
      size: st.size,
      mtimeMs: Math.round(st.mtimeMs),
    });
    id[name] = photoId;
  }
  expect(id.copy).toBe(id.original); // the catalog keys photos by content
  const unique = Object.entries(files).filter(([name]) => name !== 'copy');
  const inventory = await readInventoryBatch(
    unique.map(([name, absPath]) => ({ photoId: id[name], absPath })),
  );
  for (const [name, abs] of unique) {
    const { dhash } = await decodePhoto(abs, { longEdge: 512 });
    catalog.metadata.upsert({ ...inventory.get(id[name])!, phash: dhash });
  }
  const vectors = await embedImages(
    CLIP,
    unique.map(([, abs]) => abs),
    { modelsDir: MODELS, dtype: 'fp32', device: 'cpu', batchSize: 8 },
  );
  catalog.embeddings.upsertMany(
    unique.map(([name], i) => ({
      photoId: id[name],
      kind: 'image' as const,
      model: CLIP,
      vector: vectors[i],
    })),
    runId,
  );
  return { root, dataDir, catalog, runId, id, file: files };
}

describe('duplicates on constructed image files', () => {
  let lib: Library;
  let report: DuplicateReport;

  beforeAll(async () => {
    lib = await buildLibrary();
    report = findDuplicates(lib.catalog, { runId: lib.runId });
  }, 120_000);
  afterAll(() => lib?.catalog.close());

  it('puts each fixture in the right group and the different photos in none', () => {
    const { id } = lib;
    const byKind = (kind: string) => report.groups.filter((g) => g.kind === kind);
    expect(report.photos).toBe(8);
    expect(report.withHash).toBe(8);
    expect(report.withVector).toBe(8);
    expect(report.imageModel).toBe(CLIP);

    const [exact, ...moreExact] = byKind('exact');
    expect(moreExact).toEqual([]);
    expect(exact.members.map((m) => m.photoId)).toEqual([id.original]);
    expect(exact.members[0].paths.map((p) => p.absPath).sort()).toEqual(
      [lib.file.copy, lib.file.original].sort(),
    );
    expect(exact.reason).toBe('the same bytes at 2 paths');

    const [identical, ...moreIdentical] = byKind('identical');
    expect(moreIdentical).toEqual([]);
    expect(identical.members.map((m) => m.photoId).sort()).toEqual(
      [id.original, id.resaved, id.resized].sort(),
    );
    expect(identical.reason).toMatch(/^dHash (≤ )?\d bits?, cosine (≥ )?(0\.9[7-9]\d|1\.000)$/);
    // Largest pixel count first (original and re-save tie at 800×533), then the larger file.
    expect(identical.suggestedKeeper.photoId).toBe(id.original);
    const original = identical.members.find((m) => m.photoId === id.original)!;
    expect([original.width, original.height]).toEqual([800, 533]);

    const [burst, ...moreBursts] = byKind('burst');
    expect(moreBursts).toEqual([]);
    expect(burst.members.map((m) => m.photoId)).toEqual([id.burst1, id.burst2]);
    expect(burst.reason).toMatch(/^taken 1\.0 s apart, dHash ([5-9]|1[0-2]) bits$/);
    expect(burst.members[0].takenAt).toBe('2021-06-01T10:00:00');

    const grouped = report.groups.flatMap((g) => g.members.map((m) => m.photoId));
    for (const loner of ['later', 'other1', 'other2']) expect(grouped).not.toContain(id[loner]);
    expect(report.counts).toEqual({ exact: 1, exactPaths: 2, identical: 1, burst: 1 });
  });

  it('filters by kind and by roots; an unknown run is an error', () => {
    expect(findDuplicates(lib.catalog, { kinds: ['burst'] }).groups.map((g) => g.kind)).toEqual(['burst']);
    expect(findDuplicates(lib.catalog, { roots: ['/nowhere'] }).photos).toBe(0);
    expect(() => findDuplicates(lib.catalog, { runId: 'nope' })).toThrow(DuplicatesError);
    expect(() => findDuplicates(lib.catalog, { thresholds: { minCosine: 3 } })).toThrow(/minCosine must be/);
  });

  it('a path whose file is gone is no copy', () => {
    const gone = path.join(lib.root, 'moved-away.jpg');
    lib.catalog.photos.upsertPath(lib.id.other1, {
      absPath: gone,
      root: lib.root,
      relPath: 'moved-away.jpg',
      size: 1,
      mtimeMs: 1,
    });
    const again = findDuplicates(lib.catalog, { runId: lib.runId, kinds: ['exact'] });
    expect(again.groups.map((g) => g.members[0].photoId)).toEqual([lib.id.original]);
    expect(again.notes).toContain(
      '1 path in the catalog no longer exists and was left out (a new `pcc run` rescans)',
    );
    // A bench over synthetic paths can skip the check.
    expect(findDuplicates(lib.catalog, { kinds: ['exact'], checkFiles: false }).counts.exact).toBe(2);
  });

  it('marks persist, add AI|duplicate when asked, and unmark undoes both; no file is touched', () => {
    const { catalog, id } = lib;
    const before = Object.values(lib.file).map((f) => fs.readFileSync(f).length);
    const keyword = (photoId: number) =>
      catalog.keywords
        .find({ photoIds: [photoId], layer: 'AI', term: 'duplicate' })
        .map((k) => `${k.path}:${k.state}`);

    const out = markDuplicates(catalog, {
      keep: [id.original],
      discard: [id.resaved, id.resized],
      keyword: true,
      client: 'test',
      kind: 'identical',
    });
    expect(out).toEqual({
      kept: [id.original],
      discarded: [id.resaved, id.resized],
      keywordAdded: [id.resaved, id.resized],
      keywordWithdrawn: [],
    });
    expect(keyword(id.resaved)).toEqual(['AI|duplicate:approved']);
    expect(keyword(id.original)).toEqual([]);
    // Persisted: a fresh connection sees the marks, and the report shows them.
    const again = Catalog.open(lib.dataDir);
    try {
      expect(again.duplicates.marks([id.original, id.resaved]).get(id.resaved)).toMatchObject({
        state: 'discard',
        groupKind: 'identical',
        client: 'test',
      });
      const shown = findDuplicates(again, { kinds: ['identical'] }).groups[0].members;
      expect(shown.find((m) => m.photoId === id.original)?.mark?.state).toBe('keep');
    } finally {
      again.close();
    }

    // Changing one's mind: the re-save is kept after all, so its keyword goes.
    expect(markDuplicates(catalog, { keep: [id.resaved], client: 'test' }).keywordWithdrawn).toEqual([
      id.resaved,
    ]);
    expect(keyword(id.resaved)).toEqual([]);

    const undone = unmarkDuplicates(catalog, [id.resized, id.resaved, id.other1]);
    expect(undone).toEqual({
      unmarked: [id.resized, id.resaved],
      notMarked: [id.other1],
      keywordWithdrawn: [id.resized],
    });
    expect(keyword(id.resized)).toEqual([]);
    expect(catalog.duplicates.marks().has(id.resized)).toBe(false);
    expect(catalog.duplicates.marks().get(id.original)?.state).toBe('keep');
    unmarkDuplicates(catalog, [id.original]);

    expect(Object.values(lib.file).map((f) => fs.readFileSync(f).length)).toEqual(before);
  });

  it('refuses unknown photos and contradictions, saying which (the API answers 400)', () => {
    const { catalog, id } = lib;
    expect(() => markDuplicates(catalog, { discard: [id.resaved, 99999], client: 't' })).toThrow(
      'no photo 99999 in the catalog',
    );
    expect(() => markDuplicates(catalog, { keep: [id.resaved], discard: [id.resaved], client: 't' })).toThrow(
      /cannot be both kept and discarded/,
    );
    expect(() => markDuplicates(catalog, { client: 't' })).toThrow(/nothing to mark/);
    expect(() => unmarkDuplicates(catalog, [0])).toThrow(/whole number ≥ 1/);
    const api = new DuplicatesController(catalog);
    expect(() => api.mark({ discard: [424242] })).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => api.list({ run: 'nope' })).toThrow(expect.objectContaining({ status: 404 }));
    const page = api.list({ kind: 'identical', limit: 1 });
    expect([page.total, page.groups.length, page.counts.identical]).toEqual([1, 1, 1]);
    expect(api.unmarkOne(id.other2)).toEqual({ unmarked: [], notMarked: [id.other2], keywordWithdrawn: [] });
  });

  it('reports keep hostile file names as data (CSV cells, Markdown code spans)', () => {
    const csv = duplicatesCsv(report);
    const rows = parse(csv, { columns: true }) as Array<Record<string, string>>;
    // exact: 2 paths; identical: 3 photos, the original at both its paths; burst: 2.
    expect(rows).toHaveLength(2 + 4 + 2);
    expect(rows.map((r) => r.path)).toContain(lib.file.copy); // the newline survives, quoted
    // A name that starts like a formula is text to a spreadsheet: the shared writer's leading quote.
    expect(rows.filter((r) => r.rel_path === `'${HOSTILE}`)).toHaveLength(2);
    for (const r of rows) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@]/);
    // One keeper file per group: the original at its oldest path; the larger burst frame.
    const keepers = rows.filter((r) => r.suggested_keeper === 'yes').map((r) => `${r.kind}:${r.path}`);
    expect(keepers).toEqual([
      `exact:${lib.file.original}`,
      `identical:${lib.file.original}`,
      `burst:${lib.file.burst2}`,
    ]);
    const md = duplicatesMarkdown(report);
    expect(md).toContain('Nothing here deletes or moves a file');
    for (const line of md.split('\n')) expect(line.startsWith('-second line')).toBe(false);
    expect(md).toContain('=HYPERLINK("x") -second line.jpg`');
  });

  it('the CLI writes duplicates.csv and duplicates.md, prints a summary, marks and unmarks', async () => {
    const { env } = testEnv({}, lib.dataDir);
    const out = await runPcc(['duplicates', '--run', lib.runId], env);
    const dir = path.join(lib.dataDir, 'reports', 'duplicates');
    expect(out).toContain(
      `1 exact group (2 paths), 1 identical group, 1 burst group; report at ${path.join(dir, 'duplicates.md')}`,
    );
    const rows = parse(fs.readFileSync(path.join(dir, 'duplicates.csv')), { columns: true }) as unknown[];
    expect(rows).toHaveLength(8);
    expect(fs.readFileSync(path.join(dir, 'duplicates.md'), 'utf8')).toMatch(/## Bursts \(1\)/);

    const json = JSON.parse(
      await runPcc(['duplicates', '--kind', 'burst', '--json'], env),
    ) as DuplicateReport;
    expect(json.groups.map((g) => g.members.map((m) => m.photoId))).toEqual([[lib.id.burst1, lib.id.burst2]]);

    const marked = await runPcc(
      ['duplicates', 'mark', '--keep', String(lib.id.burst1), '--discard', lib.file.burst2, '--keyword'],
      env,
    );
    expect(marked).toContain('AI|duplicate on 1 photo');
    expect(marked).toContain('Nothing was deleted or moved');
    expect(lib.catalog.duplicates.marks().get(lib.id.burst2)?.state).toBe('discard');
    expect(await runPcc(['duplicates', 'unmark', String(lib.id.burst2), String(lib.id.burst1)], env)).toMatch(
      /unmarked 2 photos.*AI\|duplicate taken back from 1 photo/,
    );
    expect(lib.catalog.duplicates.marks().size).toBe(0);
    const refused = await runPcc(['duplicates', 'mark', '--discard', '777777'], env, 2);
    expect(refused).toContain('no photo 777777 in the catalog');
  });
});
