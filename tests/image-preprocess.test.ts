/**
 * The sharp preprocessing of image-embedding models (src/models/image-preprocess.ts): the plan it
 * reads from preprocessor_config.json, exact values on images whose answer is known, agreement
 * with transformers.js's own processor on real photos, and the fallback for configs it does not do.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type * as Transformers from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import { pixelPlan, preprocessInto, sourceEdgeOf, type PixelPlan } from '../src/models/image-preprocess';
import { chunkStarts, configureLocalModels, embedImages } from '../src/models/embedder';
import { decodePhoto, thumbnailShortEdgeOf, writeProxy } from '../src/images/loader';
import { SAMPLE_LIBRARY, SHARED, tempDir } from './helpers/fixtures';

const transformers = require('@huggingface/transformers') as typeof Transformers;
const MODELS = path.join(SHARED, 'models');
const CLIP = 'Xenova/clip-vit-base-patch32';
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

/** A model folder whose preprocessor_config.json is CLIP's with `change` applied. */
function folderWith(change: (config: Record<string, unknown>) => void): string {
  const dir = tempDir('pcc-preprocess-');
  const config = JSON.parse(fs.readFileSync(path.join(MODELS, CLIP, 'preprocessor_config.json'), 'utf8'));
  change(config);
  fs.writeFileSync(path.join(dir, 'preprocessor_config.json'), JSON.stringify(config));
  return dir;
}

async function tensorOf(file: string, plan: PixelPlan): Promise<Float32Array> {
  const out = new Float32Array(3 * plan.width * plan.height);
  await preprocessInto(file, plan, out, 0);
  return out;
}

function correlation(a: Float32Array, b: ArrayLike<number>): number {
  let sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0; // prettier-ignore
  const n = a.length;
  for (let i = 0; i < n; i++) {
    sa += a[i];
    sb += b[i];
    sab += a[i] * b[i];
    saa += a[i] * a[i];
    sbb += b[i] * b[i];
  }
  return (sab - (sa * sb) / n) / Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
}

