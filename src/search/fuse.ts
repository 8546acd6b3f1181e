/**
 * Fusing the legs of a search into one score a person can read and cut off. Each leg's raw value
 * is mapped onto 0–1 on its own, fixed scale — never relative to the best hit, so an irrelevant
 * query gets low scores instead of a confident top result — and the legs combine like
 * independent evidence: 1 − Π(1 − weight·score). One strong leg carries a result; agreeing legs
 * raise it; nothing exceeds 1.
 */
export type Leg = 'caption' | 'image' | 'text' | 'keyword';

export interface LegScale {
  /** Raw value that maps to 0 (at or below: no evidence). */
  low: number;
  /** Raw value that maps to 1. */
  high: number;
  weight: number;
}

/**
 * Why these numbers: all-MiniLM-L6-v2 gives unrelated sentence pairs cosines around 0–0.2 and
 * paraphrases 0.5–0.8; CLIP ViT-B/32 gives a text prompt and an unrelated photo about 0.15–0.2 and
 * a matching photo 0.28–0.35. The top ends sit above those ranges on purpose: a scale that
 * saturates at 1 for every good match would tie them and lose their order. Full text and keywords are already 0–1 (the share of the query's
 * words found).
 */
export const LEG_SCALES: Record<Leg, LegScale> = {
  caption: { low: 0.2, high: 0.9, weight: 1 },
  image: { low: 0.18, high: 0.38, weight: 0.9 },
  text: { low: 0, high: 1, weight: 0.85 },
  keyword: { low: 0, high: 1, weight: 0.85 },
};

export function calibrate(leg: Leg, raw: number, scales: Record<Leg, LegScale> = LEG_SCALES): number {
  const { low, high } = scales[leg];
  return Math.min(1, Math.max(0, (raw - low) / (high - low)));
}

export const LEGS: readonly Leg[] = ['caption', 'image', 'text', 'keyword'];

export function fuse(legs: Partial<Record<Leg, number>>, scales: Record<Leg, LegScale> = LEG_SCALES): number {
  return fuseBy((leg) => legs[leg] ?? 0, scales);
}

/** The same fusion over scores read by leg (src/search/candidates.ts keeps them in columns). */
export function fuseBy(score: (leg: Leg) => number, scales: Record<Leg, LegScale> = LEG_SCALES): number {
  let miss = 1;
  for (const leg of LEGS) miss *= 1 - scales[leg].weight * Math.min(1, Math.max(0, score(leg)));
  return Math.round((1 - miss) * 1e4) / 1e4;
}
