/**
 * The photos a search is considering, column by column and indexed by photo id (ids are dense:
 * 1…N): each leg's 0–1 score and the raw facts its "why" needs in typed arrays, plus the list of
 * ids present. A query can weigh 50,000 photos; an object or a Map entry per photo made the
 * allocator and the garbage collector the slowest part of a search.
 */
import { fuseBy, LEGS, type Leg } from './fuse';

export class Candidates {
  /** Photo ids present, in the order they were added. */
  readonly ids: number[] = [];
  readonly legs: Record<Leg, Float32Array>;
  /** Raw cosines of the meaning legs (NaN: no evidence). */
  readonly rawCaption: Float32Array;
  readonly rawImage: Float32Array;
  /** Query words found: bit i in a caption, bit 12 + i in OCR text. */
  readonly textMask: Uint32Array;
  private readonly present: Uint8Array;

  /** `maxPhotoId`: the largest photo id in the catalog. */
  constructor(readonly maxPhotoId: number) {
    const n = maxPhotoId + 1;
    this.legs = {
      caption: new Float32Array(n),
      image: new Float32Array(n),
      text: new Float32Array(n),
      keyword: new Float32Array(n),
    };
    this.rawCaption = new Float32Array(n).fill(NaN);
    this.rawImage = new Float32Array(n).fill(NaN);
    this.textMask = new Uint32Array(n);
    this.present = new Uint8Array(n);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Marks the photo as a candidate (with no evidence yet); ids beyond the catalog are ignored. */
  add(photoId: number): void {
    if (photoId > this.maxPhotoId || this.present[photoId]) return;
    this.present[photoId] = 1;
    this.ids.push(photoId);
  }

  /** The fused score (src/search/fuse.ts), read from the columns: no object per photo. */
  fused(photoId: number): number {
    return fuseBy((leg) => this.legs[leg][photoId]);
  }

  legsOf(photoId: number): Partial<Record<Leg, number>> {
    const out: Partial<Record<Leg, number>> = {};
    for (const leg of LEGS)
      if (this.legs[leg][photoId] > 0) out[leg] = Math.round(this.legs[leg][photoId] * 1e4) / 1e4;
    return out;
  }
}
