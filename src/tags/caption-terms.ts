/**
 * Candidate freeform keywords from a caption: nouns, noun compounds ("window sill", "brick wall"),
 * colour and material pairs ("blue glass"), weather and light adjectives ("overcast"), known
 * photographic phrases ("long exposure") and whitelisted place names ("Murano"). Words are
 * lowercased and lemmatised ("children" → "child") and generic words ("photo", "background") are
 * dropped; the CLIP check and the top-N cut happen later (services/ai-keywords.ts).
 *
 * NLP: wink-nlp with its English lite model (POS tagging ~95% on WSJ, lemmas, ~4 MB, pure JS,
 * about 1 ms per caption here). compromise was the other candidate: smaller grammar but it groups
 * whole clauses into one "noun" ("a marble statue of a man in front") and has no lemmatiser, so
 * wink's token-level tags give cleaner terms (see docs/keywords.md).
 */
import winkNLP, { type WinkMethods } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import { normaliseTerm, type TreeEntry } from './keyword-settings';

let nlp: WinkMethods | undefined;
function engine(): WinkMethods {
  nlp ??= winkNLP(model);
  return nlp;
}

/** Nouns that describe the photo rather than what is in it, or are too vague to search by. */
const GENERIC_NOUNS = new Set([
  'photo',
  'photograph',
  'picture',
  'image',
  'shot',
  'snapshot',
  'view',
  'scene',
  'background',
  'foreground',
  'front',
  'side',
  'top',
  'bottom',
  'middle',
  'center',
  'centre',
  'left',
  'right',
  'area',
  'part',
  'piece',
  'lot',
  'couple',
  'group',
  'number',
  'type',
  'kind',
  'variety',
  'something',
  'thing',
  'one',
  'way',
  'time',
  'day',
  'edge',
  'corner',
  'distance',
  'close-up',
  'closeup',
  'detail',
  'focus',
  'camera',
  'frame',
  'shape',
  'color',
  'colour',
]);

/** Adjectives worth a keyword of their own: weather, light, season, mood of the sky. */
const STANDALONE_ADJECTIVES = new Set([
  'overcast',
  'cloudy',
  'foggy',
  'misty',
  'hazy',
  'sunny',
  'rainy',
  'snowy',
  'stormy',
  'frosty',
  'icy',
  'wet',
  'backlit',
  'silhouetted',
  'underwater',
  'aerial',
  'autumnal',
  'wintry',
  'abandoned',
  'ruined',
  'illuminated',
  'monochrome',
]);

/** Modifiers that make a searchable pair with their noun ("blue glass", "wooden boat"). */
const PAIR_ADJECTIVES = new Set([
  'red',
  'orange',
  'yellow',
  'green',
  'blue',
  'purple',
  'violet',
  'pink',
  'brown',
  'black',
  'white',
  'grey',
  'gray',
  'golden',
  'silver',
  'turquoise',
  'wooden',
  'stone',
  'marble',
  'glass',
  'metal',
  'iron',
  'brick',
  'concrete',
  'plastic',
  'ceramic',
  'stained',
  'vintage',
  'antique',
  'medieval',
  'gothic',
  'baroque',
  'modern',
]);

/** Photographic phrases found by their words ("light trails" → "light trail"). */
const PHRASES = [
  'long exposure',
  'light trail',
  'black and white',
  'shallow depth of field',
  'golden hour',
  'blue hour',
  'motion blur',
  'double exposure',
  'night sky',
  'milky way',
  'street art',
  'still life',
];

/** Mass nouns the lemmatiser gets wrong ("graffiti" → "graffito"). */
const KEEP_FORM = new Set([
  'graffiti',
  'spaghetti',
  'confetti',
  'paparazzi',
  'species',
  'series',
  'glasses',
  'people',
]);

/** Plurals without an -s that the lemma should still undo. */
const IRREGULAR_PLURALS = new Set([
  'children',
  'men',
  'women',
  'feet',
  'teeth',
  'mice',
  'geese',
  'oxen',
  'dice',
]);

/**
 * The lemma undoes inflection only: "boats" → "boat", "children" → "child", but "harbour" stays
 * "harbour" (the lemmatiser would respell it "harbor").
 */
function lemmaOf(word: string, lemma: string): string {
  const w = word.toLowerCase();
  if (KEEP_FORM.has(w)) return w;
  if (!w.endsWith('s') && !IRREGULAR_PLURALS.has(w)) return w;
  return lemma.toLowerCase();
}

