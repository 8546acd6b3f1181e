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
import type { PhotoFacets } from '../catalog/search.repository';
import type { EmbeddingKind } from '../catalog/embeddings.repository';
import { KEYWORD_LAYERS, type KeywordLayer } from '../catalog/keywords.repository';
import type { PccConfig } from '../config';
import { embedSentences, embedTextsClip } from '../models/embedder';
import { knownModel, type Dtype } from '../models/known-models';
import { missingFiles, ModelMissingError, modelsDir, requireModel } from '../models/model-store';
import { Candidates } from '../search/candidates';
import { calibrate, LEG_SCALES, type Leg } from '../search/fuse';
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
const SEMANTIC_CANDIDATES = 10000;
/** A word in more documents than this is too common to narrow anything (its idf is near zero). */
const MAX_WORD_DOCUMENTS = 25000;
/** At most 12 query words, so a photo's matches fit one number (caption bits, then OCR bits). */
const MAX_QUERY_WORDS = 12;
const OCR_SHIFT = 12;

export class PhotoSearch {
  private readonly indexes = new Map<string, VectorIndex>();
  private vectorsAt = -1;
  private vectorCounts: Array<{ kind: EmbeddingKind; model: string; n: number }> = [];
  private keywordCache?: { generation: number; terms: KeywordTerm[] };
  private facetCache?: { generation: number; facets: PhotoFacets };
  private embedder: QueryEmbedder | undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly config: PccConfig,
    embedder?: QueryEmbedder,
  ) {
    this.embedder = embedder;
  }

  /**
   * Loads what the first query would (vectors of the latest run's models, photo facts, keywords),
   * so a server's first search is as quick as its second. Returns how many vectors it holds.
   */
  warm(): { vectors: number; ms: number } {
    const started = performance.now();
    const config = this.latestConfig();
    let vectors = 0;
    for (const kind of ['caption', 'image'] as const) vectors += this.index(kind, config)?.size ?? 0;
    this.facets();
    this.keywordTerms();
    return { vectors, ms: Math.round(performance.now() - started) };
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
    let matchedTerms: KeywordTerm[] = [];
    const found = new Candidates(this.facets().maxId);

    if (q.text) {
      const semantic = await this.semanticLegs(q.text, run?.config, legs);
      lap('embedMs');
      // Candidates: each meaning leg's nearest vectors within the filters. When fewer than asked
      // come back above the leg's floor, every row at or above the floor is among them, so any
      // other candidate scores 0 there without computing its dot product.
      const nearest = semantic.map((s) => {
        const rows = candidates ? s.index.rowsOf(candidates) : undefined;
        const hits = s.index.top(s.query, SEMANTIC_CANDIDATES, rows, LEG_SCALES[s.leg].low);
        const byRow = new Float32Array(s.index.size).fill(NaN);
        for (const hit of hits) {
          byRow[hit.row] = hit.score;
          found.add(s.index.ids[hit.row]);
        }
        return { ...s, q8: s.index.query(s.query), byRow, complete: hits.length < SEMANTIC_CANDIDATES };
      });
      lap('vectorsMs');
      legs.push(this.textLeg(words, candidates, found));
      lap('textMs');
      const keywords = this.keywordLeg(q.text, words, candidates, found);
      legs.push(keywords.report);
      matchedTerms = keywords.matched;
      lap('keywordsMs');
      // Every candidate gets every meaning leg's score, so fusion compares like with like.
      for (const s of nearest) {
        const raws = s.leg === 'caption' ? found.rawCaption : found.rawImage;
        const scores = found.legs[s.leg];
        for (const id of found.ids) {
          const row = s.index.rowOf(id);
          if (row === undefined) continue;
          let raw = s.byRow[row];
          if (Number.isNaN(raw)) {
            if (s.complete) continue; // below the floor: no evidence
            raw = s.index.dot(row, s.q8);
          }
          const score = calibrate(s.leg, raw);
          if (score <= 0) continue;
          scores[id] = score;
          raws[id] = raw;
        }
      }
    } else {
      for (const id of candidates ?? []) found.add(id);
    }

    // The page by a bounded selection (not a sort of every result); `total` counts all that pass.
    const best = new TopK(q.offset + q.limit);
    let total = 0;
    for (const id of found.ids) {
      const score = q.text ? found.fused(id) : 1;
      if (score <= 0 || score < q.minScore) continue;
      total++;
      best.offer(id, score);
    }
    lap('fuseMs');
    const page = best.sorted().slice(q.offset);
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
        legs: found.legsOf(r.photoId),
        why: q.text
          ? whyOf(found, r.photoId, words, keywordLabels(r.photoId, matchedTerms))
          : ['matches the filters'],
        private: privacy.isPrivate(r.photoId, paths),
      });
    }
    lap('pageMs');
    return {
      query: q,
      total,
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
      const runId = this.catalog.clusters.latestClusteredRunId();
      const run = runId ? this.catalog.runs.run(runId) : undefined;
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
    const f = this.facets();
    const tests: Array<(i: number) => boolean> = [];
    if (q.from) {
      const from = q.from;
      tests.push((i) => f.dates[i] !== null && f.dates[i]!.slice(0, from.length) >= from);
    }
    if (q.to) {
      const to = q.to;
      tests.push((i) => f.dates[i] !== null && f.dates[i]!.slice(0, to.length) <= to);
    }
    if (q.camera) {
      const camera = q.camera.toLowerCase();
      tests.push((i) => f.cameras[i].includes(camera));
    }
    if (q.lens) {
      const lens = q.lens.toLowerCase();
      tests.push((i) => f.lenses[i].includes(lens));
    }
    if (q.hasGps !== undefined) {
      const want = q.hasGps ? 1 : 0;
      tests.push((i) => f.gps[i] === want);
    }
    if (q.folder) {
      const match = picomatch(q.folder, { dot: true, nocase: true });
      // The glob's literal start ("2019/" of "2019/**") rules most paths out before the regex runs.
      const base = picomatch.scan(q.folder).base.toLowerCase();
      tests.push((i) => f.paths[i].some((p) => (!base || p.toLowerCase().startsWith(base)) && match(p)));
    }
    if (q.private) {
      const privacy = privacyOf(this.catalog, this.latestConfig(), { bulk: true });
      const want = q.private === 'only';
      tests.push((i) => privacy.isPrivate(f.ids[i], f.paths[i]) === want);
    }
    if (q.people) {
      const clip = this.catalog.metadata.personScores();
      const nsfw = this.catalog.metadata.nsfwScores();
      const min = this.latestConfig()?.cluster?.people?.minPersonScore ?? DEFAULT_PEOPLE.minPersonScore;
      const want = q.people === 'only';
      tests.push((i) => (personPresence(clip.get(f.ids[i]), nsfw.get(f.ids[i])) ?? 0) >= min === want);
    }
    // Sets from elsewhere: a keyword's photos, the caption status, the run, the cluster.
    const within: Array<Set<number>> = [];
    if (q.keyword) {
      const { layer, term } = parseKeyword(q.keyword);
      const lower = term.toLowerCase();
      const ids = new Set<number>();
      for (const t of this.keywordTerms())
        if (t.lower === lower && (!layer || t.layer === layer)) for (const id of t.photoIds) ids.add(id);
      within.push(ids);
    }
    if (q.status) within.push(this.catalog.search.photosWithCaptionStatus(q.status));
    if (q.run && runId) within.push(this.catalog.search.photosOfRun(runId));
    if (q.cluster !== undefined && runId) {
      const members = this.catalog.clusters.members(runId);
      within.push(
        new Set([...members.values()].filter((m) => m.cluster === q.cluster).map((m) => m.photoId)),
      );
    }
    const out = new Set<number>();
    for (let i = 0; i < f.ids.length; i++) {
      const id = f.ids[i];
      if (within.every((set) => set.has(id)) && tests.every((t) => t(i))) out.add(id);
    }
    return out;
  }

  /** Per-photo facts for filters, held until a photo's metadata or paths change. */
  private facets(): PhotoFacets {
    const generation = this.catalog.search.generation('photos');
    if (!this.facetCache || this.facetCache.generation !== generation)
      this.facetCache = { generation, facets: this.catalog.search.facets() };
    return this.facetCache.facets;
  }

  /** Every keyword that is not rejected, with its photos, held until a keyword changes. */
  private keywordTerms(): KeywordTerm[] {
    const generation = this.catalog.search.generation('keywords');
    if (this.keywordCache?.generation !== generation)
      this.keywordCache = {
        generation,
        terms: this.catalog.search.keywordIndex().map((t) => ({
          ...t,
          lower: t.term.toLowerCase(),
          words: t.term
            .toLowerCase()
            .split(/[^\p{L}\p{N}]+/u)
            .filter(Boolean),
        })),
      };
    return this.keywordCache.terms;
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

  private textLeg(words: string[], candidates: Set<number> | undefined, found: Candidates): LegReport {
    if (!words.length) return { leg: 'text', used: false, note: 'only stop words in the query' };
    const fields = ['caption', 'ocr'] as const;
    const docs = fields.reduce((n, f) => n + this.catalog.search.documents(f), 0);
    if (!docs) return { leg: 'text', used: false, note: 'no captions or OCR text indexed yet' };
    const common: string[] = [];
    const weights = new Float64Array(words.length);
    // Per photo (found.textMask): bit i when word i is in a caption, bit 12 + i in OCR text.
    const touched: number[] = [];
    words.forEach((word, w) => {
      const hits = fields.map((f) => this.catalog.search.photosWithWord(f, word, MAX_WORD_DOCUMENTS));
      if (hits.some((h) => !h)) {
        common.push(word);
        weights[w] = Math.log(1 + docs / MAX_WORD_DOCUMENTS);
        return;
      }
      weights[w] = Math.log(1 + docs / Math.max(1, hits[0]!.length + hits[1]!.length));
      hits.forEach((ids, field) => {
        const bit = 1 << (w + field * OCR_SHIFT);
        for (const id of ids!) {
          if (id > found.maxPhotoId || (candidates && !candidates.has(id))) continue;
          if (!found.textMask[id]) touched.push(id);
          found.textMask[id] |= bit;
        }
      });
    });
    const total = weights.reduce((a, b) => a + b, 0);
    const low = (1 << OCR_SHIFT) - 1;
    for (const id of touched) {
      const mask = found.textMask[id];
      const either = (mask | (mask >>> OCR_SHIFT)) & low;
      let covered = 0;
      for (let w = 0; w < words.length; w++) if (either & (1 << w)) covered += weights[w];
      found.add(id);
      found.legs.text[id] = calibrate('text', total ? covered / total : 0);
    }
    return {
      leg: 'text',
      used: true,
      note: common.length ? `too common to narrow the search: ${common.join(', ')}` : undefined,
    };
  }

  /**
   * Keywords covering the query's words: the whole phrase, every word of the term found in the
   * query (exact), or a query word the term starts with (prefix, 0.6). Per photo two bit masks —
   * exact words (bits 0–11) and prefix words (bits 12–23) — so a term with 25,000 photos costs
   * one OR each. Returns the matched terms, for the page's "why".
   */
  private keywordLeg(
    text: string,
    words: string[],
    candidates: Set<number> | undefined,
    found: Candidates,
  ): { report: LegReport; matched: KeywordTerm[] } {
    const phrase = text.toLowerCase().replace(/\s+/g, ' ').trim();
    const tokens = words.length ? words : queryWords(text, false);
    if (!tokens.length)
      return {
        report: { leg: 'keyword', used: false, note: 'no words to match keywords with' },
        matched: [],
      };
    const all = (1 << tokens.length) - 1;
    const masks = new Uint32Array(found.maxPhotoId + 1);
    const touched: number[] = [];
    const matched: KeywordTerm[] = [];
    for (const t of this.keywordTerms()) {
      let mask = 0;
      if (t.lower === phrase) mask = all;
      else if (t.words.length && t.words.every((w) => tokens.includes(w)))
        for (const w of t.words) mask |= 1 << tokens.indexOf(w);
      else {
        const prefixOf = tokens.findIndex((w) => w.length >= 3 && t.lower.startsWith(w));
        if (prefixOf >= 0) mask = 1 << (prefixOf + OCR_SHIFT);
      }
      if (!mask) continue;
      matched.push(t);
      for (const photoId of t.photoIds) {
        if (photoId > found.maxPhotoId || (candidates && !candidates.has(photoId))) continue;
        if (!masks[photoId]) touched.push(photoId);
        masks[photoId] |= mask;
      }
    }
    for (const id of touched) {
      const exact = masks[id] & all;
      const prefix = (masks[id] >>> OCR_SHIFT) & ~exact & all;
      let covered = 0;
      for (let w = 0; w < tokens.length; w++) covered += exact & (1 << w) ? 1 : prefix & (1 << w) ? 0.6 : 0;
      found.add(id);
      found.legs.keyword[id] = calibrate('keyword', covered / tokens.length);
    }
    return { report: { leg: 'keyword', used: true }, matched };
  }
}

