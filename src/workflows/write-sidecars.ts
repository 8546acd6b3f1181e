import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { IoActivities } from '../activities';
import { taskQueueOf } from '../shared/queues';
import type { WriteProgress, WriteSidecarsRequest } from '../shared/payloads';
import { writeProgressQuery } from './definitions';
import { DEFAULT_RETRY } from './retry';

const io = proxyActivities<IoActivities>({
  taskQueue: taskQueueOf('io'),
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '60 seconds',
  retry: { ...DEFAULT_RETRY, maximumAttempts: 10 },
});

/** Sidecars per chunk activity: progress is reported between chunks, a retry redoes one chunk. */
const CHUNK = 500;

/**
 * Writes a run's approved keywords and captions to XMP sidecars on the io queue (the review
 * studio's "Write"): plan once (staged as a file), then chunks, each retried on its own. Sidecars
 * only — originals are never opened for writing. Progress through the `writeProgress` query.
 */
export async function writeSidecarsRun(request: WriteSidecarsRequest): Promise<WriteProgress> {
  const progress: WriteProgress = {
    runId: request.runId,
    phase: 'planning',
    total: 0,
    done: 0,
    written: 0,
    unchanged: 0,
    errors: [],
  };
  setHandler(writeProgressQuery, () => progress);
  const plan = await io.planSidecarWrite(request);
  progress.total = plan.total;
  progress.auditPath = plan.auditPath;
  progress.phase = 'writing';
  for (let from = 0; from < plan.total; from += CHUNK) {
    const r = await io.writeSidecarChunk({
      ...request,
      file: plan.file,
      from,
      to: Math.min(plan.total, from + CHUNK),
    });
    progress.done = Math.min(plan.total, from + CHUNK);
    progress.written += r.written;
    progress.unchanged += r.unchanged;
    progress.errors.push(...r.errors.slice(0, Math.max(0, 50 - progress.errors.length)));
    progress.errorCount = (progress.errorCount ?? 0) + r.errors.length;
  }
  await io.removeSidecarPlan({ file: plan.file });
  progress.phase = 'done';
  return progress;
}
