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
import { PHOTO_STATUSES, addCounts, emptyCounts, totalOf, type StatusCounts } from '../shared/status';
import { WORKFLOW_TASK_QUEUE, taskQueueOf } from '../shared/queues';
import { batchWorkflowId, pauseSignal, progressQuery, resumeSignal, type ResumeArgs } from './definitions';
import { processBatch } from './process-batch';
import { clusterAndReport } from './cluster-and-report';
import { tagMedoids, type TagMedoidsResult } from './tag-medoids';
import type { ReportSummary } from '../reports/cluster-reports';
import { DEFAULT_RETRY, failureMessage } from './retry';
import { STATUS_WORDS, photos, showPhase, showSummary, summarised } from './ui-summary';
import { rootLabel } from '../shared/search-attributes';

const SCAN_OPTIONS = {
  taskQueue: taskQueueOf('io'),
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '1 minute',
  retry: DEFAULT_RETRY,
} as const;
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
  /** Vision tags on cluster medoids, when the run asked for them. */
  vision?: TagMedoidsResult;
  visionError?: string;
  /** Why clustering failed; captions and embeddings are kept and `pcc report` can try again. */
  clusterError?: string;
}

function money(usd: number): string {
  return `$${usd.toFixed(usd < 10 ? 4 : 2)}`;
}

/**
 * What a run knows between workflow tasks — counts, spend, pause state, batches in flight — and
 * the rules that change it. Signal and query handlers only call into this class, and the
 * workflow function below only sequences activities and children (the shape of the samples'
 * safe-message-handlers).
 */
class RunLedger {
  paused: boolean;
  pauseReason?: string;
  maxCostUsd?: number;
  byStatus: StatusCounts;
  spendUsd: number;
  private currentPhase: RunPhase;
  /** The run after its scan; absent while scanning (signals may arrive before). */
  current?: LibraryRunState;
  readonly inFlight = new Map<number, number>();

  constructor(
    readonly runId: string,
    config: RunConfig,
    state: LibraryRunState | undefined,
  ) {
    this.current = state;
    this.currentPhase = state ? 'processing' : 'scanning';
    this.paused = state?.paused ?? false;
    this.pauseReason = state?.pauseReason;
    this.maxCostUsd = state?.maxCostUsd ?? config.maxCostUsd;
    this.byStatus = state?.byStatus ?? emptyCounts();
    this.spendUsd = state?.spendUsd ?? 0;
  }

  get phase(): RunPhase {
    return this.currentPhase;
  }

  /** A new phase shows in the Web UI's PccPhase column as well as in the progress query. */
  set phase(phase: RunPhase) {
    this.currentPhase = phase;
    showPhase(phase);
  }

  /** One line for the run's memo: what the UI shows of a finished run. */
  summary(run: LibraryRunState, report: ReportSummary | undefined): string {
    const parts = PHOTO_STATUSES.filter((status) => this.byStatus[status] > 0).map(
      (status) => `${this.byStatus[status]} ${STATUS_WORDS[status]}`,
    );
    const seconds = Math.round((Date.now() - run.startedAtMs) / 1000);
    return (
      `${photos(run.scan.total)}: ${parts.join(', ') || 'nothing to do'} in ${seconds} s` +
      (this.spendUsd > 0 ? ` · ${money(this.spendUsd)}` : '') +
      (report ? ' · clustered' : '')
    );
  }

  private overCap(): boolean {
    return this.maxCostUsd !== undefined && this.spendUsd >= this.maxCostUsd;
  }

  private capReason(): string {
    return `spend ${money(this.spendUsd)} has reached the cap ${money(this.maxCostUsd as number)}: resume with a higher --max-cost-usd`;
  }

  pause(): void {
    this.paused = true;
    this.pauseReason = undefined;
  }

  resume(args?: ResumeArgs): void {
    if (args?.maxCostUsd !== undefined) this.maxCostUsd = args.maxCostUsd;
    if (this.overCap()) {
      this.pauseReason = this.capReason();
      return;
    }
    this.paused = false;
    this.pauseReason = undefined;
  }

  /** A batch finished: count it, and pause on a refused key (the batch runs again) or at the cap. */
  record(run: LibraryRunState, result: BatchResult): void {
    this.byStatus = addCounts(this.byStatus, result.counts);
    this.spendUsd += result.costUsd;
    this.inFlight.delete(result.batchIndex);
    if (result.authError) {
      run.redo.push(result.batchIndex);
      this.paused = true;
      this.pauseReason = `the provider refused the API key: ${result.authError}. Fix the key, restart the workers, then resume`;
    } else if (this.overCap()) {
      this.paused = true;
      this.pauseReason = this.capReason();
    }
  }

  /** What travels to the next execution (continue-as-new); batch start counters stay behind. */
  carryOver(run: LibraryRunState): LibraryRunState {
    const { byStatus, paused, pauseReason, spendUsd, maxCostUsd } = this;
    return { ...run, byStatus, paused, pauseReason, spendUsd, maxCostUsd, starts: {} };
  }