/** The best `k` (photo, score) pairs offered, by a bounded min-heap; ties go to the lower id. */
class TopK {
  private readonly heap: Array<{ photoId: number; score: number }> = [];

  constructor(private readonly k: number) {}

  private worse(a: { photoId: number; score: number }, b: { photoId: number; score: number }): boolean {
    return a.score < b.score || (a.score === b.score && a.photoId > b.photoId);
  }

  offer(photoId: number, score: number): void {
    const h = this.heap;
    const item = { photoId, score };
    if (h.length < this.k) {
      h.push(item);
      for (let i = h.length - 1; i > 0;) {
        const p = (i - 1) >> 1;
        if (!this.worse(h[i], h[p])) break;
        [h[i], h[p]] = [h[p], h[i]];
        i = p;
      }
    } else if (this.k > 0 && this.worse(h[0], item)) {
      h[0] = item;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.worse(h[l], h[m])) m = l;
        if (r < h.length && this.worse(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
  }

  /** Best first. */
  sorted(): Array<{ photoId: number; score: number }> {
    return [...this.heap].sort((a, b) => b.score - a.score || a.photoId - b.photoId);
  }
}

/** A photo's matched keywords, as the "why" shows them: `AI|glass (approved)`. */
function keywordLabels(photoId: number, matched: readonly KeywordTerm[]): string[] {
  const out: string[] = [];
  for (const t of matched) {
    const i = sortedIndexOf(t.photoIds, photoId);
    if (i >= 0) out.push(`${t.layer}|${t.term} (${t.approved[i] ? 'approved' : 'proposed'})`);
    if (out.length === 5) break;
  }
  return out;
}

function sortedIndexOf(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] === x) return mid;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

interface KeywordTerm {
  layer: KeywordLayer;
  term: string;
  lower: string;
  words: string[];
  photoIds: Int32Array;
  approved: Uint8Array;
}

/** Why a candidate matched, in words, for the page's results. */
function whyOf(c: Candidates, id: number, words: readonly string[], keywords: readonly string[]): string[] {
  const why: string[] = [];
  const list = (mask: number) =>
    words
      .filter((_, i) => mask & (1 << i))
      .map((w) => `"${w}"`)
      .join(', ');
  if (!Number.isNaN(c.rawCaption[id])) why.push(`caption meaning ${c.rawCaption[id].toFixed(2)}`);
  if (!Number.isNaN(c.rawImage[id])) why.push(`image meaning ${c.rawImage[id].toFixed(2)}`);
  const inCaption = c.textMask[id] & ((1 << OCR_SHIFT) - 1);
  const inOcr = c.textMask[id] >>> OCR_SHIFT;
  if (inCaption) why.push(`caption has ${list(inCaption)}`);
  if (inOcr) why.push(`text in photo: ${list(inOcr)}`);
  why.push(...keywords.map((k) => `keyword ${k}`));
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
