/**
 * Zero-shot vocabulary scoring with a CLIP-family model: each label becomes "a photo of {label}"
 * (template configurable), is embedded by the text tower once, and photos are ranked against it by
 * cosine similarity, softmaxed with CLIP's logit scale (100).
 */
import { byCodePoint } from '../shared/compare';
import { dot } from '../clustering/matrix';
import { embedTextsClip, type EmbedderOptions } from './embedder';
import { DEFAULT_TEMPLATE } from '../tags/vocabulary';

export interface LabelScore {
  label: string;
  score: number;
}

export class ZeroShotScorer {
  private constructor(
    readonly labels: string[],
    private readonly labelVectors: Float32Array[],
  ) {}

  static async create(
    model: string,
    labels: string[],
    options: EmbedderOptions,
    template = DEFAULT_TEMPLATE,
  ): Promise<ZeroShotScorer> {
    if (!labels.length) throw new Error('the vocabulary is empty');
    const vectors = await embedTextsClip(
      model,
      labels.map((l) => template.replace('{label}', l)),
      options,
    );
    return new ZeroShotScorer(labels, vectors);
  }

  /** Every label with its probability, best first. */
  rank(imageVector: Float32Array): LabelScore[] {
    const logits = this.labelVectors.map((v) => 100 * dot(v, 0, imageVector, 0, v.length));
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    return this.labels
      .map((label, i) => ({ label, score: exps[i] / sum }))
      .sort((a, b) => b.score - a.score || byCodePoint(a.label, b.label));
  }
}
