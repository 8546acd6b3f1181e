/**
 * Controlled vocabularies: the labels a user wants photos tagged with, and EXIF gear rules.
 *
 * Accepted files (see docs/clustering.md):
 * - one label per line (`#` comments, blank lines ignored);
 * - a YAML list of labels;
 * - a YAML mapping with `labels:` (or category keys holding lists, as in the original tagging
 *   spec: `subjects:`, `people_concepts:`, `places_coarse:` …) and optional `template`, `top_k`,
 *   `threshold` and `gear:`. A gear entry is either a rule (`{make, model, term}`; make/model
 *   match case-insensitively as substrings, or as regular expressions when written `/…/`) or a
 *   plain camera/lens name such as `Pentax67`, matched against make and model together with
 *   case, spaces and punctuation ignored.
 * Labels are lowercased, stripped and de-duplicated, first occurrence wins.
 */
import fs from 'node:fs';
import YAML from 'yaml';

export const DEFAULT_TEMPLATE = 'a photo of {label}';

export interface GearRule {
  make?: string;
  model?: string;
  /** A plain name (`Pentax67`): matches when it is part of make + model, compared as letters and digits. */
  name?: string;
  term: string;
}

/** Letters and digits only, lowercased: `PENTAX 67` and `Pentax67` compare equal. */
function squash(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

export interface Vocabulary {
  labels: string[];
  template: string;
  topK: number;
  /** Minimum zero-shot probability for a label to be approved. */
  threshold: number;
  gear: GearRule[];
}

export class VocabularyError extends Error {
  override name = 'VocabularyError';
}

const RESERVED = new Set(['labels', 'terms', 'vocabulary', 'template', 'top_k', 'topk', 'threshold', 'gear']);

function cleanLabels(raw: unknown[]): string[] {
  const labels = raw
    .filter((v): v is string | number => typeof v === 'string' || typeof v === 'number')
    .map((v) => String(v).trim().toLowerCase().replace(/\s+/g, ' '))
    .filter(Boolean);
  return [...new Set(labels)];
}

/** Labels from plain text, one per line; YAML list dashes and quotes tolerated. */
export function parseVocabulary(text: string): string[] {
  return cleanLabels(
    text.split(/\r?\n/).map((line) =>
      line
        .replace(/#.*$/, '')
        .replace(/^\s*-\s*/, '')
        .trim()
        .replace(/^["']|["']$/g, ''),
    ),
  );
}

/** Settings given on the command line (or API): they win over the file's. */
export type VocabularyOverrides = Partial<Pick<Vocabulary, 'template' | 'topK' | 'threshold'>>;

export function parseVocabularyFile(text: string, overrides: VocabularyOverrides = {}): Vocabulary {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch {
    doc = undefined; // not YAML: read it as one label per line
  }
  let labels: string[];
  let map: Record<string, unknown> = {};
  if (Array.isArray(doc)) labels = cleanLabels(doc);
  else if (!doc || typeof doc !== 'object') labels = parseVocabulary(text);
  else {
    map = doc as Record<string, unknown>;
    const raw: unknown[] = [];
    for (const key of ['labels', 'terms', 'vocabulary'])
      if (Array.isArray(map[key])) raw.push(...(map[key] as unknown[]));
    for (const [key, value] of Object.entries(map)) {
      if (!RESERVED.has(key.toLowerCase()) && Array.isArray(value)) raw.push(...(value as unknown[]));
    }
    labels = cleanLabels(raw);
  }
  return withSettings(
    {
      labels,
      template: (map.template as string | undefined) ?? DEFAULT_TEMPLATE,
      topK: (map.top_k ?? map.topk ?? 5) as number,
      threshold: (map.threshold ?? 0.1) as number,
      gear: map.gear === undefined ? [] : parseGear(map.gear),
    },
    overrides,
  );
}

/** Applies overrides and checks the settings, naming any that is wrong. */
export function withSettings(vocabulary: Vocabulary, overrides: VocabularyOverrides = {}): Vocabulary {
  const topK = overrides.topK ?? vocabulary.topK;
  const threshold = overrides.threshold ?? vocabulary.threshold;
  const template = overrides.template ?? vocabulary.template;
  if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1) {
    throw new VocabularyError(`top_k must be a whole number ≥ 1, got ${JSON.stringify(topK)}`);
  }
  if (typeof threshold !== 'number' || threshold < 0 || threshold > 1) {
    throw new VocabularyError(`threshold must be between 0 and 1, got ${JSON.stringify(threshold)}`);
  }
  if (typeof template !== 'string' || !template.includes('{label}')) {
    throw new VocabularyError(`template must contain {label}, got ${JSON.stringify(template)}`);
  }
  return { ...vocabulary, topK, threshold, template };
}

function parseGear(value: unknown): GearRule[] {
  if (!Array.isArray(value))
    throw new VocabularyError('gear must be a list of camera names or {make, model, term} rules');
  return value.map((rule, i) => {
    if (typeof rule === 'string' || typeof rule === 'number') {
      const name = String(rule).trim();
      if (!squash(name)) throw new VocabularyError(`gear entry ${i + 1} is empty`);
      return { name, term: name.toLowerCase() };
    }
    const r = (rule ?? {}) as Record<string, unknown>;
    if (typeof r.term !== 'string' || !r.term.trim())
      throw new VocabularyError(`gear rule ${i + 1} needs a term`);
    if (r.make === undefined && r.model === undefined) {
      throw new VocabularyError(`gear rule ${i + 1} ("${r.term}") needs a make or a model to match`);
    }
    for (const key of ['make', 'model'] as const) {
      if (r[key] !== undefined && typeof r[key] !== 'string') {
        throw new VocabularyError(`gear rule ${i + 1}: ${key} must be text`);
      }
      if (typeof r[key] === 'string') matcher(r[key]); // fails early on a bad /regex/
    }
    return {
      make: r.make as string | undefined,
      model: r.model as string | undefined,
      term: r.term.trim().toLowerCase(),
    };
  });
}

export function readVocabularyFile(file: string, overrides: VocabularyOverrides = {}): Vocabulary {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new VocabularyError(`cannot read the vocabulary file ${file}: ${(err as Error).message}`);
  }
  try {
    return parseVocabularyFile(text, overrides);
  } catch (err) {
    throw new VocabularyError(`${file}: ${(err as Error).message}`);
  }
}

function matcher(pattern: string): (value: string) => boolean {
  const regex = /^\/(.*)\/([a-z]*)$/.exec(pattern);
  if (regex) {
    let re: RegExp;
    try {
      re = new RegExp(regex[1], regex[2].includes('i') ? regex[2] : `${regex[2]}i`);
    } catch (err) {
      throw new VocabularyError(`bad regular expression ${pattern}: ${(err as Error).message}`);
    }
    return (v) => re.test(v);
  }
  const needle = pattern.trim().toLowerCase();
  return (v) => v.toLowerCase().includes(needle);
}

/** Gear terms whose rules match a photo's camera make and model. */
export function gearTerms(
  rules: GearRule[],
  make: string | null | undefined,
  model: string | null | undefined,
): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    if (rule.name !== undefined && !squash(`${make ?? ''} ${model ?? ''}`).includes(squash(rule.name)))
      continue;
    if (rule.make !== undefined && !(make && matcher(rule.make)(make))) continue;
    if (rule.model !== undefined && !(model && matcher(rule.model)(model))) continue;
    if (!out.includes(rule.term)) out.push(rule.term);
  }
  return out;
}
