import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { CorruptImageError, decodePhoto, proxyPathFor, writeProxy } from '../src/images/loader';
import { SAMPLE_BROKEN, SAMPLE_LIBRARY, listFiles, tempDir } from './helpers/fixtures';
import { tinyTiff, truncatedCopy, warningJpeg } from './helpers/images';

const out = tempDir('pcc-proxy-');
const proxy = (name: string) => path.join(out, `${name}.jpg`);

describe('image loader', () => {
  it('writes an upright, resized, metadata-free JPEG proxy for every EXIF orientation', async () => {
    for (let o = 1; o <= 8; o++) {
      const src = path.join(SAMPLE_LIBRARY, 'orientation', `Landscape_${o}.jpg`);
      const info = await writeProxy(src, proxy(`landscape-${o}`), { longEdge: 512 });
      expect([info.width, info.height]).toEqual([512, 341]);
      const meta = await sharp(proxy(`landscape-${o}`)).metadata();
      expect(meta).toMatchObject({ format: 'jpeg', width: 512, height: 341 });
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
    }
  });

  it('strips GPS and camera EXIF from photos that carry them', async () => {
    const src = path.join(SAMPLE_LIBRARY, 'cameras', 'Canon_40D.jpg');
    expect((await sharp(src).metadata()).exif).toBeDefined();
    await writeProxy(src, proxy('canon'), { longEdge: 1024 });
    const bytes = fs.readFileSync(proxy('canon'));
    expect((await sharp(bytes).metadata()).exif).toBeUndefined();
    expect(bytes.includes(Buffer.from('Canon'))).toBe(false);
  });

  it('decodes HEIC, which sharp alone cannot, and a JPEG named .heic', async () => {
    const heic = await writeProxy(path.join(SAMPLE_LIBRARY, 'cameras', 'iphone_7.heic'), proxy('heic'), {
      longEdge: 800,
    });
    expect(heic).toMatchObject({ sourceFormat: 'heic', width: 800, height: 600 });
    const misnamed = await writeProxy(
      path.join(SAMPLE_LIBRARY, 'misnamed', 'jpeg-named.heic'),
      proxy('misnamed'),
      { longEdge: 800 },
    );
    expect(misnamed.sourceFormat).toBe('jpeg');
  });

  it('opens a DNG through its embedded preview', async () => {
    const dng = await writeProxy(path.join(SAMPLE_LIBRARY, 'raw', 'canon_eos_6d.dng'), proxy('dng'), {
      longEdge: 1024,
    });
    expect(dng.width).toBeGreaterThan(0);
  });

  it('turns every broken sample into a CorruptImageError with a reason, leaving no partial proxy', async () => {
    for (const file of listFiles(SAMPLE_BROKEN)) {
      const target = proxy(`broken-${path.basename(file)}`);
      await expect(writeProxy(file, target, { longEdge: 512 })).rejects.toThrow(CorruptImageError);
      expect(fs.existsSync(target)).toBe(false);
    }
    await expect(
      writeProxy(path.join(SAMPLE_BROKEN, 'bomb-60000x60000.png'), proxy('bomb'), { longEdge: 512 }),
    ).rejects.toThrow(/pixel limit/);
  });

  it('decodes a JPEG that only warns (stray bytes before a marker), keeping the warning as a note', async () => {
    const file = warningJpeg(
      path.join(SAMPLE_LIBRARY, 'orientation', 'Landscape_1.jpg'),
      path.join(out, 'warn.jpg'),
    );
    // The strict decode really does refuse it: this is the file that used to be called corrupt.
    await expect(sharp(file, { failOn: 'warning' }).raw().toBuffer()).rejects.toThrow(/extraneous bytes/);
    const info = await writeProxy(file, proxy('warn'), { longEdge: 512 });
    expect(info).toMatchObject({ width: 512, height: 341 });
    // (libvips words the warning itself or, with photos decoding in parallel, generically.)
    expect(info.note).toMatch(/^decoded past a warning: \S/);
    expect(
      (
        await writeProxy(path.join(SAMPLE_LIBRARY, 'orientation', 'Landscape_1.jpg'), proxy('clean'), {
          longEdge: 512,
        })
      ).note,
    ).toBeUndefined();
  });

  it('refuses a half file as truncated, saying how much decoded; --accept-truncated decodes it', async () => {
    const file = truncatedCopy(
      path.join(SAMPLE_LIBRARY, 'orientation', 'Landscape_1.jpg'),
      path.join(out, 'half.jpg'),
    );
    const refused = await decodePhoto(file, { longEdge: 256 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CorruptImageError);
    expect((refused as CorruptImageError).kind).toBe('truncated');
    const share = Number(/about (\d+)% of the picture decoded/.exec((refused as Error).message)?.[1]);
    expect(share).toBeGreaterThan(20);
    expect(share).toBeLessThan(90);
    expect((refused as Error).message).toMatch(/--accept-truncated/);
    const accepted = await decodePhoto(file, {
      longEdge: 256,
      acceptTruncated: true,
      proxyPath: proxy('half'),
    });
    expect(accepted.note).toMatch(/^truncated: .*accepted with --accept-truncated/);
    expect(fs.existsSync(proxy('half'))).toBe(true);
  });

  it('decodes a TIFF variant libvips refuses with the fallback decoder, or names the format as unsupported', async () => {
    const lab = tinyTiff(
      { width: 16, height: 8, samplesPerPixel: 3, photometric: 8 },
      path.join(out, 'lab.tif'),
    );
    await expect(sharp(lab).raw().toBuffer()).rejects.toThrow();
    expect(await decodePhoto(lab, { longEdge: 64 })).toMatchObject({
      sourceFormat: 'tiff',
      width: 16,
      height: 8,
    });
    const odd = tinyTiff({ width: 16, height: 8, samplesPerPixel: 1 }, path.join(out, 'nophotometric.tif'));
    const err = await decodePhoto(odd, { longEdge: 64 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptImageError);
    expect((err as CorruptImageError).kind).toBe('unsupported_format');
    expect((err as Error).message).toMatch(/^unsupported_format: a TIFF variant/);
  });

  it('names why each broken sample gave no picture', async () => {
    const kinds = new Map<string, string>();
    for (const file of listFiles(SAMPLE_BROKEN)) {
      const err = await decodePhoto(file, { longEdge: 128 }).catch((e: unknown) => e);
      kinds.set(path.basename(file), (err as CorruptImageError).kind);
    }
    expect(Object.fromEntries(kinds)).toMatchObject({
      'empty.jpg': 'not_an_image',
      'text.jpg': 'not_an_image',
      'html-page.jpeg': 'not_an_image',
      'half.jpg': 'truncated',
      'truncated.jpg': 'truncated',
      'truncated.png': 'truncated',
      'bomb-60000x60000.png': 'too_large',
    });
  });

  it('addresses proxies by content hash', () => {
    expect(proxyPathFor('/data', 'abcdef', 1024)).toBe('/data/proxies/1024/ab/abcdef.jpg');
  });
});
