import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { TemporalEndpoint } from './dev-server';
import { processConfig, type PccConfig } from '../config';
import { registerSearchAttributes } from './search-attributes';
import { BACKEND_ATTRIBUTE, PHASE_ATTRIBUTE, ROOTS_ATTRIBUTE, rootLabel } from '../shared/search-attributes';
import { dataConverterFor } from './payload-codec';
import type { LibraryRunResult } from '../workflows/library-run';
import { libraryRun } from '../workflows/library-run';
import {
  pauseSignal,
  progressQuery,
  resumeSignal,
  writeProgressQuery,
  type ResumeArgs,
} from '../workflows/definitions';
import { writeSidecarsRun } from '../workflows/write-sidecars';
import { WORKFLOW_TASK_QUEUE } from '../shared/queues';
import type { RunConfig, RunProgress, WriteProgress, WriteSidecarsRequest } from '../shared/payloads';
import { runWorkflowId } from '../runs/run-request';
import { totalOf } from '../shared/status';

export interface RunSummaryItem {
  workflowId: string;
  status: string;
  startTime: string;
  closeTime?: string;
  roots?: string[];
  backend?: string;
  /** The finished run's one-line result (its memo, as the Temporal UI shows it). */
  summary?: string;
}

export interface RunDetail extends RunSummaryItem {
  progress?: RunProgress;
  failure?: string;
}

/** The progress view of a finished run, from its workflow result. */
export function progressFromResult(r: LibraryRunResult, startedAt: string): RunProgress {
  const done = totalOf(r.byStatus);
  return {
    runId: r.runId,
    phase: 'completed',
    paused: false,
    total: r.scan.total,
    done,
    byStatus: r.byStatus,
    inFlightBatches: 0,
    inFlightPhotos: 0,
    photosPerSecond: r.seconds > 0 ? Math.round((done / r.seconds) * 100) / 100 : 0,
    etaSeconds: 0,
    startedAt,
    scan: r.scan,
    spendUsd: r.spendUsd,
  };
}

export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
}

/** The run exists but is not in a state that allows the request (e.g. pausing a finished run). */
export class RunStateError extends Error {
  override name = 'RunStateError';
}

/** Starts, finds and steers library runs. Shared by the CLI and the API so both behave alike. */
export class RunClient {
  private constructor(
    readonly client: Client,
    private readonly connection: Connection,
  ) {}

  /** `config` chooses the payload codec (encrypted history); the CLI's and API's own by default. */
  static async connect(
    endpoint: Pick<TemporalEndpoint, 'address' | 'namespace'>,
    config: PccConfig = processConfig(),
  ): Promise<RunClient> {
    const connection = await Connection.connect({ address: endpoint.address });
    const dataConverter = dataConverterFor(config);
    return new RunClient(
      new Client({ connection, namespace: endpoint.namespace, dataConverter }),
      connection,
    );
  }

  private searchAttributes?: Promise<boolean>;

  /** Starts the run, or attaches to the one in flight with the same id (same command issued again). */
  async start(config: RunConfig): Promise<{ workflowId: string; attached: boolean }> {
    const workflowId = runWorkflowId(config);
    const attached = (await this.statusOf(workflowId)) === 'RUNNING';
    this.searchAttributes ??= registerSearchAttributes(this.connection, this.client.options.namespace);
    await this.client.workflow.start(libraryRun, {
      workflowId,
      taskQueue: WORKFLOW_TASK_QUEUE,
      args: [{ config }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      memo: { roots: config.roots, backend: config.backend, model: config.model, dryRun: config.dryRun },
      staticSummary: `${config.dryRun ? 'dry run of' : 'caption'} ${config.roots.map(rootLabel).join(', ')} with ${config.backend}${config.model ? ` (${config.model})` : ''}`,
      ...((await this.searchAttributes)
        ? {
            typedSearchAttributes: [
              { key: ROOTS_ATTRIBUTE, value: config.roots.map(rootLabel) },
              { key: BACKEND_ATTRIBUTE, value: config.backend },
              { key: PHASE_ATTRIBUTE, value: 'scanning' },
            ],
          }
        : {}),
    });
    return { workflowId, attached };
  }

  /** Starts a sidecar write on the io queue (the review studio's Write). */
  async startWrite(request: WriteSidecarsRequest): Promise<{ workflowId: string }> {
    const workflowId = `pcc-write-${request.runId.replace(/[^\w.-]+/g, '_')}-${Date.now().toString(36)}`;
    await this.client.workflow.start(writeSidecarsRun, {
      workflowId,
      taskQueue: WORKFLOW_TASK_QUEUE,
      args: [request],
    });
    return { workflowId };
  }

  /** A write's progress while it runs, its result once done; status says which. */
  async writeProgress(
    workflowId: string,
  ): Promise<{ status: string; progress: WriteProgress; failure?: string }> {
    const handle = this.client.workflow.getHandle<typeof writeSidecarsRun>(workflowId);
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new RunNotFoundError(`no write ${workflowId}`);
      throw err;
    }
    const status = description.status.name;
    if (status === 'RUNNING') return { status, progress: await handle.query(writeProgressQuery) };
    try {
      return { status, progress: await handle.result() };
    } catch (err) {
      return {
        status,
        progress: await handle.query(writeProgressQuery).catch(() => ({
          runId: '',
          phase: 'planning' as const,
          total: 0,
          done: 0,
          written: 0,
          unchanged: 0,
          errors: [],
        })),
        failure: (err as Error).message,
      };
    }
  }

