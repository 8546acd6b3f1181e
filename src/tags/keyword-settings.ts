/**
 * The freeform (AI) layer's settings and the data files behind them: the concept bank (terms every
 * photo is checked against), the city whitelist (the only proper nouns taken from captions and
 * asked of vision models), the alias list (`auto` → `car`) and the user's own keyword tree (so a
 * mined word becomes the user's keyword instead of a new synonym). Files are data: read, checked,
 * never evaluated.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import type { ApprovalRule } from './approval-policy';
import type { QueueRole } from '../shared/queues';
import { parseVocabulary } from './vocabulary';

/** A keyword of the user's tree: written as `leaf` in flat lists and `path` in hierarchical ones. */
export interface TreeEntry {
  leaf: string;
  /** Pipe-separated, as lr:hierarchicalSubject: `Places|Italy|Venice`. */
  path: string;
}

export interface VisionSettings {
  backend: string;
  model: string;
  queue: QueueRole;
  remote: boolean;
  /** Tags asked for per medoid. */
  maxTags: number;
  promptHash: string;
  maxEdge: number;
  requestTimeoutMs: number;
  baseUrl?: string;
}

export interface KeywordSettings {
  autoApprove: ApprovalRule[];
  /** Freeform terms proposed per photo; 0 turns the AI layer off. */
  maxAiTags: number;
  /** Minimum CLIP cosine between a term ("a photo of {term}") and the photo. */
  aiMinScore: number;
  conceptBank: string[];
  cities: string[];
  /** Normalised alias → the term it stands for. */
  aliases: Record<string, string>;
  tree: TreeEntry[];
  /** Text prompt per term for the CLIP check (the vocabulary's template when it has one). */
  template?: string;
  vision?: VisionSettings;
  /** OCR on this machine; absent in older runs and with `--ocr off`. */
  ocr?: OcrSettings;
}

export const OCR_SCOPES = ['off', 'medoids', 'all'] as const;

export interface OcrSettings {
  /** Which photos are read: each cluster's medoid, or every photo. */
  scope: 'medoids' | 'all';
  /** Words at or above this recognition confidence become proposed AI terms. */
  minConfidence: number;
}

export class KeywordFileError extends Error {
  override name = 'KeywordFileError';
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new KeywordFileError(`cannot read the ${what} ${file}: ${(err as Error).message}`);
  }
}

/** A list of terms: one per line, or a YAML list (or a mapping of lists, whose keys are ignored). */
export function parseTermList(text: string): string[] {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch {
    doc = undefined;
  }
  const raw: unknown[] = Array.isArray(doc)
    ? doc
    : doc && typeof doc === 'object'
      ? Object.values(doc as Record<string, unknown>).flatMap((v) => (Array.isArray(v) ? v : []))
      : [];
  const terms = raw.length
    ? raw
        .filter((v) => typeof v === 'string')
        .map((v) => (v as string).trim().toLowerCase().replace(/\s+/g, ' '))
    : parseVocabulary(text);
  return [...new Set(terms.filter(Boolean))];
}

export function readTermList(file: string, what: string): string[] {
  const terms = parseTermList(readText(file, what));
  if (!terms.length) throw new KeywordFileError(`the ${what} ${file} has no terms`);
  return terms;
}

/** Lowercase, single spaces, trimmed: how aliases and tree leaves are compared. */
export function normaliseTerm(term: string): string {
  return term.trim().toLowerCase().replace(/\s+/g, ' ');
}

/**
 * Aliases as YAML: `car: [auto, automobile]` (a term and the words that mean it) or
 * `auto: car` (one alias and its term).
 */
export function parseAliases(text: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new KeywordFileError(`aliases must be YAML (term: [alias, …]): ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new KeywordFileError('aliases must be a mapping like `car: [auto, automobile]`');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      for (const alias of value)
        if (typeof alias === 'string' && alias.trim()) out[normaliseTerm(alias)] = normaliseTerm(key);
    } else if (typeof value === 'string' && value.trim()) out[normaliseTerm(key)] = normaliseTerm(value);
    else throw new KeywordFileError(`alias "${key}" needs a term or a list of aliases`);
  }
  return out;
}

/**
 * The user's keyword tree, either as pipe paths (`Places|Italy|Venice`, one per line) or as
 * Lightroom's "Export Keywords" text: one keyword per line, children indented by tabs, `[name]`
 * for categories that are not exported, `{synonym}` lines for a keyword's synonyms (which become
 * aliases of it).
 */
export function parseKeywordTree(text: string): { tree: TreeEntry[]; aliases: Record<string, string> } {
  const tree: TreeEntry[] = [];
  const aliases: Record<string, string> = {};
  const stack: string[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    if (!rawLine.trim() || rawLine.trim().startsWith('#')) continue;
    const line = rawLine.replace(/\s+$/, '');
    if (line.includes('|')) {
      const parts = line
        .split('|')
        .map((p) => p.trim())
        .filter(Boolean);
      if (parts.length) tree.push({ leaf: parts[parts.length - 1], path: parts.join('|') });
      continue;
    }
    const indent = /^[\t ]*/.exec(line)![0];
    const depth = indent.replace(/ {2}/g, '\t').replace(/ /g, '').length;
    const name = line.trim();
    const synonym = /^\{(.+)\}$/.exec(name);
    if (synonym) {
      const parent = stack[depth - 1];
      if (parent) aliases[normaliseTerm(synonym[1])] = normaliseTerm(parent);
      continue;
    }
    const category = /^\[(.+)\]$/.exec(name);
    const clean = category ? category[1].trim() : name;
    stack.length = depth;
    stack[depth] = clean;
    if (!category) tree.push({ leaf: clean, path: stack.slice(0, depth + 1).join('|') });
  }
  return { tree, aliases };
}

export function readAliases(file: string): Record<string, string> {
  return parseAliases(readText(file, 'alias file'));
}

export function readKeywordTree(file: string): { tree: TreeEntry[]; aliases: Record<string, string> } {
  const parsed = parseKeywordTree(readText(file, 'keyword tree'));
  if (!parsed.tree.length) throw new KeywordFileError(`the keyword tree ${file} has no keywords`);
  return parsed;
}