  progress(): RunProgress {
    const total = this.current?.scan.total ?? 0;
    const done = totalOf(this.byStatus);
    const started = this.current?.startedAtMs ?? Date.now();
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    return {
      runId: this.runId,
      phase: this.phase,
      paused: this.paused,
      pauseReason: this.pauseReason,
      total,
      done,
      byStatus: this.byStatus,
      inFlightBatches: this.inFlight.size,
      inFlightPhotos: [...this.inFlight.values()].reduce((a, b) => a + b, 0),
      photosPerSecond: Math.round(rate * 100) / 100,
      etaSeconds: rate > 0 ? Math.round((total - done) / rate) : null,
      startedAt: new Date(started).toISOString(),
      scan: this.current?.scan,
      spendUsd: this.spendUsd,
      maxCostUsd: this.maxCostUsd,
    };
  }
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
  const ledger = new RunLedger(runId, config, state);
  setHandler(pauseSignal, () => ledger.pause());
  setHandler(resumeSignal, (args) => ledger.resume(args));
  setHandler(progressQuery, () => ledger.progress());

  try {
    if (!ledger.current) {
      const { scanLibrary } = summarised<IoActivities>(
        SCAN_OPTIONS,
        `scan ${config.roots.map(rootLabel).join(', ')}`,
      );
      const scan = await scanLibrary({ runId, workflowId: info.workflowId, config });
      ledger.current = {
        runId,
        startedAtMs: Date.now(),
        scan,
        nextBatch: 0,
        byStatus: ledger.byStatus,
        paused: ledger.paused,
        spendUsd: ledger.spendUsd,
        redo: [],
        starts: {},
      };
    }
    ledger.phase = 'processing';
    const run = ledger.current;
    await runPage(config, run, ledger, info.workflowId);

    if (run.nextBatch < run.scan.batches) {
      await continueAsNew<typeof libraryRun>({ config, state: ledger.carryOver(run) });
    }
    ledger.phase = 'finishing';
    await resolveRunDates({ runId });
    let report: ReportSummary | undefined;
    let clusterError: string | undefined;
    let vision: TagMedoidsResult | undefined;
    let visionError: string | undefined;
    if (config.cluster) {
      ledger.phase = 'clustering';
      // Clustering comes after every photo is captioned: its failure must not throw that work
      // away by failing the run. The run completes and says what went wrong.
      try {
        report = await clusterAndReport(runId, config);
      } catch (err) {
        if (isCancellation(err)) throw err;
        clusterError = failureMessage(err);
      }
      if (report && config.cluster.keywords?.vision) {
        ledger.phase = 'tagging';
        try {
          vision = await tagMedoids(runId, config, {
            spentUsd: ledger.spendUsd,
            maxCostUsd: ledger.maxCostUsd,
          });
          ledger.spendUsd += vision?.costUsd ?? 0;
        } catch (err) {
          if (isCancellation(err)) throw err;
          visionError = failureMessage(err);
        }
      }
    }
    await finishRun({ runId, status: 'completed', counts: ledger.byStatus });
    showSummary(ledger.summary(run, report));
    ledger.phase = 'completed';
    return {
      runId,
      scan: run.scan,
      byStatus: ledger.byStatus,
      seconds: (Date.now() - run.startedAtMs) / 1000,
      spendUsd: ledger.spendUsd,
      report,
      clusterError,
      ...(vision ? { vision } : {}),
      ...(visionError ? { visionError } : {}),
    };
  } catch (err) {
    if (isCancellation(err)) {
      ledger.phase = 'cancelled';
      await CancellationScope.nonCancellable(() =>
        finishRun({ runId, status: 'cancelled', counts: ledger.byStatus }),
      );
    }
    throw err;
  }
}

function batchSummary(run: LibraryRunState, batchIndex: number, batchSize: number): string {
  const first = batchIndex * batchSize + 1;
  const last = Math.min(run.scan.total, first + batchSize - 1);
  return `batch ${batchIndex + 1} of ${run.scan.batches}: photos ${first}–${last} of ${run.scan.total}`;
}

/** One page of batches through the sliding window (Temporal's batch-sliding-window pattern). */
async function runPage(
  config: RunConfig,
  run: LibraryRunState,
  ledger: RunLedger,
  workflowId: string,
): Promise<void> {
  // A batch needs no clustering or keyword settings (a keyword tree can be large): each child's
  // input is in history, so it carries only what batches use.
  const batchConfig: RunConfig = { ...config, cluster: undefined };
  const pageEnd = Math.min(run.scan.batches, run.nextBatch + config.batchesPerPage);
  let failure: unknown;
  const children: Promise<void>[] = [];
  const hasWork = () => run.redo.length > 0 || run.nextBatch < pageEnd;
  const inFlight = ledger.inFlight;
  for (;;) {
    await condition(
      () =>
        failure !== undefined ||
        (!ledger.paused && inFlight.size < config.maxConcurrentBatches && hasWork()) ||
        (!hasWork() && inFlight.size === 0),
    );
    if (failure !== undefined || (!hasWork() && inFlight.size === 0)) break;
    const batchIndex = run.redo.length ? (run.redo.shift() as number) : run.nextBatch++;
    const start = (run.starts[batchIndex] ?? 0) + 1;
    run.starts[batchIndex] = start;
    inFlight.set(batchIndex, Math.min(config.batchSize, run.scan.total - batchIndex * config.batchSize));
    children.push(
      executeChild(processBatch, {
        workflowId: batchWorkflowId(workflowId, batchIndex, start),
        taskQueue: WORKFLOW_TASK_QUEUE,
        staticSummary: batchSummary(run, batchIndex, config.batchSize),
        args: [{ config: batchConfig, batch: { runId: run.runId, batchIndex, batchSize: config.batchSize } }],
      }).then(
        (result) => ledger.record(run, result),
        (err: unknown) => {
          failure ??= err;
        },
      ),
    );
  }
  await Promise.all(children);
  if (failure !== undefined) throw failure;
}
