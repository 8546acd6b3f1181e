/**
 * Hybrid photo search, shared by `pcc search`, `GET /search` and the studio's search page. Four
 * legs find candidates and score every candidate:
 *
 * - caption meaning: the query through the caption text model (all-MiniLM-L6-v2 by default)
 *   against the stored caption vectors — finds paraphrases that share no word;
 * - image meaning: the query through the CLIP text tower against the stored image vectors;
 * - full text: the query's words (stop words dropped, stemmed by FTS5) in captions and OCR text,
 *   weighted by rarity (idf), scored by the share of the query they cover;
 * - keywords: CK / AI / user terms that are not rejected, exact or by prefix.
 *
 * Filters choose the candidates first, so ranking is exact within them. Scores are on fixed
 * scales (src/search/fuse.ts), so `minScore` means the same for every query. Vectors are loaded
 * once per process into typed arrays and reloaded only when the catalog's vectors change.
 */
import picomatch from 'picomatch';
import type { Catalog } from '../catalog/catalog';
import type { EmbeddingKind } from '../catalog/embeddings.repository';
import { KEYWORD_LAYERS, type KeywordLayer } from '../catalog/keywords.repository';
import type { PccConfig } from '../config';
import { embedSentences, embedTextsClip } from '../models/embedder';
import { knownModel, type Dtype } from '../models/known-models';
import { missingFiles, ModelMissingError, modelsDir, requireModel } from '../models/model-store';
import { calibrate, fuse, LEG_SCALES, type Leg } from '../search/fuse';
import { activeFilters, SearchQueryError, type SearchQuery } from '../search/search-query';
import { VectorIndex } from '../search/vector-index';
import type { RunConfig } from '../shared/payloads';
import { isStopWord } from '../tags/caption-terms';
import { DEFAULT_PEOPLE, personPresence } from '../tags/people-sets';
import { privacyOf } from './privacy';

export interface SearchHit {
  photoId: number;
  sha1: string;
  root: string | null;
  relPath: string | null;
  caption: string | null;
  date: string | null;
  camera: string | null;
  /** Fused score, 0–1. */
  score: number;
  /** Each leg's score on its 0–1 scale (absent: no evidence from that leg). */
  legs: Partial<Record<Leg, number>>;
  /** Why it matched, for a person: `caption meaning 0.61`, `caption has "glass"`, `keyword AI|glass`. */
  why: string[];
  /** Blurred in the studio until clicked. */
  private: boolean;
}

export interface LegReport {
  leg: Leg;
  used: boolean;
  model?: string;
  /** Why a leg did not run, or what it left out. */
  note?: string;
}

export interface SearchPage {
  query: SearchQuery;
  /** Results at or above minScore (all pages). */
  total: number;
  results: SearchHit[];
  legs: LegReport[];
  /** Photos the filters allowed (null: no filter). */
  candidates: number | null;
  tookMs: number;
  /** Where the time went: filtersMs, embedMs, vectorsMs, textMs, keywordsMs, fuseMs, pageMs. */
  timings: Record<string, number>;
}

/** The query's text as vectors; injectable so tests and benchmarks can count or replace it. */
export interface QueryEmbedder {
  sentence(model: string, text: string): Promise<Float32Array>;
  clipText(model: string, text: string): Promise<Float32Array>;
}

/**
 * The query embedded by the models on this machine. The precision the run used comes first; any
 * other installed precision of the same model will do for a query (int8 and fp32 vectors of
 * MiniLM agree to about 0.01 in cosine).
 */
export function modelQueryEmbedder(
  config: PccConfig,
  preferred: Dtype = 'fp32',
  dir: string = modelsDir(config),
): QueryEmbedder {
  const dtypeFor = (id: string): Dtype => {
    const model = knownModel(id);
    const order = [preferred, ...(['fp32', 'q8', 'fp16'] as const).filter((d) => d !== preferred)];
    const found = model && order.find((d) => !missingFiles(dir, model, d).length);
    if (!found) requireModel(dir, id, preferred); // throws the actionable error
    return found as Dtype;
  };
  const options = (id: string) => ({ modelsDir: dir, dtype: dtypeFor(id), device: config.tuning.device });
  return {
    async sentence(model, text) {
      return (await embedSentences(model, [text], options(model)))[0];
    },
    async clipText(model, text) {
      return (await embedTextsClip(model, [text], options(model)))[0];
    },
  };
}