describe('image preprocessing for embedding models', () => {
  it("reads the plan from the model's config, and declines configs it does not do", () => {
    expect(pixelPlan(path.join(MODELS, CLIP))).toEqual({
      resize: { width: 224, height: 224, fit: 'outside', kernel: 'cubic', fastShrinkOnLoad: false },
      width: 224,
      height: 224,
      scale: 1 / 255,
      mean: CLIP_MEAN,
      std: CLIP_STD,
    });
    // SigLIP's shape: a fixed size, no crop, bilinear.
    const siglip = folderWith((c) => {
      c.size = { height: 256, width: 256 };
      c.do_center_crop = false;
      delete c.crop_size;
      c.resample = 2;
    });
    expect(pixelPlan(siglip)).toMatchObject({
      resize: { width: 256, height: 256, fit: 'fill', kernel: 'linear' },
      width: 256,
      height: 256,
    });
    expect(pixelPlan(folderWith((c) => (c.do_pad = true)))).toBeUndefined();
    expect(pixelPlan(folderWith((c) => (c.resample = 1)))).toBeUndefined(); // Lanczos: not done here
    expect(pixelPlan(folderWith((c) => (c.crop_size = { height: 300, width: 300 })))).toBeUndefined();
    expect(pixelPlan(tempDir('pcc-no-config-'))).toBeUndefined();
    // The short side a source needs so it is only ever scaled down: CLIP's 224, SigLIP's 256.
    expect(sourceEdgeOf(pixelPlan(path.join(MODELS, CLIP))!)).toBe(224);
    expect(sourceEdgeOf(pixelPlan(siglip)!)).toBe(256);
  });

  it('decides from the thumbnail size whether a photo can be embedded from its thumbnail', () => {
    expect(thumbnailShortEdgeOf(4000, 3000)).toBe(384); // fitted inside 512
    expect(thumbnailShortEdgeOf(3000, 400)).toBe(68); // a panorama: below 224
    expect(thumbnailShortEdgeOf(300, 200)).toBe(200); // never enlarged
    expect(thumbnailShortEdgeOf(600, 2400, 1024)).toBe(256);
  });

  it('starts each activity with a small inference batch, then full ones', () => {
    expect(chunkStarts(64, 16)).toEqual([0, 4, 20, 36, 52]);
    expect(chunkStarts(3, 16)).toEqual([0]);
    expect(chunkStarts(0, 16)).toEqual([]);
    expect(chunkStarts(3, 1)).toEqual([0, 1, 2]);
  });

  it('gives exact values on a flat colour and keeps channels and the centre crop in place', async () => {
    const plan = pixelPlan(path.join(MODELS, CLIP))!;
    const dir = tempDir('pcc-preprocess-img-');
    const flat = path.join(dir, 'flat.png');
    await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 100, b: 50 } } })
      .png()
      .toFile(flat);
    const t = await tensorOf(flat, plan);
    const area = 224 * 224;
    [200, 100, 50].forEach((v, c) => {
      const want = (v / 255 - CLIP_MEAN[c]) / CLIP_STD[c];
      expect(Math.min(...t.subarray(c * area, (c + 1) * area))).toBeCloseTo(want, 4);
      expect(Math.max(...t.subarray(c * area, (c + 1) * area))).toBeCloseTo(want, 4);
    });
    // 672×224, left third red, middle green, right third blue: the crop is the green middle.
    const thirds = path.join(dir, 'thirds.png');
    const band = (r: number, g: number, b: number) =>
      sharp({ create: { width: 224, height: 224, channels: 3, background: { r, g, b } } })
        .png()
        .toBuffer();
    await sharp({ create: { width: 672, height: 224, channels: 3, background: { r: 0, g: 0, b: 0 } } })
      .composite([
        { input: await band(255, 0, 0), left: 0, top: 0 },
        { input: await band(0, 255, 0), left: 224, top: 0 },
        { input: await band(0, 0, 255), left: 448, top: 0 },
      ])
      .png()
      .toFile(thirds);
    const g = await tensorOf(thirds, plan);
    const at = (c: number, x: number, y: number) => g[c * area + y * 224 + x];
    for (const [x, y] of [
      [5, 5],
      [112, 112],
      [218, 218],
    ]) {
      // prettier-ignore
      expect(at(0, x, y)).toBeCloseTo((0 - CLIP_MEAN[0]) / CLIP_STD[0], 3);
      expect(at(1, x, y)).toBeCloseTo((1 - CLIP_MEAN[1]) / CLIP_STD[1], 3);
      expect(at(2, x, y)).toBeCloseTo((0 - CLIP_MEAN[2]) / CLIP_STD[2], 3);
    }
  });

  it("a review thumbnail gives nearly its original's tensor (what embedders read instead of a proxy)", async () => {
    const plan = pixelPlan(path.join(MODELS, CLIP))!;
    const dir = tempDir('pcc-preprocess-thumb-');
    for (const rel of [
      'immich/albums/text/craft-beer.jpg', // 6000×4000 with fine print
      'orientation/Landscape_0.jpg',
      'cameras/Canon_40D.jpg',
    ]) {
      const original = path.join(SAMPLE_LIBRARY, rel);
      const thumb = path.join(dir, `${path.basename(rel)}.thumb.jpg`);
      // As load writes it when no stage wants a proxy: one decode at the thumbnail's size.
      await decodePhoto(original, { longEdge: 1024, thumbPath: thumb });
      expect(correlation(await tensorOf(thumb, plan), await tensorOf(original, plan))).toBeGreaterThan(0.99);
    }
  });

  it("agrees with transformers.js's processor on real photos (closely, not bit for bit)", async () => {
    const plan = pixelPlan(path.join(MODELS, CLIP))!;
    configureLocalModels(MODELS);
    const processor = await transformers.AutoProcessor.from_pretrained(CLIP);
    const dir = tempDir('pcc-preprocess-proxy-');
    for (const rel of [
      'immich/albums/text/handwritten-notes.jpg',
      'immich/metadata/gps-position/empty_gps.jpg',
    ]) {
      const proxy = path.join(dir, path.basename(rel));
      await writeProxy(path.join(SAMPLE_LIBRARY, rel), proxy, { longEdge: 1024 });
      const ours = await tensorOf(proxy, plan);
      const theirs = (await processor(await transformers.RawImage.read(proxy))) as {
        pixel_values: { data: Float32Array; dims: number[] };
      };
      expect(theirs.pixel_values.dims).toEqual([1, 3, 224, 224]);
      // transformers.js resamples without antialiasing, so fine detail (handwriting) aliases there:
      // against PIL's antialiased resize (the reference processors') ours correlates 0.998–0.9999.
      expect(correlation(ours, theirs.pixel_values.data)).toBeGreaterThan(0.95);
    }
  });

  it('a model whose config it does not do is embedded through transformers.js, same shape', async () => {
    const dir = tempDir('pcc-preprocess-models-');
    const folder = path.join(dir, ...CLIP.split('/'));
    fs.mkdirSync(folder, { recursive: true });
    for (const f of fs.readdirSync(path.join(MODELS, CLIP)))
      fs.symlinkSync(path.join(MODELS, CLIP, f), path.join(folder, f));
    fs.rmSync(path.join(folder, 'preprocessor_config.json'));
    const config = JSON.parse(fs.readFileSync(path.join(MODELS, CLIP, 'preprocessor_config.json'), 'utf8'));
    fs.writeFileSync(
      path.join(folder, 'preprocessor_config.json'),
      JSON.stringify({ ...config, do_pad: false }),
    );
    expect(pixelPlan(folder)).toBeUndefined();
    const files = ['Canon_40D.jpg', 'Nikon_D70.jpg'].map((f) => path.join(SAMPLE_LIBRARY, 'cameras', f));
    const options = { modelsDir: dir, dtype: 'fp32' as const, device: 'cpu' as const, batchSize: 2 };
    const viaProcessor = await embedImages(CLIP, files, options);
    const viaSharp = await embedImages(CLIP, files, { ...options, modelsDir: MODELS });
    expect(viaProcessor.map((v) => v.length)).toEqual([512, 512]);
    expect(viaSharp.map((v) => v.length)).toEqual([512, 512]);
  });
});
