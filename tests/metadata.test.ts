/** Inventory (ExifTool), date resolution, RAW/HEIC proxies, upright thumbnails, near-duplicate hashes. */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { endExiftool, exiftool } from '../src/images/exiftool';
import { metadataFromTags, readInventory, readInventoryBatch } from '../src/images/inventory';
import { decodePhoto, dhashDistance } from '../src/images/loader';
import { DATE_TRUST_THRESHOLD, pathDate, resolveDates } from '../src/library/dates';
import { SAMPLE_LIBRARY, SHARED, tempDir } from './helpers/fixtures';

const KEYWORDS = path.join(SHARED, 'photos', 'keywords');

afterAll(() => endExiftool());

describe('inventory', () => {
  const dump = (name: string) => JSON.parse(fs.readFileSync(path.join(KEYWORDS, `${name}.json`), 'utf8'))[0];
  const exifDate = (s: string) => s.replace(/^(\d{4}):(\d\d):(\d\d) /, '$1-$2-$3T');

  it.each(['keywords', 'digikam'])('%s.jpg: values match the shipped ExifTool dump', async (name) => {
    const expected = dump(name);
    const m = await readInventory(1, path.join(KEYWORDS, `${name}.jpg`));
    expect(m.make).toBe(expected.Make);
    expect(m.model).toBe(expected.Model);
    expect(m.lens).toBe(expected.LensModel);
    expect(m.dateOriginal).toBe(exifDate(expected.DateTimeOriginal));
    expect(m.createDate).toBe(exifDate(expected.CreateDate));
    expect(m.modifyDate).toBe(exifDate(expected.ModifyDate));
    expect(m.iso).toBe(expected.ISO);
    expect(m.fNumber).toBe(expected.FNumber);
    expect(m.exposureTime).toBe(expected.ExposureTime);
    expect(m.hasGps).toBe(expected.GPSLatitude !== undefined);
    const keywords = [...new Set([...(expected.Subject ?? []), ...(expected.Keywords ?? [])])].sort();
    expect([...m.keywords].sort()).toEqual(keywords);
    if (expected.HierarchicalSubject)
      expect(m.hierarchical).toEqual(expect.arrayContaining(expected.HierarchicalSubject));
  });

  it('the per-batch reader (one ExifTool request for many files) gives the same inventory', async () => {
    const files = ['keywords', 'digikam'].map((n, i) => ({
      photoId: i + 1,
      absPath: path.join(KEYWORDS, `${n}.jpg`),
    }));
    const batch = await readInventoryBatch([
      ...files,
      { photoId: 9, absPath: path.join(SAMPLE_LIBRARY, 'orientation', 'Portrait_8.jpg') },
    ]);
    for (const f of files) {
      // The batch reader agrees with exiftool-vendored's own per-file read.
      const single = metadataFromTags(f.photoId, await exiftool().read(f.absPath));
      expect({ ...batch.get(f.photoId), fileMtime: undefined }).toEqual({ ...single, fileMtime: undefined });
    }
    expect(batch.get(9)?.orientation).toBe(8);
  });

  it('reads orientation as a number and records dimensions', async () => {
    const m = await readInventory(1, path.join(SAMPLE_LIBRARY, 'orientation', 'Landscape_6.jpg'));
    expect(m.orientation).toBe(6);
    expect([m.width, m.height]).toEqual([1200, 1800]);
  });
});

describe('date resolver', () => {
  it('finds dates in paths: YYYY-MM-DD, YYYYMMDD, YYYY_MM, YYYY', () => {
    expect(pathDate('2019-06-01 Beach/IMG_1.jpg')).toEqual({ date: '2019-06-01T12:00:00', precision: 'day' });
    expect(pathDate('scans/20190601_0001.jpg')?.precision).toBe('day');
    expect(pathDate('2018_07/a.jpg')).toEqual({ date: '2018-07-15T12:00:00', precision: 'month' });
    expect(pathDate('Archive/1998/a.jpg')?.precision).toBe('year');
    expect(pathDate('IMG_4032.jpg')).toBeUndefined();
  });

  it('trusts EXIF confirmed by the path; falls back to the path or mtime when EXIF is missing', () => {
    const [confirmed, pathOnly, mtimeOnly] = resolveDates([
      { photoId: 1, relPath: '2019-06-01/a.jpg', dateOriginal: '2019-06-01T10:00:00' },
      { photoId: 2, relPath: '2019-06-01/b.jpg' },
      { photoId: 3, relPath: 'misc/c.jpg', fileMtime: '2024-01-01T00:00:00' },
    ]);
    expect(confirmed).toMatchObject({ date: '2019-06-01T10:00:00', source: 'exif-original' });
    expect(confirmed.trust).toBeGreaterThanOrEqual(0.95);
    expect(pathOnly).toMatchObject({ date: '2019-06-01T12:00:00', source: 'path' });
    expect(pathOnly.trust).toBeGreaterThanOrEqual(DATE_TRUST_THRESHOLD);
    expect(mtimeOnly).toMatchObject({ source: 'file-mtime' });
    expect(mtimeOnly.trust).toBeLessThan(DATE_TRUST_THRESHOLD);
  });

  it('downgrades an EXIF date years away from its folder while the path disagrees', () => {
    const folder = ['a', 'b', 'c', 'd'].map((n, i) => ({
      photoId: i + 1,
      relPath: `2015/2015-08-10 Rome/${n}.jpg`,
      dateOriginal: `2015-08-10T1${i}:00:00`,
    }));
    const wrong = { photoId: 9, relPath: '2015/2015-08-10 Rome/e.jpg', dateOriginal: '2003-01-01T00:00:00' }; // camera clock reset
    const resolved = resolveDates([...folder, wrong]);
    const e = resolved.find((r) => r.photoId === 9)!;
    expect(e).toMatchObject({ date: '2015-08-10T12:00:00', source: 'path' });
    expect(e.trust).toBeLessThan(DATE_TRUST_THRESHOLD);
    expect(resolved.filter((r) => r.photoId !== 9).every((r) => r.trust >= 0.95)).toBe(true);
  });

  it('a photo with no clue at all has trust 0', () => {
    expect(resolveDates([{ photoId: 1, relPath: 'x.jpg' }])[0]).toMatchObject({ trust: 0, source: 'none' });
  });
});

