/**
 * How light a picture is, from its review thumbnail: a luma histogram (Rec. 709 weights on the
 * encoded sRGB values, 0–1 in 50 bins of 0.02) from which any darkness threshold is read later, so
 * changing a threshold in the config never needs a decode.
 */
import sharp from 'sharp';

export const LIGHT_BINS = 50;

export interface LightStats {
  /** Share of pixels per luma bin (sums to 1). */
  histogram: number[];
}

export function lightOfPixels(data: Uint8Array, channels: number): LightStats {
  const counts = new Array<number>(LIGHT_BINS).fill(0);
  const pixels = Math.floor(data.length / channels);
  for (let i = 0; i < pixels; i++) {
    const o = i * channels;
    const luma =
      channels >= 3 ? (0.2126 * data[o] + 0.7152 * data[o + 1] + 0.0722 * data[o + 2]) / 255 : data[o] / 255;
    counts[Math.min(LIGHT_BINS - 1, Math.floor(luma * LIGHT_BINS))]++;
  }
  return { histogram: counts.map((c) => (pixels ? Math.round((c / pixels) * 1e5) / 1e5 : 0)) };
}

/** From an image file (the thumbnail), at most 256 px on the long edge. */
export async function lightOfFile(file: string): Promise<LightStats> {
  const { data, info } = await sharp(file, { failOn: 'none' })
    .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return lightOfPixels(data, info.channels);
}

/** Share of pixels darker than `luma` (to the bin: thresholds are multiples of 0.02). */
export function darkRatio(stats: LightStats, luma: number): number {
  const bins = Math.round(luma * LIGHT_BINS);
  return stats.histogram.slice(0, bins).reduce((a, b) => a + b, 0);
}

/** Share of pixels at or above `luma`. */
export function brightRatio(stats: LightStats, luma: number): number {
  const bins = Math.round(luma * LIGHT_BINS);
  return stats.histogram.slice(bins).reduce((a, b) => a + b, 0);
}

/** Median luma, interpolated within its bin. */
export function medianLuma(stats: LightStats): number {
  let below = 0;
  for (let b = 0; b < LIGHT_BINS; b++) {
    const share = stats.histogram[b];
    if (below + share >= 0.5 && share > 0) return (b + (0.5 - below) / share) / LIGHT_BINS;
    below += share;
  }
  return 1;
}
