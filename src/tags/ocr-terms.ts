/**
 * Words read in a photo (OCR) as freeform keyword candidates: each word at or above the minimum
 * confidence, lowercased, deduplicated; numbers, words shorter than three letters, words with
 * anything but letters (misreads like "fun016gel") and English stop words dropped. Names on the
 * user's city list found in the text become place terms, in the list's spelling.
 */
import type { OcrLine } from '../models/ocr';
import { citiesIn, isStopWord } from './caption-terms';

export interface OcrTerm {
  term: string;
  confidence: number;
  place: boolean;
}

export interface OcrTermOptions {
  minConfidence: number;
  cities?: readonly string[];
}

export const DEFAULT_OCR_MIN_CONFIDENCE = 0.75;

/** "F.U.N." → "FUN"; edge punctuation off ("dost." → "dost"). */
function cleanWord(raw: string): string {
  const acronym = /^(?:\p{L}\.){2,}$/u.test(raw);
  if (acronym) return raw.replace(/\./g, '');
  return raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
}

export function ocrTerms(lines: readonly OcrLine[], options: OcrTermOptions): OcrTerm[] {
  const best = new Map<string, OcrTerm>();
  const add = (term: string, confidence: number, place: boolean) => {
    const prev = best.get(term);
    if (!prev || prev.confidence < confidence || (place && !prev.place))
      best.set(term, {
        term,
        confidence: Math.max(confidence, prev?.confidence ?? 0),
        place: place || Boolean(prev?.place),
      });
  };
  const trusted: string[] = [];
  for (const line of lines) {
    const kept: string[] = [];
    for (const w of line.words) {
      if (w.confidence < options.minConfidence) continue;
      kept.push(w.text);
      const word = cleanWord(w.text);
      // Letters only (with inner apostrophes or hyphens): a digit or symbol inside is a misread.
      if (!/^\p{L}+(?:['’-]\p{L}+)*$/u.test(word)) continue;
      if ([...word].length < 3) continue;
      const term = word.toLowerCase();
      if (isStopWord(term)) continue;
      add(term, w.confidence, false);
    }
    trusted.push(kept.join(' '));
  }
  const text = trusted.join('\n');
  for (const city of citiesIn(text, options.cities ?? [])) {
    const conf = Math.max(
      0,
      ...lines.filter((l) => citiesIn(l.text, [city]).length).map((l) => l.confidence),
    );
    best.delete(city);
    add(city, conf, true);
  }
  return [...best.values()].sort((a, b) => b.confidence - a.confidence || (a.term < b.term ? -1 : 1));
}

/** The photo's text as stored for search: the lines, top to bottom. */
export function ocrText(lines: readonly OcrLine[]): string {
  return lines.map((l) => l.text).join('\n');
}
