/**
 * The photos a search is considering, column by column: one slot per photo, each leg's 0–1 score
 * and the raw facts its "why" needs in plain number arrays. A query can weigh 50,000 photos;
 * an object per photo made the garbage collector the slowest part of a search.
 */
import { fuseBy, LEGS, type Leg } from './fuse';

export class Candidates {
  readonly ids: number[] = [];
  readonly legs: Record<Leg, number[]> = { caption: [], image: [], text: [], keyword: [] };
  /** Raw cosines of the meaning legs (NaN: no evidence). */
  readonly rawCaption: number[] = [];
  readonly rawImage: number[] = [];
  /** Query words found: bit i in a caption, bit 12 + i in OCR text. */
  readonly textMask: number[] = [];
  private readonly slots = new Map<number, number>();

  get size(): number {
    return this.ids.length;
  }

  /** The photo's slot, added with no evidence when new. */
  add(photoId: number): number {
    let slot = this.slots.get(photoId);
    if (slot === undefined) {
      slot = this.ids.length;
      this.slots.set(photoId, slot);
      this.ids.push(photoId);
      for (const leg of LEGS) this.legs[leg].push(0);
      this.rawCaption.push(NaN);
      this.rawImage.push(NaN);
      this.textMask.push(0);
    }
    return slot;
  }

  /** The fused score (src/search/fuse.ts). */
  fused(slot: number): number {
    return fuseBy((leg) => this.legs[leg][slot]);
  }

  legsOf(slot: number): Partial<Record<Leg, number>> {
    const out: Partial<Record<Leg, number>> = {};
    for (const leg of Object.keys(this.legs) as Leg[])
      if (this.legs[leg][slot] > 0) out[leg] = this.legs[leg][slot];
    return out;
  }
}