/** How many nearest vectors each semantic leg contributes before fusion. */
const SEMANTIC_CANDIDATES = 2000;
/** A word in more documents than this is too common to narrow anything (its idf is near zero). */
const MAX_WORD_DOCUMENTS = 20000;
const MAX_QUERY_WORDS = 12;

export class PhotoSearch {
  private readonly indexes = new Map<string, VectorIndex>();
  private vectorsAt = -1;
  private vectorCounts: Array<{ kind: EmbeddingKind; model: string; n: number }> = [];
  private keywordCache?: {
    stamp: number;
    terms: Array<{
      layer: KeywordLayer;
      term: string;
      lower: string;
      words: string[];
      photoIds: Int32Array;
      approved: Uint8Array;
    }>;
  };
  private embedder: QueryEmbedder | undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly config: PccConfig,
    embedder?: QueryEmbedder,
  ) {
    this.embedder = embedder;
  }

  async search(q: SearchQuery): Promise<SearchPage> {
    const started = performance.now();
    const timings: Record<string, number> = {};
    let mark = started;
    const lap = (name: string) => {
      const now = performance.now();
      timings[name] = Math.round((now - mark) * 10) / 10;
      mark = now;
    };
    const words = queryWords(q.text);
    if (!q.text && !activeFilters(q).length)
      throw new SearchQueryError('give words to search for, or at least one filter');
    const run = this.runFor(q);
    const candidates = this.candidates(q, run?.id);
    lap('filtersMs');
    const legs: LegReport[] = [];
    const found = new Map<number, Candidate>();
    const entry = (id: number) => {
      let c = found.get(id);
      if (!c) found.set(id, (c = { legs: {}, raw: {} }));
      return c;
    };

    if (q.text) {
      const semantic = await this.semanticLegs(q.text, run?.config, legs);
      lap('embedMs');
      // Candidates: each meaning leg's nearest vectors within the filters.
      for (const s of semantic) {
        const rows = candidates ? s.index.rowsOf(candidates) : undefined;
        for (const hit of s.index.top(s.query, SEMANTIC_CANDIDATES, rows, LEG_SCALES[s.leg].low))
          entry(s.index.ids[hit.row]);
      }
      lap('vectorsMs');
      legs.push(this.textLeg(words, candidates, entry));
      lap('textMs');
      legs.push(this.keywordLeg(q.text, words, candidates, entry));
      lap('keywordsMs');
      // Every candidate gets every meaning leg's score, so fusion compares like with like.
      for (const [id, c] of found)
        for (const s of semantic) {
          const row = s.index.rowOf(id);
          if (row === undefined) continue;
          const raw = s.index.dot(row, s.query);
          const score = calibrate(s.leg, raw);
          if (score <= 0) continue;
          c.legs[s.leg] = score;
          c.raw[s.leg as 'caption' | 'image'] = raw;
        }
    } else {
      for (const id of candidates ?? []) entry(id);
    }

    const ranked: Array<{ photoId: number; score: number; c: Candidate }> = [];
    for (const [photoId, c] of found) {
      const score = q.text ? fuse(c.legs) : 1;
      if (score > 0 && score >= q.minScore) ranked.push({ photoId, score, c });
    }
    ranked.sort((a, b) => b.score - a.score || a.photoId - b.photoId);
    lap('fuseMs');
    const page = ranked.slice(q.offset, q.offset + q.limit);
    const cards = this.catalog.search.cards(page.map((r) => r.photoId));
    const privacy = privacyOf(this.catalog, run?.config ?? this.latestConfig(), { bulk: false });
    const results: SearchHit[] = [];
    for (const r of page) {
      const card = cards.get(r.photoId);
      if (!card) continue;
      const paths = this.catalog.photos.pathsOf(r.photoId).map((p) => p.relPath);
      results.push({
        ...card,
        score: r.score,
        legs: r.c.legs,
        why: q.text ? whyOf(r.c) : ['matches the filters'],
        private: privacy.isPrivate(r.photoId, paths),
      });
    }
    lap('pageMs');
    return {
      query: q,
      total: ranked.length,
      results,
      legs,
      candidates: candidates ? candidates.size : null,
      tookMs: Math.round(performance.now() - started),
      timings,
    };
  }

  /** The query through each meaning leg's model; a leg without vectors or model says why. */
  private async semanticLegs(
    text: string,
    config: RunConfig | undefined,
    legs: LegReport[],
  ): Promise<Array<{ leg: Leg; index: VectorIndex; query: Float32Array }>> {
    const embedder = (this.embedder ??= modelQueryEmbedder(this.config, config?.embed?.dtype ?? 'fp32'));
    const out: Array<{ leg: Leg; index: VectorIndex; query: Float32Array }> = [];
    for (const kind of ['caption', 'image'] as const) {
      const index = this.index(kind, config);
      if (!index) {
        legs.push({
          leg: kind,
          used: false,
          note: `no ${kind} vectors in the catalog (runs with --embed ${kind} or both store them)`,
        });
        continue;
      }
      try {
        const query =
          kind === 'caption'
            ? await embedder.sentence(index.model, text)
            : await embedder.clipText(index.model, text);
        out.push({ leg: kind, index, query });
        legs.push({ leg: kind, used: true, model: index.model });
      } catch (err) {
        if (!(err instanceof ModelMissingError)) throw err;
        legs.push({ leg: kind, used: false, model: index.model, note: err.message });
      }
    }
    return out;
  }

  /** The run a query refers to: `run`, or for `cluster` the latest clustered run. */
  private runFor(q: SearchQuery): { id: string; config: RunConfig } | undefined {
    if (q.run) {
      const run = this.catalog.runs.run(q.run);
      if (!run) throw new SearchQueryError(`no run ${q.run.slice(0, 80)} in the catalog`);
      return run;
    }
    if (q.cluster !== undefined) {
      const run = this.catalog.runs.recentRuns(100).find((r) => this.catalog.clusters.clusteringOf(r.id));
      if (!run) throw new SearchQueryError('cluster needs a clustered run, and the catalog has none');
      return run;
    }
    return undefined;
  }

  private latestConfig(): RunConfig | undefined {
    return this.catalog.runs.latestRun()?.config;
  }

  /** The photos the filters allow; undefined when no filter is set (every photo). */
  private candidates(q: SearchQuery, runId: string | undefined): Set<number> | undefined {
    if (!activeFilters(q).length) return undefined;
    const keyword = q.keyword ? parseKeyword(q.keyword) : undefined;
    let ids = this.catalog.search.filterPhotos({
      from: q.from,
      to: q.to,
      camera: q.camera,
      lens: q.lens,
      hasGps: q.hasGps,
      status: q.status,
      keyword,
      runId: q.run ? runId : undefined,
    });
    const keep = (pred: (id: number) => boolean) => {
      ids = new Set([...ids].filter(pred));
    };
    if (q.folder || q.private) {
      const paths = new Map<number, string[]>();
      for (const p of this.catalog.search.allPaths())
        paths.set(p.photoId, [...(paths.get(p.photoId) ?? []), p.relPath]);
      if (q.folder) {
        const match = picomatch(q.folder, { dot: true, nocase: true });
        keep((id) => (paths.get(id) ?? []).some((p) => match(p)));
      }
      if (q.private) {
        const privacy = privacyOf(this.catalog, this.latestConfig(), { bulk: true });
        keep((id) => privacy.isPrivate(id, paths.get(id) ?? []) === (q.private === 'only'));
      }
    }
    if (q.cluster !== undefined && runId) {
      const members = this.catalog.clusters.members(runId);
      keep((id) => members.get(id)?.cluster === q.cluster);
    }
    if (q.people) {
      const clip = this.catalog.metadata.personScores();
      const nsfw = this.catalog.metadata.nsfwScores();
      const min = this.latestConfig()?.cluster?.people?.minPersonScore ?? DEFAULT_PEOPLE.minPersonScore;
      keep((id) => (personPresence(clip.get(id), nsfw.get(id)) ?? 0) >= min === (q.people === 'only'));
    }
    return ids;
  }

  /** The process-wide vectors of a kind, in the model the run (or most vectors) used. */
  private index(kind: EmbeddingKind, config: RunConfig | undefined): VectorIndex | undefined {
    const generation = this.catalog.search.generation('embeddings');
    if (generation !== this.vectorsAt) {
      // Vectors changed (a run embedded more photos): drop what is held, load again on use.
      this.indexes.clear();
      this.vectorCounts = this.catalog.embeddings.counts();
      this.vectorsAt = generation;
    }
    const counts = this.vectorCounts.filter((c) => c.kind === kind);
    if (!counts.length) return undefined;
    const wanted = kind === 'image' ? config?.embed?.imageModel : config?.embed?.textModel;
    const chosen = counts.find((c) => c.model === wanted) ?? [...counts].sort((a, b) => b.n - a.n)[0];
    const key = `${kind}/${chosen.model}`;
    let index = this.indexes.get(key);
    if (!index) {
      index = VectorIndex.build(chosen.model, this.catalog.embeddings.iterate(kind, chosen.model), chosen.n);
      this.indexes.set(key, index);
    }
    return index;
  }

  private textLeg(
    words: string[],
    candidates: Set<number> | undefined,
    entry: (id: number) => Candidate,
  ): LegReport {
    if (!words.length) return { leg: 'text', used: false, note: 'only stop words in the query' };
    const fields = ['caption', 'ocr'] as const;
    const docs = fields.reduce((n, f) => n + this.catalog.search.documents(f), 0);
    if (!docs) return { leg: 'text', used: false, note: 'no captions or OCR text indexed yet' };
    const common: string[] = [];
    const weights = new Map<string, number>();
    const found = new Map<number, Map<'caption' | 'ocr', Set<string>>>();
    for (const word of words) {
      const hits = fields.map((f) => ({
        f,
        hit: this.catalog.search.photosWithWord(f, word, MAX_WORD_DOCUMENTS),
      }));
      if (hits.some((h) => !h.hit)) {
        common.push(word);
        weights.set(word, Math.log(1 + docs / MAX_WORD_DOCUMENTS));
        continue;
      }
      const df = hits.reduce((n, h) => n + h.hit!.documents, 0);
      weights.set(word, Math.log(1 + docs / Math.max(1, df)));
      for (const { f, hit } of hits)
        for (const id of hit!.photoIds) {
          if (candidates && !candidates.has(id)) continue;
          let byField = found.get(id);
          if (!byField) found.set(id, (byField = new Map()));
          const set = byField.get(f);
          if (set) set.add(word);
          else byField.set(f, new Set([word]));
        }
    }
    const total = [...weights.values()].reduce((a, b) => a + b, 0);
    for (const [id, byField] of found) {
      const matched = new Set([...byField.values()].flatMap((s) => [...s]));
      const covered = [...matched].reduce((a, w) => a + (weights.get(w) ?? 0), 0);
      const c = entry(id);
      c.legs.text = calibrate('text', total ? covered / total : 0);
      c.captionWords = byField.get('caption');
      c.ocrWords = byField.get('ocr');
    }
    return {
      leg: 'text',
      used: true,
      note: common.length ? `too common to narrow the search: ${common.join(', ')}` : undefined,
    };
  }

  private keywordLeg(
    text: string,
    words: string[],
    candidates: Set<number> | undefined,
    entry: (id: number) => Candidate,
  ): LegReport {
    const stamp = this.catalog.search.generation('keywords');
    if (this.keywordCache?.stamp !== stamp)
      this.keywordCache = {
        stamp,
        terms: this.catalog.search.keywordIndex().map((t) => ({
          ...t,
          lower: t.term.toLowerCase(),
          words: t.term
            .toLowerCase()
            .split(/[^\p{L}\p{N}]+/u)
            .filter(Boolean),
        })),
      };
    const phrase = text.toLowerCase().replace(/\s+/g, ' ').trim();
    const tokens = words.length ? words : queryWords(text, false);
    if (!tokens.length) return { leg: 'keyword', used: false, note: 'no words to match keywords with' };
    const best = new Map<number, { cover: Map<string, number>; labels: string[] }>();
    for (const t of this.keywordCache.terms) {
      // A term covers query words: the whole phrase, its own words found in the query, or a prefix.
      let cover: Array<[string, number]> = [];
      if (t.lower === phrase) cover = tokens.map((w) => [w, 1]);
      else if (t.words.length && t.words.every((w) => tokens.includes(w))) cover = t.words.map((w) => [w, 1]);
      else {
        const prefixOf = tokens.find((w) => w.length >= 3 && t.lower.startsWith(w));
        if (prefixOf) cover = [[prefixOf, 0.6]];
      }
      if (!cover.length) continue;
      for (let i = 0; i < t.photoIds.length; i++) {
        const photoId = t.photoIds[i];
        if (candidates && !candidates.has(photoId)) continue;
        let b = best.get(photoId);
        if (!b) best.set(photoId, (b = { cover: new Map<string, number>(), labels: [] }));
        for (const [w, c] of cover) b.cover.set(w, Math.max(b.cover.get(w) ?? 0, c));
        if (b.labels.length < 5)
          b.labels.push(`${t.layer}|${t.term} (${t.approved[i] ? 'approved' : 'proposed'})`);
      }
    }
    for (const [id, b] of best) {
      const c = entry(id);
      const covered = [...b.cover.values()].reduce((a, x) => a + x, 0);
      c.legs.keyword = calibrate('keyword', covered / tokens.length);
      c.keywords = b.labels;
    }
    return { leg: 'keyword', used: true };
  }
}

