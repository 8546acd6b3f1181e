import { proxyActivities } from '@temporalio/workflow';
import type { ComputeActivities, IoActivities } from '../activities';
import type { BatchRef, BatchResult, RunConfig } from '../shared/payloads';
import { emptyCounts } from '../shared/status';
import { taskQueueOf } from '../shared/queues';
import { DEFAULT_RETRY } from './retry';

const io = proxyActivities<IoActivities>({
  taskQueue: taskQueueOf('io'),
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: DEFAULT_RETRY,
});

export interface ProcessBatchInput {
  config: RunConfig;
  batch: BatchRef;
}

/**
 * One batch of photos: load (decode + proxy) → caption on the backend's queue → persist.
 * Per-photo failures come back as statuses; only infrastructure failures are retried.
 */
export async function processBatch({ config, batch }: ProcessBatchInput): Promise<BatchResult> {
  const counts = emptyCounts();
  const loaded = await io.loadBatch({
    batch,
    redecode: config.dryRun || config.force,
    writeProxies: config.writeProxies,
  });
  const decodable = loaded.filter((p) => p.status === 'success');
  counts.error_corrupt = loaded.length - decodable.length;

  if (config.dryRun || decodable.length === 0) {
    counts.success = decodable.length;
    return { batchIndex: batch.batchIndex, counts };
  }

  const compute = proxyActivities<ComputeActivities>({
    taskQueue: taskQueueOf(config.captionQueue),
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: '30 seconds',
    retry: DEFAULT_RETRY,
  });
  const outcomes = await compute.captionBatch({
    runId: batch.runId,
    backend: config.backend,
    model: config.model,
    prompt: config.prompt,
    mockErrorRate: config.mockErrorRate,
    mockLatencyMs: config.mockLatencyMs,
    photos: decodable.map((p) => ({
      photoId: p.photoId,
      sha1: p.sha1,
      relPath: p.relPath,
      proxyPath: p.proxyPath ?? '',
    })),
  });
  await io.persistBatch({
    runId: batch.runId,
    key: { backend: config.backend, model: config.model, promptHash: config.promptHash },
    outcomes,
  });
  for (const o of outcomes) counts[o.status]++;
  return { batchIndex: batch.batchIndex, counts };
}
