import { writeFileAtomic } from '../files/atomic-write';
import path from 'node:path';
import { Context, heartbeat } from '@temporalio/activity';
import { withHeartbeats, type ActivityDeps } from './context';
import type { VocabularyScoreRow } from '../catalog/clusters.repository';
import { readMatrixFile } from '../clustering/input-file';
import { modelsDir, requireModel } from '../models/model-store';
import { ZeroShotScorer } from '../models/zero-shot';
import type { PccConfig } from '../config';
import type { Vocabulary } from '../tags/vocabulary';
import type { Dtype } from '../shared/dtype';

export interface ScoreVocabularyInput {
  runId: string;
  /** Staged image vectors (clustering input layout). */
  imageFile: string;
  vocabulary: Vocabulary;
  /** The CLIP model whose image tower produced the vectors; its text tower embeds the labels. */
  model: string;
  dtype: Dtype;
}

export interface ScoredVocabulary {
  file: string;
  photos: number;
}

/** Labels kept per photo in the scores (the CSV shows five; top-K may ask for more). */
const KEEP = 5;

/**
 * Zero-shot scores of every staged image vector against the vocabulary: the top labels with their
 * probabilities, and the approved ones (top-K at or above the threshold).
 */
export async function scoreVocabularyFile(
  config: PccConfig,
  input: ScoreVocabularyInput,
  onProgress: (done: number) => void = () => undefined,
): Promise<ScoredVocabulary & { rows: VocabularyScoreRow[] }> {
  const dir = modelsDir(config);
  requireModel(dir, input.model, input.dtype);
  const { vocabulary } = input;
  const { header, vectors } = readMatrixFile(input.imageFile);
  const rows: VocabularyScoreRow[] = [];
  if (vocabulary.labels.length && header.photoIds.length) {
    const scorer = await ZeroShotScorer.create(
      input.model,
      vocabulary.labels,
      { modelsDir: dir, dtype: input.dtype, device: config.tuning.device },
      vocabulary.template,
    );
    for (let i = 0; i < header.photoIds.length; i++) {
      const ranked = scorer.rank(vectors.data.subarray(i * vectors.cols, (i + 1) * vectors.cols));
      const top = ranked.slice(0, Math.max(KEEP, vocabulary.topK)).map((r) => ({
        label: r.label,
        score: Math.round(r.score * 1e6) / 1e6,
      }));
      const approved = ranked
        .slice(0, vocabulary.topK)
        .filter((r) => r.score >= vocabulary.threshold)
        .map((r) => r.label);
      rows.push({ photoId: header.photoIds[i], model: input.model, top, approved });
      if (i % 500 === 499) {
        onProgress(i + 1);
        // Let the heartbeat (and cancellation) through between slices of work.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  const file = path.join(path.dirname(input.imageFile), 'vocabulary.json');
  writeFileAtomic(file, JSON.stringify(rows));
  return { file, photos: rows.length, rows };
}

export function createVocabularyActivities(deps: ActivityDeps) {
  return {
    /** cpu: vocabulary tags by zero-shot CLIP scoring of the run's image vectors. */
    async scoreVocabulary(input: ScoreVocabularyInput): Promise<ScoredVocabulary> {
      let scored = 0;
      // Model loading and label embedding are awaited, so this timer keeps heartbeats going.
      const done = await withHeartbeats(
        () => ({ scored }),
        () =>
          scoreVocabularyFile(deps.config, input, (n) => {
            scored = n;
            heartbeat({ scored });
            Context.current().cancellationSignal.throwIfAborted();
          }),
      );
      return { file: done.file, photos: done.photos };
    },
  };
}