describe('proxies, thumbnails and near-duplicates', () => {
  const out = tempDir('pcc-thumbs-');

  it('thumbnails all eight EXIF orientations upright (512 px, landscape stays landscape)', async () => {
    const hashes: string[] = [];
    for (let o = 1; o <= 8; o++) {
      for (const shape of ['Landscape', 'Portrait']) {
        const thumb = path.join(out, `${shape}_${o}.jpg`);
        const info = await decodePhoto(path.join(SAMPLE_LIBRARY, 'orientation', `${shape}_${o}.jpg`), {
          longEdge: 1024,
          thumbPath: thumb,
        });
        const meta = await sharp(thumb).metadata();
        expect(Math.max(meta.width!, meta.height!)).toBe(512);
        expect(meta.width! > meta.height!).toBe(shape === 'Landscape');
        expect(meta.orientation).toBeUndefined();
        if (shape === 'Landscape') hashes.push(info.dhash);
      }
    }
    // The same picture in eight orientations: near-identical once upright.
    for (const h of hashes) expect(dhashDistance(h, hashes[0])).toBeLessThanOrEqual(6);
    const other = await decodePhoto(path.join(SAMPLE_LIBRARY, 'cameras', 'Canon_40D.jpg'), { longEdge: 256 });
    expect(dhashDistance(other.dhash, hashes[0])).toBeGreaterThan(10);
  });

  it('the dHash from the small copy is the one the decoded pixels gave (catalogs hold both)', async () => {
    const files = fs
      .readdirSync(path.join(SAMPLE_LIBRARY, 'cameras'))
      .filter((f) => f.endsWith('.jpg'))
      .map((f) => path.join(SAMPLE_LIBRARY, 'cameras', f));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const { dhash } = await decodePhoto(file, { longEdge: 512 });
      // Before: the 9×8 resize of the decoded (≤ 512 px) pixels.
      const decoded = await sharp(file)
        .autoOrient()
        .resize(512, 512, { fit: 'inside', withoutEnlargement: true })
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      const px = await sharp(decoded.data, {
        raw: { width: decoded.info.width, height: decoded.info.height, channels: decoded.info.channels },
      })
        .resize(9, 8, { fit: 'fill' })
        .grayscale()
        .raw()
        .toBuffer();
      let bits = 0n;
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) bits = (bits << 1n) | (px[y * 9 + x] > px[y * 9 + x + 1] ? 1n : 0n);
      expect(dhashDistance(dhash, bits.toString(16).padStart(16, '0'))).toBeLessThanOrEqual(1);
    }
  });

  it('the DNG and the HEIC files get proxies and thumbnails', async () => {
    for (const [file, raw] of [
      [path.join(SAMPLE_LIBRARY, 'raw', 'canon_eos_6d.dng'), true],
      [path.join(SAMPLE_LIBRARY, 'cameras', 'iphone_7.heic'), false],
      [path.join(SAMPLE_LIBRARY, 'immich', 'formats', 'heic', 'IMG_2682.heic'), false],
    ] as const) {
      const proxyPath = path.join(out, `${path.basename(file)}.proxy.jpg`);
      const thumbPath = path.join(out, `${path.basename(file)}.thumb.jpg`);
      const info = await decodePhoto(file, { longEdge: 1024, proxyPath, thumbPath, raw });
      expect(info.width).toBeGreaterThan(100);
      expect((await sharp(proxyPath).metadata()).format).toBe('jpeg');
      expect((await sharp(thumbPath).metadata()).format).toBe('jpeg');
    }
  });
});
