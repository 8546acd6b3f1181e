import {
  CancellationScope,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { IoActivities } from '../activities';
import type {
  BatchResult,
  LibraryRunState,
  RunConfig,
  RunPhase,
  RunProgress,
  ScanSummary,
} from '../shared/payloads';
import { addCounts, emptyCounts, totalOf, type StatusCounts } from '../shared/status';
import { WORKFLOW_TASK_QUEUE, taskQueueOf } from '../shared/queues';
import { batchWorkflowId, pauseSignal, progressQuery, resumeSignal } from './definitions';
import { processBatch } from './process-batch';
import { DEFAULT_RETRY } from './retry';

const { scanLibrary } = proxyActivities<IoActivities>({
  taskQueue: taskQueueOf('io'),
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '1 minute',
  retry: DEFAULT_RETRY,
});
const { finishRun } = proxyActivities<IoActivities>({
  taskQueue: taskQueueOf('io'),
  startToCloseTimeout: '1 minute',
  retry: DEFAULT_RETRY,
});

export interface LibraryRunInput {
  config: RunConfig;
  /** Present from the second execution on (continue-as-new). */
  state?: LibraryRunState;
}

export interface LibraryRunResult {
  runId: string;
  scan: ScanSummary;
  byStatus: StatusCounts;
  seconds: number;
}

/**
 * A whole library run: scan once, then a sliding window of processBatch children, at most
 * maxConcurrentBatches in flight. After each page of batches it drains the window and continues
 * as new, so history stays small however large the library is.
 */
export async function libraryRun({ config, state }: LibraryRunInput): Promise<LibraryRunResult> {
  const info = workflowInfo();
  const runId = state?.runId ?? info.firstExecutionRunId;
  let phase: RunPhase = state ? 'processing' : 'scanning';
  let paused = state?.paused ?? false;
  let byStatus = state?.byStatus ?? emptyCounts();
  const inFlight = new Map<number, number>();
  let current: LibraryRunState | undefined = state;

  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(progressQuery, (): RunProgress => {
    const total = current?.scan.total ?? 0;
    const done = totalOf(byStatus);
    const started = current?.startedAtMs ?? Date.now();
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    return {
      runId,
      phase,
      paused,
      total,
      done,
      byStatus,
      inFlightBatches: inFlight.size,
      inFlightPhotos: [...inFlight.values()].reduce((a, b) => a + b, 0),
      photosPerSecond: Math.round(rate * 100) / 100,
      etaSeconds: rate > 0 ? Math.round((total - done) / rate) : null,
      startedAt: new Date(started).toISOString(),
      scan: current?.scan,
    };
  });

  try {
    if (!current) {
      const scan = await scanLibrary({ runId, workflowId: info.workflowId, config });
      current = { runId, startedAtMs: Date.now(), scan, nextBatch: 0, byStatus, paused };
    }
    phase = 'processing';
    const run = current;
    const pageEnd = Math.min(run.scan.batches, run.nextBatch + config.batchesPerPage);
    let failure: unknown;
    const children: Promise<void>[] = [];

    while (run.nextBatch < pageEnd) {
      await condition(
        () => failure !== undefined || (!paused && inFlight.size < config.maxConcurrentBatches),
      );
      if (failure !== undefined) break;
      const batchIndex = run.nextBatch++;
      const photos = Math.min(config.batchSize, run.scan.total - batchIndex * config.batchSize);
      inFlight.set(batchIndex, photos);
      children.push(
        executeChild(processBatch, {
          workflowId: batchWorkflowId(info.workflowId, batchIndex),
          taskQueue: WORKFLOW_TASK_QUEUE,
          args: [{ config, batch: { runId, batchIndex, batchSize: config.batchSize } }],
        }).then(
          (result: BatchResult) => {
            byStatus = addCounts(byStatus, result.counts);
            inFlight.delete(batchIndex);
          },
          (err: unknown) => {
            failure ??= err;
          },
        ),
      );
    }
    await Promise.all(children);
    if (failure !== undefined) throw failure;

    if (run.nextBatch < run.scan.batches) {
      await continueAsNew<typeof libraryRun>({ config, state: { ...run, byStatus, paused } });
    }
    phase = 'finishing';
    await finishRun({ runId, status: 'completed', counts: byStatus });
    phase = 'completed';
    return { runId, scan: run.scan, byStatus, seconds: (Date.now() - run.startedAtMs) / 1000 };
  } catch (err) {
    if (isCancellation(err)) {
      phase = 'cancelled';
      await CancellationScope.nonCancellable(() =>
        finishRun({ runId, status: 'cancelled', counts: byStatus }),
      );
    }
    throw err;
  }
}
