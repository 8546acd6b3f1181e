import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { CorruptImageError, proxyPathFor, writeProxy } from '../src/images/loader';
import { SAMPLE_BROKEN, SAMPLE_LIBRARY, listFiles, tempDir } from './helpers/fixtures';

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

  it('addresses proxies by content hash', () => {
    expect(proxyPathFor('/data', 'abcdef', 1024)).toBe('/data/proxies/1024/ab/abcdef.jpg');
  });
});
