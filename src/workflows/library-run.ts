import {
  ActivityFailure,
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
import { clusterAndReport } from './cluster-and-report';
import type { ReportSummary } from '../reports/cluster-reports';
import { DEFAULT_RETRY } from './retry';

const { scanLibrary } = proxyActivities<IoActivities>({
  taskQueue: taskQueueOf('io'),
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '1 minute',
  retry: DEFAULT_RETRY,
});
const { finishRun, resolveRunDates } = proxyActivities<IoActivities>({
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
  spendUsd: number;
  /** Present when the run clustered and wrote reports. */
  report?: ReportSummary;
  /** Why clustering failed; captions and embeddings are kept and `pcc report` can try again. */
  clusterError?: string;
}

function money(usd: number): string {
  return `$${usd.toFixed(usd < 10 ? 4 : 2)}`;
}

/**
 * A whole library run: scan once, then a sliding window of processBatch children, at most
 * maxConcurrentBatches in flight. After each page of batches it drains the window and continues
 * as new, so history stays small however large the library is. It pauses itself when a provider
 * refuses the key (the interrupted batch runs again on resume) or when spend reaches the cap.
 */
export async function libraryRun({ config, state }: LibraryRunInput): Promise<LibraryRunResult> {
  const info = workflowInfo();
  const runId = state?.runId ?? info.firstExecutionRunId;
  let phase: RunPhase = state ? 'processing' : 'scanning';
  let current: LibraryRunState | undefined = state;
  // Signals may arrive before the scan finishes: keep their effect outside `current`.
  let paused = state?.paused ?? false;
  let pauseReason = state?.pauseReason;
  let maxCostUsd = state?.maxCostUsd ?? config.maxCostUsd;
  let byStatus = state?.byStatus ?? emptyCounts();
  let spendUsd = state?.spendUsd ?? 0;
  const inFlight = new Map<number, number>();

  const overCap = () => maxCostUsd !== undefined && spendUsd >= maxCostUsd;
  setHandler(pauseSignal, () => {
    paused = true;
    pauseReason = undefined;
  });
  setHandler(resumeSignal, (args) => {
    if (args?.maxCostUsd !== undefined) maxCostUsd = args.maxCostUsd;
    if (overCap()) {
      pauseReason = `spend ${money(spendUsd)} has reached the cap ${money(maxCostUsd as number)}: resume with a higher --max-cost-usd`;
      return;
    }
    paused = false;
    pauseReason = undefined;
  });
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
      pauseReason,
      total,
      done,
      byStatus,
      inFlightBatches: inFlight.size,
      inFlightPhotos: [...inFlight.values()].reduce((a, b) => a + b, 0),
      photosPerSecond: Math.round(rate * 100) / 100,
      etaSeconds: rate > 0 ? Math.round((total - done) / rate) : null,
      startedAt: new Date(started).toISOString(),
      scan: current?.scan,
      spendUsd,
      maxCostUsd,
    };
  });

  try {
    if (!current) {
      const scan = await scanLibrary({ runId, workflowId: info.workflowId, config });
      current = {
        runId,
        startedAtMs: Date.now(),
        scan,
        nextBatch: 0,
        byStatus,
        paused,
        spendUsd,
        redo: [],
        starts: {},
      };
    }
    phase = 'processing';
    const run = current;
    const pageEnd = Math.min(run.scan.batches, run.nextBatch + config.batchesPerPage);
    let failure: unknown;
    const children: Promise<void>[] = [];
    const hasWork = () => run.redo.length > 0 || run.nextBatch < pageEnd;

    const onResult = (result: BatchResult) => {
      byStatus = addCounts(byStatus, result.counts);
      spendUsd += result.costUsd;
      inFlight.delete(result.batchIndex);
      if (result.authError) {
        run.redo.push(result.batchIndex);
        paused = true;
        pauseReason = `the provider refused the API key: ${result.authError}. Fix the key, restart the workers, then resume`;
      } else if (overCap()) {
        paused = true;
        pauseReason = `spend ${money(spendUsd)} has reached the cap ${money(maxCostUsd as number)}: resume with a higher --max-cost-usd`;
      }
    };

    for (;;) {
      await condition(
        () =>
          failure !== undefined ||
          (!paused && inFlight.size < config.maxConcurrentBatches && hasWork()) ||
          (!hasWork() && inFlight.size === 0),
      );
      if (failure !== undefined || (!hasWork() && inFlight.size === 0)) break;
      const batchIndex = run.redo.length ? (run.redo.shift() as number) : run.nextBatch++;
      const start = (run.starts[batchIndex] ?? 0) + 1;
      run.starts[batchIndex] = start;
      inFlight.set(batchIndex, Math.min(config.batchSize, run.scan.total - batchIndex * config.batchSize));
      children.push(
        executeChild(processBatch, {
          workflowId: batchWorkflowId(info.workflowId, batchIndex, start),
          taskQueue: WORKFLOW_TASK_QUEUE,
          args: [{ config, batch: { runId, batchIndex, batchSize: config.batchSize } }],
        }).then(onResult, (err: unknown) => {
          failure ??= err;
        }),
      );
    }
    await Promise.all(children);
    if (failure !== undefined) throw failure;

    if (run.nextBatch < run.scan.batches) {
      // Only counts travel on: the batch attempt counter is needed for re-run batches alone.
      await continueAsNew<typeof libraryRun>({
        config,
        state: { ...run, byStatus, paused, pauseReason, spendUsd, maxCostUsd, starts: {} },
      });
    }
    phase = 'finishing';
    await resolveRunDates({ runId });
    let report: ReportSummary | undefined;
    let clusterError: string | undefined;
    if (config.cluster) {
      phase = 'clustering';
      // Clustering comes after every photo is captioned: its failure must not throw that work
      // away by failing the run. The run completes and says what went wrong.
      try {
        report = await clusterAndReport(runId, config);
      } catch (err) {
        if (isCancellation(err)) throw err;
        clusterError =
          err instanceof ActivityFailure && err.cause ? err.cause.message : (err as Error).message;
      }
    }
    await finishRun({ runId, status: 'completed', counts: byStatus });
    phase = 'completed';
    return {
      runId,
      scan: run.scan,
      byStatus,
      seconds: (Date.now() - run.startedAtMs) / 1000,
      spendUsd,
      report,
      clusterError,
    };
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
