import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { ComputeActivities, IoActivities } from '../activities';
import type { CaptionInput } from '../backends/backend';
import type {
  BatchRef,
  BatchResult,
  CaptionOutcome,
  CaptionSettings,
  LoadedPhoto,
  RunConfig,
} from '../shared/payloads';
import { emptyCounts } from '../shared/status';
import { taskQueueOf, type QueueRole } from '../shared/queues';
import { DEFAULT_RETRY } from './retry';
import { folderOf, photos as photoCount, summarised } from './ui-summary';

const IO_OPTIONS = {
  taskQueue: taskQueueOf('io'),
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: DEFAULT_RETRY,
} as const;
const io = proxyActivities<IoActivities>(IO_OPTIONS);

export interface ProcessBatchInput {
  config: RunConfig;
  batch: BatchRef;
}

function settingsOf(config: RunConfig, backend = config.backend, model = config.model): CaptionSettings {
  return {
    backend,
    model,
    prompt: config.prompt,
    mockErrorRate: config.mockErrorRate,
    mockLatencyMs: config.mockLatencyMs,
    maxEdge: config.maxEdge,
    requestTimeoutMs: config.requestTimeoutMs,
    baseUrl: config.baseUrl,
    ...(config.dtype ? { dtype: config.dtype } : {}),
  };
}

function inputOf(p: LoadedPhoto): CaptionInput {
  return { photoId: p.photoId, sha1: p.sha1, relPath: p.relPath, proxyPath: p.proxyPath ?? '' };
}

/** Local backends: one activity per batch, heartbeating and resuming after each photo. */
function captionInBatch(
  config: RunConfig,
  queue: QueueRole,
  settings: CaptionSettings,
  runId: string,
  photos: LoadedPhoto[],
) {
  const compute = summarised<ComputeActivities>(
    {
      taskQueue: taskQueueOf(queue),
      startToCloseTimeout: '1 hour',
      heartbeatTimeout: '30 seconds',
      retry: DEFAULT_RETRY,
    },
    `caption ${photoCount(photos.length)} in ${folderOf(photos.map((p) => p.relPath))} with ${settings.backend}`,
  );
  return compute.captionBatch({ runId, settings, photos: photos.map(inputOf) });
}

/**
 * Remote backends: one activity per photo. The queue's rate limit then counts requests, Temporal
 * retries 429/5xx/timeouts (honouring Retry-After), and a photo that still fails after the last
 * attempt becomes error_api. A refused key stops the batch and is reported to the run.
 */
async function captionPerPhoto(config: RunConfig, runId: string, photos: LoadedPhoto[]) {
  const options = {
    taskQueue: taskQueueOf(config.captionQueue),
    startToCloseTimeout: config.requestTimeoutMs + 30_000,
    heartbeatTimeout: '20 seconds',
    retry: {
      ...DEFAULT_RETRY,
      maximumAttempts: config.apiMaxAttempts,
      nonRetryableErrorTypes: ['AuthFailed'],
    },
  };
  const settings = settingsOf(config);
  let authError: string | undefined;
  const settled = await Promise.allSettled(
    photos.map((p) =>
      summarised<ComputeActivities>(options, `caption ${p.relPath} with ${config.backend}`).captionPhoto({
        runId,
        settings,
        photo: inputOf(p),
      }),
    ),
  );
  const outcomes: CaptionOutcome[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') {
      outcomes.push(s.value);
      return;
    }
    const cause = s.reason instanceof ActivityFailure ? s.reason.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === 'AuthFailed') {
      authError ??= cause.message;
      return;
    }
    outcomes.push({
      photoId: photos[i].photoId,
      status: 'error_api',
      reason: `${cause?.message ?? (s.reason as Error).message} (gave up after ${config.apiMaxAttempts} attempts)`,
    });
  });
  return { outcomes, authError };
}

/**
 * Scores the photos that have no stored Open-NSFW score (gpu queue, local weights), stores them
 * (io), and marks every photo at or above the threshold private for the rest of the batch.
 */
async function gateNsfw(privacy: NonNullable<RunConfig['privacy']>, photos: LoadedPhoto[]): Promise<void> {
  const need = photos.filter((p) => p.nsfwScore === undefined && p.proxyPath);
  if (need.length) {
    const gpu = summarised<ComputeActivities>(
      {
        taskQueue: taskQueueOf('gpu'),
        startToCloseTimeout: '1 hour',
        heartbeatTimeout: '30 seconds',
        retry: DEFAULT_RETRY,
      },
      `NSFW check of ${photoCount(need.length)} in ${folderOf(need.map((p) => p.relPath))}`,
    );
    const scores = await gpu.scoreNsfw({
      model: privacy.nsfwModel,
      photos: need.map((p) => ({ photoId: p.photoId, proxyPath: p.proxyPath as string })),
    });
    await io.recordNsfwScores({ model: privacy.nsfwModel, scores });
    const byId = new Map(scores.map((s) => [s.photoId, s.score]));
    for (const p of need) p.nsfwScore = byId.get(p.photoId);
  }
  for (const p of photos) {
    if (p.nsfwScore !== undefined && p.nsfwScore >= privacy.nsfwThreshold && !p.private) {
      p.private = true;
      p.privateReason = `NSFW score ${p.nsfwScore.toFixed(2)} ≥ ${privacy.nsfwThreshold}`;
    }
  }
}

/**
 * The file the embedder reads: the review thumbnail when it is at least as large as the model's
 * input (decoded once at load, ~4× fewer pixels to decode than a 1024-px proxy), else the proxy.
 */