/** What one photo matched, kept raw while ranking; `whyOf` words it for the page's results. */
interface Candidate {
  legs: Partial<Record<Leg, number>>;
  raw: Partial<Record<'caption' | 'image', number>>;
  captionWords?: Set<string>;
  ocrWords?: Set<string>;
  keywords?: string[];
}

function whyOf(c: Candidate): string[] {
  const why: string[] = [];
  const list = (s: Set<string>) => [...s].map((w) => `"${w}"`).join(', ');
  if (c.raw.caption !== undefined) why.push(`caption meaning ${c.raw.caption.toFixed(2)}`);
  if (c.raw.image !== undefined) why.push(`image meaning ${c.raw.image.toFixed(2)}`);
  if (c.captionWords) why.push(`caption has ${list(c.captionWords)}`);
  if (c.ocrWords) why.push(`text in photo: ${list(c.ocrWords)}`);
  why.push(...(c.keywords ?? []).map((k) => `keyword ${k}`));
  return why;
}

/** The query's words, lowercased and unique; stop words dropped unless that leaves none. */
export function queryWords(text: string, dropStopWords = true): string[] {
  const all = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, MAX_QUERY_WORDS);
  if (!dropStopWords) return all;
  const content = all.filter((w) => !isStopWord(w));
  return content.length ? content : [];
}

/** `glass`, `AI|glass`, `CK|studio` → the layer (when given) and the term. */
export function parseKeyword(text: string): { layer?: KeywordLayer; term: string } {
  const bar = text.indexOf('|');
  const layer = bar > 0 ? text.slice(0, bar).toUpperCase() : undefined;
  if (layer && (KEYWORD_LAYERS as readonly string[]).includes(layer))
    return { layer: layer as KeywordLayer, term: text.slice(bar + 1) };
  return { term: text };
}