/** English function words ("the", "more", "with"), by wink-nlp's list. */
export function isStopWord(word: string): boolean {
  const doc = engine().readDoc(word.toLowerCase());
  const flags = doc.tokens().out(engine().its.stopWordFlag) as boolean[];
  return flags.length === 1 && flags[0];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whitelisted names found in the text (whole words, any case), in the whitelist's spelling. */
export function citiesIn(text: string, cities: readonly string[]): string[] {
  const found: string[] = [];
  for (const city of cities) {
    const re = new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(city)}($|[^\\p{L}\\p{N}])`, 'iu');
    if (re.test(text)) found.push(normaliseTerm(city));
  }
  return found;
}

export interface MineOptions {
  cities?: readonly string[];
}

/** Candidate terms of one caption, best-first in reading order, deduplicated. */
export function mineCaption(caption: string, options: MineOptions = {}): string[] {
  const text = caption.replace(/\s+/g, ' ').trim();
  if (!text) return [];
  const out: string[] = [];
  const add = (t: string) => {
    const term = normaliseTerm(t);
    if (term && term.length <= 40 && !/^\d/.test(term) && !out.includes(term)) out.push(term);
  };
  const cities = citiesIn(text, options.cities ?? []);
  // A sentence's first word is capitalised by grammar, not because it is a name.
  const doc = engine().readDoc(
    text.replace(/(^|[.!?]\s+)([A-Z])(?=[a-z])/g, (_, p: string, c: string) => p + c.toLowerCase()),
  );
  const its = engine().its;
  const words = doc.tokens().out(its.value) as string[];
  const pos = doc.tokens().out(its.pos) as string[];
  const lemmas = doc.tokens().out(its.lemma as never) as string[];
  const lemma = (i: number) => lemmaOf(words[i], lemmas[i]);
  const isNoun = (i: number) => i < words.length && pos[i] === 'NOUN' && !GENERIC_NOUNS.has(lemma(i));
  for (let i = 0; i < words.length; i++) {
    const w = words[i].toLowerCase();
    if (pos[i] === 'ADJ' && STANDALONE_ADJECTIVES.has(w)) add(w);
    // "blue glass", "wooden boat": a colour or material right before its noun (possibly a noun
    // used as a modifier, like "stone bridge").
    // (Not when the noun modifies another one: "wooden window sill" is about the sill.)
    const nextIsNoun = i + 1 < words.length && isNoun(i + 1) && !words[i + 1].toLowerCase().endsWith('ing');
    if ((pos[i] === 'ADJ' || pos[i] === 'NOUN') && PAIR_ADJECTIVES.has(w) && nextIsNoun) {
      // "blue glass vase" → "blue glass" (a material makes the pair), "red car door" → "red door".
      let head = i + 1;
      if (!PAIR_ADJECTIVES.has(words[head].toLowerCase())) while (isNoun(head + 1)) head++;
      if (pos[i] === 'ADJ' || head === i + 1) add(`${w} ${lemma(head)}`);
    }
    if (!isNoun(i)) continue;
    // "window sill", "brick wall": two nouns in a row name one thing, and the first one is only
    // its modifier there.
    if (nextIsNoun) {
      if (!PAIR_ADJECTIVES.has(w)) add(`${w} ${lemma(i + 1)}`);
      continue;
    }
    add(lemma(i));
  }
  // Phrases compare on lemmas, so "light trails" finds "light trail".
  const lemmaText = ` ${words.map((wd, i) => lemmaOf(wd, lemmas[i])).join(' ')} `;
  const plainText = ` ${words.map((wd) => wd.toLowerCase()).join(' ')} `;
  for (const phrase of PHRASES) {
    if (!lemmaText.includes(` ${phrase} `) && !plainText.includes(` ${phrase} `)) continue;
    add(phrase);
    // "exposure" alone says less than "long exposure" did.
    const head = out.indexOf(phrase.split(' ').pop()!);
    if (head >= 0) out.splice(head, 1);
  }
  for (const city of cities) add(city);
  return out;
}

/** Looks up terms on the user's tree and alias list: the user's keyword instead of a synonym. */
export class TermMapper {
  private readonly byKey = new Map<string, TreeEntry>();

  constructor(
    tree: readonly TreeEntry[],
    private readonly aliases: Readonly<Record<string, string>>,
  ) {
    for (const entry of tree) {
      for (const key of keysOf(entry.leaf)) if (!this.byKey.has(key)) this.byKey.set(key, entry);
    }
  }

  /** The term as it is written (`term`, `path`), and what it was before mapping. */
  map(term: string): { term: string; path?: string; mappedFrom?: string } {
    const normal = normaliseTerm(term);
    const aliased = this.aliases[normal] ?? normal;
    for (const key of keysOf(aliased)) {
      const entry = this.byKey.get(key);
      if (entry)
        return { term: entry.leaf, path: entry.path, mappedFrom: normal === entry.leaf ? undefined : normal };
    }
    return aliased === normal ? { term: normal } : { term: aliased, mappedFrom: normal };
  }
}

/** Ways a word may be spelled in a tree: as is, singular, and with spaces and dashes dropped. */
function keysOf(text: string): string[] {
  const normal = normaliseTerm(text);
  const squashed = normal.replace(/[^\p{L}\p{N}]+/gu, '');
  const singular = normal.replace(/(?<=[^s])s$/, '');
  return [...new Set([normal, singular, squashed, singular.replace(/[^\p{L}\p{N}]+/gu, '')])];
}
