/**
 * Reports from a catalog: every photo exactly once, CSV that a standard parser reads back
 * (quotes, commas, newlines in captions), and valid reports for the awkward runs — no photos, one
 * photo, identical embeddings, every photo an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { runClusterLibrary, stageClusterInputFiles } from '../src/activities/cluster';
import { persistClustering } from '../src/activities/reports';
import { Catalog } from '../src/catalog/catalog';
import { DEFAULT_CLUSTER_PARAMS, type ClusterMode } from '../src/clustering/cluster';
import { readMatrixFile } from '../src/clustering/input-file';
import { writeReportFiles, REPORT_FILES } from '../src/reports/cluster-reports';
import type { ClusterSettings, EmbedSettings } from '../src/shared/payloads';
import { gearTerms, parseVocabularyFile, VocabularyError } from '../src/tags/vocabulary';
import { EMBED, around, seedRun, type FakePhoto } from './helpers/seed-run';

async function clusterAndReport(
  seeded: { catalog: Catalog; dataDir: string; runId: string },
  mode: ClusterMode = 'umap-hdbscan',
  minClusterSize = 3,
) {
  const settings: ClusterSettings = {
    space: 'image',
    params: { ...DEFAULT_CLUSTER_PARAMS, mode, minClusterSize, threshold: 0.9 },
  };
  const staged = stageClusterInputFiles(seeded.catalog, seeded.dataDir, {
    runId: seeded.runId,
    space: 'image',
    embed: EMBED,
    withImageFile: false,
  });
  const clustered = await runClusterLibrary(
    { runId: seeded.runId, file: staged.file, params: settings.params },
    () => undefined,
  );
  persistClustering(seeded.catalog, { runId: seeded.runId, settings, clustersFile: clustered.file });
  const outDir = path.join(seeded.dataDir, 'out');
  const summary = writeReportFiles(seeded.catalog, seeded.runId, outDir);
  const read = (name: string) =>
    parse(fs.readFileSync(path.join(outDir, name), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
  return { summary, outDir, read, markdown: fs.readFileSync(path.join(outDir, REPORT_FILES.report), 'utf8') };
}

describe('cluster reports', () => {
  it('one line per file: identical copies share the caption and name the first path; formulas are text', async () => {
    const photos: FakePhoto[] = [];
    for (let i = 0; i < 12; i++)
      photos.push({
        rel: `a/p${i}.jpg`,
        status: 'success',
        caption: i === 0 ? '=HYPERLINK("http://x","click")' : `caption ${i}`,
        vector: around(i % 2, i),
      });
    const seeded = seedRun(photos);
    const first = seeded.catalog.runs.workList(seeded.runId)[0];
    for (const rel of ['a/p0.jpg', 'b/copy of p0.jpg', '-dash/p0.jpg'])
      seeded.catalog.photos.upsertPath(first.photoId, {
        absPath: `/lib/${rel}`,
        root: '/lib',
        relPath: rel,
        size: 1,
        mtimeMs: 0,
      });
    const { read, markdown } = await clusterAndReport(seeded);
    const rows = read(REPORT_FILES.export);
    expect(rows).toHaveLength(14);
    const copies = rows.filter((r) => r.duplicate_of === 'a/p0.jpg').map((r) => r.rel_path);
    // A path that starts like a formula is written as text too.
    expect(copies.sort()).toEqual(["'-dash/p0.jpg", 'b/copy of p0.jpg']);
    for (const r of rows.filter((x) => x.duplicate_of || x.rel_path === 'a/p0.jpg'))
      expect(r.caption).toBe(`'=HYPERLINK("http://x","click")`);
    expect(markdown).not.toContain('<');
  });

  it('CSV survives quotes, commas and newlines in captions; every photo appears exactly once', async () => {
    const nasty = ['She said "cheese", then left', 'line one\nline two', 'comma, comma, "quote"', 'plain'];
    const photos: FakePhoto[] = [];
    for (let i = 0; i < 24; i++) {
      photos.push({
        rel: `folder ${i % 3}/photo, ${i}.jpg`,
        status: 'success',
        caption: `${nasty[i % nasty.length]} #${i}`,
        vector: around(i % 3, i),
      });
    }
    photos.push({ rel: 'broken.jpg', status: 'error_corrupt' });
    photos.push({ rel: 'api.jpg', status: 'error_api', vector: around(0, 99) });
    const seeded = seedRun(photos);
    const { read, markdown, summary } = await clusterAndReport(seeded);
    const rows = read(REPORT_FILES.export);
    expect(rows.map((r) => r.rel_path).sort()).toEqual(photos.map((p) => p.rel).sort());
    for (const p of photos) {
      const row = rows.find((r) => r.rel_path === p.rel)!;
      expect(row.caption).toBe(p.status === 'success' ? p.caption : '');
    }
    expect(Object.keys(rows[0])).toEqual([
      'rel_path',
      'cluster_id',
      'label',
      'caption',
      'distance_to_centroid',
      'duplicate_of',
    ]);
    expect(rows.find((r) => r.rel_path === 'broken.jpg')).toMatchObject({
      cluster_id: '-1',
      distance_to_centroid: '',
    });
    // Three tight groups by construction.
    expect(summary.clusters).toBe(3);
    expect(markdown).toContain('24 captioned, 2 errors, 0 vocabulary fallbacks');
    const sizes = [...markdown.matchAll(/ — (\d+) photos/g)].map((m) => Number(m[1]));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(photos.length);
    const folders = read(REPORT_FILES.folders);
    expect(folders.map((f) => f.folder).sort()).toEqual(['', 'folder 0', 'folder 1', 'folder 2']);
    for (const f of folders) expect(Number(f.cosine_to_centroid)).toBeGreaterThan(0.5);
    seeded.catalog.close();
  });

  it.each(['umap-hdbscan', 'cosine-threshold', 'time-window'] as const)(
    '%s: empty run, one photo, identical embeddings and all-error runs give a valid report',
    async (mode) => {
      const cases: FakePhoto[][] = [
        [],
        [{ rel: 'only.jpg', status: 'success', caption: 'one', vector: around(1, 1) }],
        Array.from({ length: 12 }, (_, i) => ({
          rel: `same${i}.jpg`,
          status: 'success' as const,
          caption: 'same',
          vector: new Array(16).fill(0.25),
        })),
        Array.from({ length: 6 }, (_, i) => ({ rel: `bad${i}.jpg`, status: 'error_corrupt' as const })),
      ];
      // [captioned, errors, groups] each case must report.
      const expected = [
        [0, 0, 0],
        [1, 0, 0],
        [12, 0, 1],
        [0, 6, 0],
      ];
      for (const [i, photos] of cases.entries()) {
        const seeded = seedRun(photos);
        const { read, markdown, summary } = await clusterAndReport(seeded, mode);
        expect(read(REPORT_FILES.export)).toHaveLength(photos.length);
        expect(read(REPORT_FILES.folders)).toHaveLength(photos.some((p) => p.vector) ? 1 : 0);
        const [captioned, errors, groups] = expected[i];
        expect(summary).toMatchObject({ photos: photos.length, captioned, errors, clusters: groups });
        expect(markdown).toContain(`${captioned} captioned, ${errors} errors, 0 vocabulary fallbacks`);
        seeded.catalog.close();
      }
    },
  );

  it('labels a group by its medoid caption, else by vocabulary, and marks all-private groups local-only', async () => {
    const photos: FakePhoto[] = [];
    for (let i = 0; i < 8; i++)
      photos.push({ rel: `Family/a${i}.jpg`, status: 'skipped_private', vector: around(0, i) });
    for (let i = 0; i < 8; i++)
      photos.push({ rel: `trip/b${i}.jpg`, status: 'success', caption: `beach ${i}`, vector: around(1, i) });
    const seeded = seedRun(photos, ['Family']);
    const ids = seeded.catalog.runs.workList(seeded.runId).map((w) => w.photoId);
    // Vocabulary scores as scoreVocabulary leaves them: the private photos' best label is "family".
    const scored = ids.map((photoId, i) => ({
      photoId,
      model: 'clip',
      top: [{ label: i < 8 ? 'family' : 'beach', score: 0.9 }],
      approved: [i < 8 ? 'family' : 'beach'],
    }));
    const staged = stageClusterInputFiles(seeded.catalog, seeded.dataDir, {
      runId: seeded.runId,
      space: 'image',
      embed: EMBED,
      withImageFile: false,
    });
    const settings: ClusterSettings = {
      space: 'image',
      params: { ...DEFAULT_CLUSTER_PARAMS, mode: 'cosine-threshold', minClusterSize: 2, threshold: 0.9 },
      vocabulary: {
        labels: ['family', 'beach'],
        template: 'a photo of {label}',
        topK: 1,
        threshold: 0.5,
        gear: [],
      },
    };
    const clustered = await runClusterLibrary(
      { runId: seeded.runId, file: staged.file, params: settings.params },
      () => undefined,
    );
    persistClustering(
      seeded.catalog,
      { runId: seeded.runId, settings, clustersFile: clustered.file },
      { result: clustered.result, scored },
    );
    const outDir = path.join(seeded.dataDir, 'out');
    const summary = writeReportFiles(seeded.catalog, seeded.runId, outDir);
    const md = fs.readFileSync(path.join(outDir, REPORT_FILES.report), 'utf8');
    expect(summary.vocabularyFallbacks).toBe(1);
    expect(md).toContain('8 captioned, 0 errors, 1 vocabulary fallbacks');
    expect(md).toMatch(
      /family — 8 photos\n\ncluster id \d · label from vocabulary · medoid `Family\/a\d\.jpg` · local-only/,
    );
    expect(md).toMatch(/beach \d — 8 photos\n\ncluster id \d · label from caption/);
    // Labels over the threshold became controlled keywords, approved by the default policy.
    expect(seeded.catalog.keywords.keywordsOf(ids[0]).map((k) => `${k.path}:${k.state}`)).toEqual([
      'CK|family:approved',
    ]);
    const scores = parse(fs.readFileSync(path.join(outDir, REPORT_FILES.scores), 'utf8'), {
      columns: true,
    }) as Array<Record<string, string>>;
    expect(Object.keys(scores[0])).toEqual([
      'path',
      'rel_path',
      'width',
      'height',
      'top1',
      'top1_score',
      'top5_labels',
      'top5_scores',
      'approved_labels',
      'run_id',
      'model_name',
    ]);
    expect(scores).toHaveLength(16);
    seeded.catalog.close();
  });
});

describe('vocabulary files', () => {
  it('reads one label per line, YAML lists and YAML mappings; lowercases, strips and de-duplicates', () => {
    expect(parseVocabularyFile('Dress\n  hat \n# comment\n\ndress\nLong Sleeve\n').labels).toEqual([
      'dress',
      'hat',
      'long sleeve',
    ]);
    expect(parseVocabularyFile('- Dress\n- "Hat"\n- dress\n').labels).toEqual(['dress', 'hat']);
    const v = parseVocabularyFile(
      'labels: [Beach, Dog]\nanimals: [cat, dog]\ntop_k: 3\nthreshold: 0.2\ntemplate: "a picture of {label}"\n' +
        'gear:\n  - make: Canon\n    model: /EOS R\\d/\n    term: Canon EOS R\n  - model: iPhone\n    term: phone\n',
    );
    expect(v).toMatchObject({
      labels: ['beach', 'dog', 'cat'],
      topK: 3,
      threshold: 0.2,
      template: 'a picture of {label}',
    });
    expect(gearTerms(v.gear, 'Canon', 'Canon EOS R5')).toEqual(['canon eos r']);
    expect(gearTerms(v.gear, 'Apple', 'iPhone 15 Pro')).toEqual(['phone']);
    expect(gearTerms(v.gear, 'Nikon', 'Z6')).toEqual([]);
    expect(gearTerms(v.gear, null, null)).toEqual([]);
  });

  it('loads the original tagging spec verbatim: categories of plain labels, gear as plain camera names', () => {
    const spec = [
      'subjects:',
      '  - beach',
      '  - Blue Glass',
      'people_concepts: [profile, hands]',
      'places_coarse:',
      '  - Venice',
      'gear:',
      '  - Pentax67',
      '  - Canon EOS 5D',
      '  - iPhone',
    ].join('\n');
    const v = parseVocabularyFile(spec);
    expect(v.labels).toEqual(['beach', 'blue glass', 'profile', 'hands', 'venice']);
    expect(gearTerms(v.gear, 'PENTAX', 'PENTAX 67')).toEqual(['pentax67']);
    expect(gearTerms(v.gear, 'Canon', 'Canon EOS 5D Mark II')).toEqual(['canon eos 5d']);
    expect(gearTerms(v.gear, 'Apple', 'iPhone 15 Pro')).toEqual(['iphone']);
    expect(gearTerms(v.gear, 'Pentax', 'K10D')).toEqual([]);
    expect(() => parseVocabularyFile('gear:\n  - " - "\n')).toThrow(/gear entry 1 is empty/);
  });

  it('rejects bad settings with a message that names them', () => {
    expect(() => parseVocabularyFile('labels: [a]\ntop_k: 0\n')).toThrow(/top_k must be a whole number/);
    expect(() => parseVocabularyFile('labels: [a]\ntemplate: "photo"\n')).toThrow(
      /template must contain \{label\}/,
    );
    expect(() => parseVocabularyFile('gear:\n  - term: x\n')).toThrow(VocabularyError);
    expect(() => parseVocabularyFile('gear:\n  - model: "/[/"\n    term: x\n')).toThrow(
      /bad regular expression/,
    );
  });
});

describe('what clustering reads from the catalog', () => {
  const EMBED_TEXT: EmbedSettings = { ...EMBED, textModel: 'minilm' };

  function addCaptionVector(seeded: ReturnType<typeof seedRun>, rel: string, vector: number[]): void {
    const w = seeded.catalog.runs.workList(seeded.runId).find((x) => x.relPath === rel)!;
    seeded.catalog.embeddings.upsertMany(
      [{ photoId: w.photoId, kind: 'caption', model: 'minilm', vector: Float32Array.from(vector) }],
      seeded.runId,
    );
  }

  it('leaves out broken vectors (not finite, all zero), names them, and reports those photos unclustered', () => {
    const photos: FakePhoto[] = [
      ...Array.from({ length: 6 }, (_, i) => ({
        rel: `ok${i}.jpg`,
        status: 'success' as const,
        caption: 'x',
        vector: around(0, i),
      })),
      { rel: 'nan.jpg', status: 'success', caption: 'x', vector: [NaN, ...around(0, 9).slice(1)] },
      { rel: 'zero.jpg', status: 'success', caption: 'x', vector: new Array(16).fill(0) },
    ];
    const seeded = seedRun(photos);
    const logged: string[] = [];
    const staged = stageClusterInputFiles(
      seeded.catalog,
      seeded.dataDir,
      { runId: seeded.runId, space: 'image', embed: EMBED, withImageFile: false },
      (m) => logged.push(m),
    );
    expect(staged).toMatchObject({ rows: 6, missing: 2 });
    expect(logged.join('\n')).toMatch(/2 photo\(s\) have broken embeddings .*nan\.jpg, zero\.jpg/);
    seeded.catalog.close();
  });

  it("clusters by caption vectors, or by both with the library's mean caption for a photo without one", async () => {
    const photos: FakePhoto[] = [];
    for (let i = 0; i < 10; i++)
      photos.push({ rel: `a${i}.jpg`, status: 'success', caption: 'a', vector: around(0, i) });
    for (let i = 0; i < 10; i++)
      photos.push({ rel: `b${i}.jpg`, status: 'success', caption: 'b', vector: around(1, i) });
    photos.push({ rel: 'a-failed.jpg', status: 'error_api', vector: around(0, 50) });
    const seeded = seedRun(photos);
    // Caption vectors agree with the images, except that the failed photo has none.
    photos.forEach((p, i) => {
      if (p.status === 'success')
        addCaptionVector(seeded, p.rel, around(p.rel.startsWith('a') ? 2 : 3, 100 + i));
    });
    const groups = async (space: 'caption' | 'both') => {
      const staged = stageClusterInputFiles(seeded.catalog, seeded.dataDir, {
        runId: seeded.runId,
        space,
        embed: EMBED_TEXT,
        withImageFile: false,
      });
      const params = {
        ...DEFAULT_CLUSTER_PARAMS,
        mode: 'cosine-threshold' as const,
        minClusterSize: 2,
        threshold: 0.8,
      };
      const { result } = await runClusterLibrary(
        { runId: seeded.runId, file: staged.file, params },
        () => undefined,
      );
      const ids = seeded.catalog.runs.workList(seeded.runId);
      const clusterOf = (rel: string) =>
        result.members.find((m) => m.photoId === ids.find((w) => w.relPath === rel)!.photoId)?.cluster;
      return { staged, clusterOf };
    };
    const byCaption = await groups('caption');
    expect(byCaption.staged).toMatchObject({ rows: 20, missing: 1 });
    expect(byCaption.clusterOf('a0.jpg')).not.toBe(byCaption.clusterOf('b0.jpg'));
    const both = await groups('both');
    expect(both.staged).toMatchObject({ rows: 21, missing: 0, dim: 32 });
    expect(both.clusterOf('a-failed.jpg')).toBe(both.clusterOf('a0.jpg'));
    expect(both.clusterOf('a0.jpg')).not.toBe(both.clusterOf('b0.jpg'));
    seeded.catalog.close();
  });

  it('time-window mode sees only trusted capture dates, read as wall-clock time', () => {
    const photos: FakePhoto[] = ['exif.jpg', 'guessed.jpg', 'none.jpg'].map((rel, i) => ({
      rel,
      status: 'success' as const,
      caption: 'x',
      vector: around(0, i),
    }));
    const seeded = seedRun(photos);
    const [exif, guessed] = seeded.catalog.runs.workList(seeded.runId);
    for (const w of [exif, guessed])
      seeded.catalog.metadata.upsert({ photoId: w.photoId, hasGps: false, keywords: [], hierarchical: [] });
    seeded.catalog.metadata.setResolvedDate(exif.photoId, '2021-03-28T01:30:00', 0.95, 'exif-original');
    seeded.catalog.metadata.setResolvedDate(guessed.photoId, '2019-07-01T12:00:00', 0.3, 'path');
    const staged = stageClusterInputFiles(seeded.catalog, seeded.dataDir, {
      runId: seeded.runId,
      space: 'image',
      embed: EMBED,
      withImageFile: false,
    });
    const { header } = readMatrixFile(staged.file);
    expect(header.times).toEqual([Date.UTC(2021, 2, 28, 1, 30), null, null]);
    seeded.catalog.close();
  });

  it("tagging again replaces the run's earlier vocabulary keywords and keeps the user's own", async () => {
    const photos: FakePhoto[] = Array.from({ length: 4 }, (_, i) => ({
      rel: `p${i}.jpg`,
      status: 'success' as const,
      caption: 'x',
      vector: around(0, i),
    }));
    const seeded = seedRun(photos);
    const ids = seeded.catalog.runs.workList(seeded.runId).map((w) => w.photoId);
    seeded.catalog.keywords.importUserKeywords(ids[0], [{ layer: 'CK', term: 'beach', path: 'CK|beach' }]);
    const staged = stageClusterInputFiles(seeded.catalog, seeded.dataDir, {
      runId: seeded.runId,
      space: 'image',
      embed: EMBED,
      withImageFile: false,
    });
    const settings = (labels: string[]): ClusterSettings => ({
      space: 'image',
      params: { ...DEFAULT_CLUSTER_PARAMS, mode: 'cosine-threshold', minClusterSize: 2 },
      vocabulary: { labels, template: 'a photo of {label}', topK: 1, threshold: 0.5, gear: [] },
    });
    const clustered = await runClusterLibrary(
      { runId: seeded.runId, file: staged.file, params: settings([]).params },
      () => undefined,
    );
    const tag = (labels: string[]) =>
      persistClustering(
        seeded.catalog,
        { runId: seeded.runId, settings: settings(labels), clustersFile: clustered.file },
        {
          result: clustered.result,
          scored: ids.map((photoId) => ({
            photoId,
            model: 'clip',
            top: [{ label: labels[0], score: 0.9 }],
            approved: [labels[0]],
          })),
        },
      );
    tag(['beach']);
    tag(['mountain']);
    const keywords = (id: number) =>
      seeded.catalog.keywords
        .keywordsOf(id)
        .map((k) => `${k.term}:${k.sources.map((s) => s.source).join('+')}:${k.state}`)
        .sort();
    expect(keywords(ids[0])).toEqual(['beach:user:approved', 'mountain:vocabulary:clip:approved']);
    expect(keywords(ids[1])).toEqual(['mountain:vocabulary:clip:approved']);
    seeded.catalog.close();
  });

  it('command-line vocabulary settings win over the file', () => {
    expect(
      parseVocabularyFile('labels: [a, b]\ntop_k: 5\nthreshold: 0.3\n', { topK: 2, threshold: 0.05 }),
    ).toMatchObject({
      topK: 2,
      threshold: 0.05,
    });
    expect(() => parseVocabularyFile('labels: [a]\n', { topK: 0 })).toThrow(/top_k must be a whole number/);
  });
});