  handle(workflowId: string): WorkflowHandle<typeof libraryRun> {
    return this.client.workflow.getHandle<typeof libraryRun>(workflowId);
  }

  async statusOf(workflowId: string): Promise<string | undefined> {
    try {
      return (await this.handle(workflowId).describe()).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  async progress(workflowId: string): Promise<RunProgress> {
    return this.handle(workflowId).query(progressQuery);
  }

  async result(workflowId: string): Promise<LibraryRunResult> {
    return this.handle(workflowId).result();
  }

  async list(limit = 100): Promise<RunSummaryItem[]> {
    const newest = new Map<string, RunSummaryItem>();
    for await (const wf of this.client.workflow.list({ query: `WorkflowType = 'libraryRun'` })) {
      const item: RunSummaryItem = {
        workflowId: wf.workflowId,
        status: wf.status.name,
        startTime: wf.startTime.toISOString(),
        closeTime: wf.closeTime?.toISOString(),
        roots: wf.memo?.roots as string[] | undefined,
        backend: wf.memo?.backend as string | undefined,
        summary: wf.memo?.summary as string | undefined,
      };
      // Continue-as-new leaves one execution per page: show the newest per run.
      const seen = newest.get(wf.workflowId);
      if (!seen || seen.startTime < item.startTime) newest.set(wf.workflowId, item);
      if (newest.size >= limit) break;
    }
    return [...newest.values()].sort((a, b) => (a.startTime < b.startTime ? 1 : -1));
  }

  /** Status plus live progress (from the workflow query) or the final result of a closed run. */
  async detail(workflowId: string): Promise<RunDetail> {
    let description;
    try {
      description = await this.handle(workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new RunNotFoundError(`no run with id ${workflowId}`);
      throw err;
    }
    const detail: RunDetail = {
      workflowId,
      status: description.status.name,
      startTime: description.startTime.toISOString(),
      closeTime: description.closeTime?.toISOString(),
      roots: description.memo?.roots as string[] | undefined,
      backend: description.memo?.backend as string | undefined,
      summary: description.memo?.summary as string | undefined,
    };
    if (detail.status === 'RUNNING') {
      detail.progress = await this.progress(workflowId);
    } else if (detail.status === 'COMPLETED') {
      detail.progress = progressFromResult(await this.result(workflowId), detail.startTime);
    } else {
      detail.failure = await this.result(workflowId).then(
        () => undefined,
        (err: Error) => (err.cause as Error | undefined)?.message ?? err.message,
      );
    }
    return detail;
  }

  async pause(workflowId: string): Promise<void> {
    await this.requireRunning(workflowId);
    await this.handle(workflowId).signal(pauseSignal);
  }

  async resume(workflowId: string, args: ResumeArgs = {}): Promise<void> {
    await this.requireRunning(workflowId);
    await this.handle(workflowId).signal(resumeSignal, args);
  }

  async cancel(workflowId: string): Promise<void> {
    await this.requireRunning(workflowId);
    await this.handle(workflowId).cancel();
  }

  private async requireRunning(workflowId: string): Promise<void> {
    const status = await this.statusOf(workflowId);
    if (status === undefined) throw new RunNotFoundError(`no run with id ${workflowId}`);
    if (status !== 'RUNNING')
      throw new RunStateError(`run ${workflowId} is not running (${status.toLowerCase()})`);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
