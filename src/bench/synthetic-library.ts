/**
 * Synthetic photo libraries for benchmarks: a few base JPEGs (gradients plus noise, so they compress
 * and decode like photos) copied N times, each copy made unique by a JPEG comment segment. Every file
 * has its own SHA-1 but the same decode cost as its base, so generation is I/O bound, not CPU bound.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

export interface SyntheticOptions {
  photos: number;
  /** Fraction of 4000×3000 photos; the rest are 1024×768. */
  largeFraction: number;
  perFolder?: number;
}

async function basePhoto(width: number, height: number, seed: number): Promise<Buffer> {
  const w = Math.ceil(width / 8);
  const h = Math.ceil(height / 8);
  const pixels = Buffer.alloc(w * h * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < w * h; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const px = i % w;
    const py = Math.floor(i / w);
    pixels[i * 3] = (px * 255) / w + ((x >>> 24) & 31);
    pixels[i * 3 + 1] = (py * 255) / h + ((x >>> 16) & 31);
    pixels[i * 3 + 2] = ((px + py + seed * 40) % 255) + ((x >>> 8) & 15);
  }
  // Upscaling a small noisy field gives photo-like smooth regions with detail.
  return sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' })
    .jpeg({ quality: 90 })
    .toBuffer();
}

function withComment(jpeg: Buffer, text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const segment = Buffer.alloc(4 + body.length);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(body.length + 2, 2);
  body.copy(segment, 4);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** Writes the library under `dir` (reusing it when it already holds the same count). Returns file paths. */
export async function makeSyntheticLibrary(dir: string, options: SyntheticOptions): Promise<string[]> {
  const perFolder = options.perFolder ?? 500;
  const marker = path.join(dir, '.pcc-bench.json');
  const wanted = JSON.stringify({ photos: options.photos, largeFraction: options.largeFraction, perFolder });
  const files = Array.from({ length: options.photos }, (_, i) =>
    path.join(
      dir,
      `folder-${String(Math.floor(i / perFolder)).padStart(3, '0')}`,
      `IMG_${String(i).padStart(6, '0')}.jpg`,
    ),
  );
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === wanted) return files;
  fs.rmSync(dir, { recursive: true, force: true });
  const large = await Promise.all([0, 1, 2, 3].map((s) => basePhoto(4000, 3000, s)));
  const small = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((s) => basePhoto(1024, 768, s + 10)));
  const everyLarge = options.largeFraction > 0 ? Math.round(1 / options.largeFraction) : Infinity;
  files.forEach((file, i) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const base = i % everyLarge === 0 ? large[i % large.length] : small[i % small.length];
    fs.writeFileSync(file, withComment(base, `pcc-bench-${i}`));
  });
  fs.writeFileSync(marker, wanted);
  return files;
}
