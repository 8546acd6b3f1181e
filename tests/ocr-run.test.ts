/**
 * OCR in a run, end to end: `pcc run --cluster --ocr all` on the sample photos with text reads them
 * with the real PaddleOCR models on the cpu queue, stores the text for search, proposes the
 * confident words as AI keywords (source ocr:paddleocr-v4, waiting for a person), and a second run
 * reads nothing again. The load stage stores each photo's luma histogram (studio vs night).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { darkRatio, medianLuma } from '../src/images/light';
import { SAMPLE_LIBRARY, SHARED, catalogOf, tempDir } from './helpers/fixtures';
import { runPcc, startTestServer, testEnv } from './helpers/processes';

describe('OCR in a library run', () => {
  let server: TemporalEndpoint;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reads every photo once, keeps the text and proposes the words', async () => {
    const lib = tempDir('pcc-ocrlib-');
    const album = path.join(SAMPLE_LIBRARY, 'immich', 'albums', 'text');
    for (const f of ['craft-beer.jpg', 'japanese-shop.jpg', 'handwritten-notes.jpg'])
      fs.copyFileSync(path.join(album, f), path.join(lib, f));
    const { dataDir, env } = testEnv({
      TEMPORAL_ADDRESS: server.address,
      PCC_MODELS_DIR: path.join(SHARED, 'models'),
    });
    const args = ['run', lib, '--backend', 'mock', '--cluster', '--ocr', 'all', '--nsfw-check', 'off'];
    expect(await runPcc(args, env)).toMatch(/Text \(OCR, on this machine\): 3 photos read, 3 with text/);

    const first = catalogOf(dataDir, (c) => {
      const byName = new Map<string, number>();
      for (const f of ['craft-beer.jpg', 'japanese-shop.jpg', 'handwritten-notes.jpg'])
        byName.set(f, c.photos.knownPath(path.join(lib, f))!.photoId);
      const texts = new Map([...byName].map(([f, id]) => [f, c.texts.of(id)]));
      const keywords = c.keywords.find({ photoIds: [byName.get('craft-beer.jpg')!], layer: 'AI' });
      const light = new Map([...byName].map(([f, id]) => [f, c.metadata.light(id)]));
      return { byName, texts, keywords, light };
    });
    // Light measured at load from the thumbnail: the night street is darker than the taproom.
    const night = first.light.get('japanese-shop.jpg')!;
    const bar = first.light.get('craft-beer.jpg')!;
    expect(night.histogram.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(darkRatio(night, 0.08)).toBeGreaterThan(darkRatio(bar, 0.08));
    expect(medianLuma(night)).toBeLessThan(medianLuma(bar));
    const beer = first.texts.get('craft-beer.jpg')!;
    expect(beer).toHaveLength(1);
    expect(beer[0].model).toBe('paddleocr-v4');
    expect(beer[0].text).toMatch(/SEASONAL/);
    expect(first.texts.get('japanese-shop.jpg')![0].text).toMatch(/KIRIN/);
    const ocrTerms = first.keywords.filter((k) => k.sources.some((x) => x.sourceKind === 'ocr'));
    expect(ocrTerms.map((k) => k.term)).toEqual(expect.arrayContaining(['seasonal', 'session', 'barrel']));
    // Freeform words wait for a person (the default policy approves no OCR term).
    for (const k of ocrTerms) {
      expect(k.state).toBe('proposed');
      expect(k.sources.map((x) => x.source)).toContain('ocr:paddleocr-v4');
      expect(k.score).toBeGreaterThanOrEqual(0.75);
    }

    // A second run reads nothing again: the stored text keeps its time, its words are proposed again.
    expect(await runPcc(args, env)).toMatch(/0 photos read, 0 with text, 3 read before/);
    catalogOf(dataDir, (c) => {
      for (const [f, id] of first.byName)
        expect(c.texts.of(id)[0].readAt).toBe(first.texts.get(f)![0].readAt);
      const again = c.keywords.find({ photoIds: [first.byName.get('craft-beer.jpg')!], layer: 'AI' });
      expect(again.filter((k) => k.sources.some((x) => x.sourceKind === 'ocr')).map((k) => k.term)).toEqual(
        expect.arrayContaining(['seasonal', 'session', 'barrel']),
      );
    });
  }, 300_000);
});
