/**
 * The studio-black vs night rule on pixel fixtures (PNG: exact pixel shares) and EXIF values on
 * both sides of each threshold.
 */
import path from 'node:path';
import sharp from 'sharp';
import { darkRatio, lightOfFile, medianLuma, type LightStats } from '../src/images/light';
import { DEFAULT_STUDIO_NIGHT, shutterSeconds, studioVerdict } from '../src/tags/studio-night';
import { tempDir } from './helpers/fixtures';

/** A 100×100 picture whose first `darkRows` rows are near-black (grey 5) and the rest grey `lit`. */
async function fixture(darkRows: number, lit: number): Promise<LightStats> {
  const px = Buffer.alloc(100 * 100 * 3);
  for (let y = 0; y < 100; y++) px.fill(y < darkRows ? 5 : lit, y * 300, (y + 1) * 300);
  const file = path.join(tempDir('pcc-light-'), `f-${darkRows}-${lit}.png`);
  await sharp(px, { raw: { width: 100, height: 100, channels: 3 } })
    .png()
    .toFile(file);
  return lightOfFile(file);
}

const studio = { personScore: 0.9, iso: 200, exposureTime: '1/125' };

describe('studio black vs night', () => {
  it('measures dark share and median from the pixels', async () => {
    const light = await fixture(70, 220);
    expect(darkRatio(light, 0.08)).toBeCloseTo(0.7, 5);
    expect(medianLuma(light)).toBeLessThan(0.08);
    expect(medianLuma(await fixture(30, 220))).toBeGreaterThan(0.8);
  });

  it('fires on a flash-lit portrait on black and suppresses night by default', async () => {
    const v = studioVerdict({ light: await fixture(75, 230), ...studio });
    expect(v.fires).toBe(true);
    expect(v.score).toBeGreaterThan(0.9);
    expect(v.why).toMatch(/✓ dark 0\.75/);
    expect(DEFAULT_STUDIO_NIGHT.suppress).toContain('night');
  });

  it('dark share: 0.66 fires, 0.64 does not (threshold 0.65)', async () => {
    expect(studioVerdict({ light: await fixture(66, 230), ...studio }).fires).toBe(true);
    const v = studioVerdict({ light: await fixture(64, 230), ...studio });
    expect(v.fires).toBe(false);
    expect(v.why).toMatch(/✗ dark 0\.64/);
  });

  it('a person must be present: 0.5 fires, 0.49 and unknown do not', async () => {
    const light = await fixture(75, 230);
    expect(studioVerdict({ light, ...studio, personScore: 0.5 }).fires).toBe(true);
    expect(studioVerdict({ light, ...studio, personScore: 0.49 }).fires).toBe(false);
    expect(studioVerdict({ light, ...studio, personScore: undefined }).why).toMatch(/✗ person unknown/);
  });

  it('ISO: 1600 fires, 1601 and unknown do not', async () => {
    const light = await fixture(75, 230);
    expect(studioVerdict({ light, ...studio, iso: 1600 }).fires).toBe(true);
    expect(studioVerdict({ light, ...studio, iso: 1601 }).fires).toBe(false);
    expect(studioVerdict({ light, ...studio, iso: undefined }).fires).toBe(false);
  });

  it('shutter: 1/200 and 1/30 fire, 1/250, 1/25 and a 2 s exposure do not', async () => {
    const light = await fixture(75, 230);
    for (const t of ['1/200', '1/30', '0.01'])
      expect(studioVerdict({ light, ...studio, exposureTime: t }).fires).toBe(true);
    for (const t of ['1/250', '1/25', '2', 'bulb', undefined])
      expect(studioVerdict({ light, ...studio, exposureTime: t }).fires).toBe(false);
  });

  it('a clear flash mode raises the score over a dim one; thresholds come from the settings', async () => {
    const flash = studioVerdict({ light: await fixture(75, 230), ...studio });
    const dim = studioVerdict({ light: await fixture(75, 60), ...studio });
    expect(dim.fires).toBe(true);
    expect(flash.score).toBeGreaterThan(dim.score);
    const strict = { ...DEFAULT_STUDIO_NIGHT, minDarkRatio: 0.8 };
    expect(studioVerdict({ light: await fixture(75, 230), ...studio }, strict).fires).toBe(false);
  });

  it('reads shutter speeds as ExifTool prints them', () => {
    expect(shutterSeconds('1/125')).toBeCloseTo(0.008);
    expect(shutterSeconds('0.5')).toBe(0.5);
    expect(shutterSeconds('30')).toBe(30);
    expect(shutterSeconds('=1/0')).toBeUndefined();
    expect(shutterSeconds('')).toBeUndefined();
  });
});