function embedInputOf(photo: LoadedPhoto, settings: NonNullable<RunConfig['embed']>): string | undefined {
  const { inputEdge } = settings;
  if (inputEdge && photo.thumbPath && (photo.thumbShortEdge ?? 0) >= inputEdge) return photo.thumbPath;
  return photo.proxyPath;
}

/** Image (and caption-text) embeddings on the gpu queue; vectors travel by staging file, not history. */
async function embed(
  config: RunConfig,
  batch: BatchRef,
  photos: LoadedPhoto[],
  outcomes: CaptionOutcome[],
): Promise<void> {
  const settings = config.embed as NonNullable<RunConfig['embed']>;
  const gpu = summarised<ComputeActivities>(
    {
      taskQueue: taskQueueOf('gpu'),
      startToCloseTimeout: '2 hours',
      // Heartbeats come after every inference batch: a killed gpu worker's batch moves on within 30 s.
      heartbeatTimeout: '30 seconds',
      retry: DEFAULT_RETRY,
    },
    `embed ${photoCount(photos.length)} in ${folderOf(photos.map((p) => p.relPath))} with ${settings.imageModel}`,
  );
  const fresh = new Map(
    outcomes.filter((o) => o.status === 'success' && o.caption).map((o) => [o.photoId, o.caption as string]),
  );
  const captions = photos
    .map((p) => ({ photoId: p.photoId, text: fresh.get(p.photoId) ?? p.caption }))
    .filter((c): c is { photoId: number; text: string } => Boolean(c.text));
  const staged = await gpu.embedBatch({
    runId: batch.runId,
    batchIndex: batch.batchIndex,
    settings,
    photos: photos.flatMap((p) => {
      const pixels = embedInputOf(p, settings);
      return pixels ? [{ photoId: p.photoId, proxyPath: pixels }] : [];
    }),
    captions: settings.textModel ? captions : [],
  });
  await io.persistEmbeddings({ runId: batch.runId, staged });
}

/**
 * One batch of photos: load (decode, validate, proxy) → caption on the backend's queue → persist.
 * Per-photo failures come back as statuses; only infrastructure failures are retried.
 */
export async function processBatch({ config, batch }: ProcessBatchInput): Promise<BatchResult> {
  const counts = emptyCounts();
  const key = { backend: config.backend, model: config.model, promptHash: config.promptHash };
  const loader = summarised<IoActivities>(
    IO_OPTIONS,
    `${config.dryRun ? 'decode' : 'load'} batch ${batch.batchIndex + 1} (up to ${photoCount(batch.batchSize)})`,
  );
  const loaded = await loader.loadBatch({
    batch,
    redecode: config.dryRun || config.force,
    writeProxies: config.writeProxies,
    ...(config.embed?.inputEdge ? { thumbnailEdgeNeeded: config.embed.inputEdge } : {}),
    captionKey: config.dryRun ? undefined : key,
    localOnly: config.localOnly,
    force: config.force,
    retryStatuses: config.retryStatuses,
    acceptTruncated: config.acceptTruncated,
  });
  const decodable = loaded.filter((p) => p.status === 'success');
  counts.error_corrupt = loaded.length - decodable.length;
  if (config.dryRun || decodable.length === 0) {
    counts.success = decodable.length;
    return { batchIndex: batch.batchIndex, counts, costUsd: 0 };
  }

  // The privacy gate: Open-NSFW on this machine, before any photo can reach a cloud queue.
  if (config.privacy) await gateNsfw(config.privacy, decodable);

  const outcomes: CaptionOutcome[] = [];
  let authError: string | undefined;
  // Photos here only for a missing embedding keep their caption: nobody pays for it twice.
  const toCaption = decodable.filter((p) => p.needsCaption);
  const kept = config.remote ? toCaption.filter((p) => p.private) : [];
  const sendable = config.remote ? toCaption.filter((p) => !p.private) : toCaption;

  if (kept.length && config.privateBackend && config.privateQueue) {
    const local = await captionInBatch(
      config,
      config.privateQueue,
      settingsOf(config, config.privateBackend, config.privateModel),
      batch.runId,
      kept,
    );
    outcomes.push(
      ...local.map((o) => ({
        ...o,
        reason: o.reason ?? `local-only photo, captioned by ${config.privateBackend}`,
      })),
    );
  } else {
    for (const p of kept) {
      outcomes.push({
        photoId: p.photoId,
        status: 'skipped_private',
        reason: p.privateReason
          ? `${p.privateReason}: never sent to ${config.backend}`
          : `local-only photo: never sent to ${config.backend}`,
      });
    }
  }
  if (sendable.length) {
    if (config.captionGranularity === 'photo') {
      const result = await captionPerPhoto(config, batch.runId, sendable);
      outcomes.push(...result.outcomes);
      authError = result.authError;
    } else {
      outcomes.push(
        ...(await captionInBatch(config, config.captionQueue, settingsOf(config), batch.runId, sendable)),
      );
    }
  }

  await summarised<IoActivities>(IO_OPTIONS, `save ${outcomes.length} captions in the catalog`).persistBatch({
    runId: batch.runId,
    key,
    outcomes,
  });
  if (config.embed && !authError) await embed(config, batch, decodable, outcomes);
  let costUsd = 0;
  for (const p of decodable) if (!p.needsCaption) counts[p.captionStatus ?? 'success']++;
  for (const o of outcomes) {
    counts[o.status]++;
    costUsd += o.usage?.costUsd ?? 0;
  }
  // An interrupted batch runs again after the key is fixed; its corrupt photos are counted then.
  if (authError) counts.error_corrupt = 0;
  return { batchIndex: batch.batchIndex, counts, costUsd, authError };
}
