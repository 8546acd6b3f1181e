import fs from 'node:fs';
import path from 'node:path';
import { NsfwScorer } from '../models/nsfw';
import { Context, heartbeat } from '@temporalio/activity';
import { withHeartbeats, type ActivityDeps } from './context';
import { getBackend } from '../backends/registry';
import type { CaptionInput } from '../backends/backend';
import { proposeAiKeywordsFile, type AiKeywordInput } from '../services/ai-keywords';
import {
  planMedoidVision,
  storeMedoidVision,
  type VisionAnswer,
  type VisionMedoid,
  type VisionPlan,
} from '../services/medoid-vision';
import type { VisionSettings } from '../tags/keyword-settings';
import { toFailure } from './caption';
import { PaddleOcr } from '../models/ocr';
import {
  planPhotoText,
  storePhotoText,
  type TextPlan,
  type TextRead,
  type TextToRead,
} from '../services/photo-text';

let ocrEngine: Promise<PaddleOcr> | undefined;

/** One pair of OCR sessions per process. */
function ocrOf(): Promise<PaddleOcr> {
  ocrEngine ??= PaddleOcr.create().catch((err: unknown) => {
    ocrEngine = undefined;
    throw err;
  });
  return ocrEngine;
}

export interface VisionTagInput {
  runId: string;
  settings: VisionSettings;
  prompt: string;
  medoid: VisionMedoid;
}

export interface VisionTagResult {
  tags?: string[];
  skipped?: string;
  usage?: VisionAnswer['usage'];
}

/** cpu and api-* workers: the AI layer's CLIP check, and one vision request per medoid. */
export function createKeywordComputeActivities(deps: ActivityDeps) {
  return {
    /** cpu: caption and concept terms, checked against each photo's CLIP vector. */
    async proposeAiKeywords(input: AiKeywordInput): Promise<{ file: string; photos: number }> {
      let done = 0;
      const result = await withHeartbeats(
        () => ({ done }),
        () =>
          proposeAiKeywordsFile(deps.config, input, (n) => {
            done = n;
            heartbeat({ done });
            Context.current().cancellationSignal.throwIfAborted();
          }),
      );
      return { file: result.file, photos: result.photos };
    },

    /**
     * api-* (or gpu for openai-compatible): tags for one cluster medoid. The backend receives the
     * resized, metadata-free proxy like a caption request. A refusal (400-class) is an answer with a
     * reason; 429/5xx/timeouts are Temporal retries; a refused key fails the activity for good.
     */
    async visionTagMedoid(input: VisionTagInput): Promise<VisionTagResult> {
      const backend = getBackend(input.settings.backend);
      if (!backend.tag) return { skipped: `${backend.name} cannot tag photos` };
      if (!fs.existsSync(input.medoid.proxyPath)) return { skipped: 'the medoid has no proxy image' };
      const photo: CaptionInput = {
        photoId: input.medoid.photoId,
        sha1: input.medoid.sha1,
        relPath: input.medoid.relPath,
        proxyPath: input.medoid.proxyPath,
      };
      try {
        const result = await withHeartbeats(
          () => undefined,
          () =>
            backend.tag!(photo, {
              runId: input.runId,
              signal: Context.current().cancellationSignal,
              model: input.settings.model,
              prompt: '',
              tagPrompt: input.prompt,
              maxEdge: input.settings.maxEdge,
              requestTimeoutMs: input.settings.requestTimeoutMs,
              baseUrl: input.settings.baseUrl,
              mockErrorRate: 0,
              mockLatencyMs: 0,
            }),
        );
        if (!result.tags.length)
          return { skipped: 'the model refused or returned no tags', usage: result.usage };
        return { tags: result.tags, usage: result.usage };
      } catch (err) {
        throw toFailure(err);
      }
    },
  };
}

/** cpu workers: OCR on this machine, heartbeating after each photo. */
export function createTextComputeActivities() {
  return {
    async readPhotoText(input: { photos: TextToRead[] }): Promise<TextRead[]> {
      const ocr = await ocrOf();
      const reads: TextRead[] = [];
      for (const photo of input.photos) {
        Context.current().cancellationSignal.throwIfAborted();
        let failed = 'no readable file';
        let lines;
        for (const file of photo.files) {
          if (!fs.existsSync(file)) continue;
          try {
            lines = await withHeartbeats(
              () => ({ read: reads.length }),
              () => ocr.read(file),
            );
            break;
          } catch (err) {
            // HEIC and RAW originals do not open in sharp: their proxy is read instead.
            failed = (err as Error).message;
          }
        }
        reads.push(lines ? { photoId: photo.photoId, lines } : { photoId: photo.photoId, lines: [], failed });
        heartbeat({ read: reads.length });
      }
      return reads;
    },
  };
}

let nsfw: { file: string; scorer: Promise<NsfwScorer> } | undefined;

/** One Open-NSFW session per process (per weights file). */
function nsfwScorer(file: string): Promise<NsfwScorer> {
  if (nsfw?.file !== file) nsfw = { file, scorer: NsfwScorer.create(file) };
  return nsfw.scorer;
}

/** gpu workers: the privacy gate's Open-NSFW scores, before any photo can reach a cloud queue. */
export function createPrivacyComputeActivities() {
  return {
    async scoreNsfw(input: {
      model: string;
      photos: Array<{ photoId: number; proxyPath: string }>;
    }): Promise<Array<{ photoId: number; score: number }>> {
      const scorer = await nsfwScorer(input.model);
      const scores = await withHeartbeats(
        () => undefined,
        () => scorer.score(input.photos.map((p) => p.proxyPath)),
      );
      return input.photos.map((p, i) => ({ photoId: p.photoId, score: scores[i] }));
    },
  };
}

/** io workers: which medoids to ask, and storing each answer the moment it arrives. */
export function createKeywordIoActivities(deps: ActivityDeps) {
  return {
    async planMedoidVision(input: { runId: string }): Promise<VisionPlan> {
      return planMedoidVision(deps.catalog(), deps.config.dataDir, input.runId, deps.proxyLongEdge);
    },
    async storeMedoidVision(answer: VisionAnswer): Promise<{ proposed: number }> {
      return storeMedoidVision(deps.catalog(), answer);
    },
    async planPhotoText(input: { runId: string }): Promise<TextPlan> {
      return planPhotoText(deps.catalog(), deps.config.dataDir, input.runId, deps.proxyLongEdge);
    },
    async storePhotoText(input: { runId: string; reads: TextRead[] }): Promise<{ proposed: number }> {
      return storePhotoText(deps.catalog(), input.runId, input.reads);
    },
    async recordNsfwScores(input: { model: string; scores: Array<{ photoId: number; score: number }> }) {
      deps.catalog().metadata.setNsfwScores(input.scores, path.basename(input.model));
    },
  };
}
