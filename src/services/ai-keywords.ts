/**
 * The freeform (AI) layer, local: candidates from each caption (tags/caption-terms.ts) plus the
 * concept bank, mapped onto the user's tree and aliases, each checked against the photo's CLIP
 * image vector through the text tower ("a photo of {term}" · image, cosine), the best `maxAiTags`
 * at or above `aiMinScore` kept. Photos without a caption get concept-bank terms only. Reads the
 * staged image vectors and captions, writes a JSON file for the io side to store: no catalog here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../files/atomic-write';
import { readMatrixFile } from '../clustering/input-file';
import { dot } from '../clustering/matrix';
import { embedTextsClip, normalize } from '../models/embedder';
import { modelsDir, requireModel } from '../models/model-store';
import type { PccConfig } from '../config';
import type { KeywordSettings } from '../tags/keyword-settings';
import { mineCaption, TermMapper } from '../tags/caption-terms';
import { DEFAULT_TEMPLATE } from '../tags/vocabulary';
import type { Dtype } from '../shared/dtype';

export interface AiKeywordInput {
  runId: string;
  imageFile: string;
  /** `{ "<photoId>": "caption", … }` staged beside the image vectors. */
  captionsFile: string;
  keywords: KeywordSettings;
  model: string;
  dtype: Dtype;
  template?: string;
}

export interface AiTerm {
  term: string;
  path?: string;
  mappedFrom?: string;
  score: number;
  sourceKind: 'caption' | 'concept';
}

export interface AiKeywordRow {
  photoId: number;
  terms: AiTerm[];
}

/** Texts embedded per text-tower call. */
const TEXT_BATCH = 128;

export async function proposeAiKeywordsFile(
  config: PccConfig,
  input: AiKeywordInput,
  onProgress: (done: number) => void = () => undefined,
): Promise<{ file: string; photos: number; rows: AiKeywordRow[] }> {
  const settings = input.keywords;
  const file = path.join(path.dirname(input.imageFile), 'ai-keywords.json');
  const { header, vectors } = readMatrixFile(input.imageFile);
  const captions = JSON.parse(fs.readFileSync(input.captionsFile, 'utf8')) as Record<string, string>;
  const mapper = new TermMapper(settings.tree, settings.aliases);
  // Candidates per photo, as [what the source said, where it came from].
  const candidates = header.photoIds.map((id) => {
    const caption = captions[String(id)];
    const mined = caption ? mineCaption(caption, { cities: settings.cities }) : [];
    const seen = new Set(mined);
    return [
      ...mined.map((t) => ({ word: t, sourceKind: 'caption' as const })),
      ...settings.conceptBank
        .filter((t) => !seen.has(t))
        .map((t) => ({ word: t, sourceKind: 'concept' as const })),
    ];
  });
  const words = [...new Set(candidates.flat().map((c) => c.word))];
  const rows: AiKeywordRow[] = [];
  if (settings.maxAiTags > 0 && words.length && header.photoIds.length) {
    const dir = modelsDir(config);
    requireModel(dir, input.model, input.dtype);
    const template = input.template ?? DEFAULT_TEMPLATE;
    const textVectors = new Map<string, Float32Array>();
    for (let i = 0; i < words.length; i += TEXT_BATCH) {
      const chunk = words.slice(i, i + TEXT_BATCH);
      const embedded = await embedTextsClip(
        input.model,
        chunk.map((w) => template.replace('{label}', w)),
        { modelsDir: dir, dtype: input.dtype, device: config.tuning.device },
      );
      chunk.forEach((w, j) => textVectors.set(w, normalize(embedded[j])));
      onProgress(0);
    }
    for (let p = 0; p < header.photoIds.length; p++) {
      const image = normalize(vectors.data.slice(p * vectors.cols, (p + 1) * vectors.cols));
      const best = new Map<string, AiTerm>();
      for (const c of candidates[p]) {
        const score = Math.round(dot(textVectors.get(c.word)!, 0, image, 0, image.length) * 1e4) / 1e4;
        if (score < settings.aiMinScore) continue;
        const mapped = mapper.map(c.word);
        const key = mapped.path ?? mapped.term;
        const prev = best.get(key);
        if (prev && prev.score >= score) continue;
        best.set(key, {
          term: mapped.term,
          ...(mapped.path ? { path: mapped.path } : {}),
          ...(mapped.mappedFrom ? { mappedFrom: mapped.mappedFrom } : {}),
          score,
          sourceKind: c.sourceKind,
        });
      }
      const terms = [...best.values()]
        .sort((a, b) => b.score - a.score || (a.term < b.term ? -1 : 1))
        .slice(0, settings.maxAiTags);
      rows.push({ photoId: header.photoIds[p], terms });
      if (p % 500 === 499) {
        onProgress(p + 1);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  writeFileAtomic(file, JSON.stringify(rows));
  return { file, photos: rows.length, rows };
}
