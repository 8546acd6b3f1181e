import path from 'node:path';
import type { Command } from 'commander';
import { cliConfig, info, toInt, toNumber, UsageError, withCatalog } from '../context';
import { addClusterOptions, clusterRequestFields, type ClusterFlags } from '../cluster-options';
import { ProgressView, formatSeconds } from '../progress';
import { RunRequestError, type RunRequest } from '../../shared/run-request';
import { prepareRun, startPreparedRun } from '../../temporal/start-run';
import { ensureTemporal } from '../../temporal/dev-server';
import { RunClient, progressFromResult } from '../../temporal/run-client';
import { createWorkers, type WorkerGroup, type WorkerTuning } from '../../workers/create-workers';
import { runOutcomes } from '../../catalog/outcomes';
import { runLogPath } from '../../logging/logger';
import { PHOTO_STATUSES, totalOf } from '../../shared/status';
import { taskQueueOf, type QueueRole } from '../../shared/queues';
import type { RunConfig } from '../../shared/payloads';
import type { LibraryRunResult } from '../../workflows/library-run';

interface RunOptions extends ClusterFlags {
  backend: string;
  model?: string;
  prompt?: string;
  limit?: string;
  force?: boolean;
  retryStatus?: string;
  dryRun?: boolean;
  acceptTruncated?: boolean;
  batchSize?: string;
  maxConcurrentBatches?: string;
  batchesPerPage?: string;
  include: string[];
  exclude: string[];
  mockErrorRate?: string;
  mockLatencyMs?: string;
  detach?: boolean;
  maxCostUsd?: string;
  maxEdge?: string;
  baseUrl?: string;
  localOnly: string[];
  privateBackend?: string;
  maxWorkers?: string;
  rps?: string;
  requestTimeoutMs?: string;
  apiMaxAttempts?: string;
  embed?: boolean;
  embedModel?: string;
  textModel?: string;
  dtype?: string;
  inferenceBatch?: string;
  cluster?: boolean;
  reportDir?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerRun(program: Command): void {
  const run = program
    .command('run')
    .description('caption a photo library (one or more folders); safe to interrupt and run again')
    .argument('<dirs...>', 'library folders')
    .option('--backend <name>', 'caption backend', 'mock')
    .option('--model <id>', 'model id (default: the backend default)')
    .option('--prompt <text>', 'caption prompt (default: the classic one-or-two-sentence prompt)')
    .option('--limit <n>', 'process at most N photos')
    .option('--force', 'redo photos that already have a result for this backend, model and prompt')
    .option(
      '--retry-status <list>',
      'redo only photos whose last status is one of these (e.g. error_api,error_model)',
    )
    .option('--dry-run', 'decode every photo without any model and report corrupt files')
    .option(
      '--accept-truncated',
      'caption files that end early (bottom of the picture missing) instead of recording them as corrupt',
    )
    .option('--batch-size <n>', 'photos per batch (16–128 is a good range)')
    .option('--max-concurrent-batches <n>', 'batches in flight at once')
    .option('--batches-per-page <n>', 'batches per workflow execution before continue-as-new (default 200)')
    .option(
      '--include <glob>',
      'only files matching this glob (relative to the folder); repeatable',
      collect,
      [],
    )
    .option('--exclude <glob>', 'skip files or folders matching this glob; repeatable', collect, [])
    .option('--mock-error-rate <r>', 'mock backend: fraction of photos that fail with a simulated API error')
    .option('--mock-latency-ms <ms>', 'mock backend: simulated time per caption')
    .option(
      '--max-cost-usd <usd>',
      'pause the run when its spend reaches this (raise it and run again to continue)',
    )
    .option('--max-edge <px>', 'long edge of the JPEG a remote model receives', '1024')
    .option(
      '--base-url <url>',
      'endpoint of an openai-compatible server (Ollama, vLLM, llama.cpp, LM Studio)',
    )
    .option(
      '--local-only <glob>',
      'folders/files (relative to the library) never sent to a cloud model; repeatable',
      collect,
      [],
    )
    .option('--private-backend <name>', 'local backend that captions local-only photos of a cloud run')
    .option('--max-workers <n>', 'requests (or batches) this process runs at once on the backend queue')
    .option('--rps <n>', 'cloud queue rate limit in requests/s, across all workers (server-side)')
    .option('--request-timeout-ms <ms>', 'per-request timeout for remote models')
    .option('--api-max-attempts <n>', 'attempts per photo before it is recorded as error_api')
    .option('--embed', 'also compute image (CLIP) and caption-text embeddings on the gpu queue')
    .option('--embed-model <id>', 'image embedding model (Hugging Face id under PCC_MODELS_DIR)')
    .option('--text-model <id>', 'caption-text embedding model, or "none"')
    .option('--dtype <precision>', 'model precision: fp32, fp16 or q8')
    .option('--inference-batch <n>', 'photos per inference call on the gpu queue')
    .option(
      '--cluster',
      'after captioning: cluster the embeddings, tag with the vocabulary, write reports (implies --embed)',
    );
  addClusterOptions(run)
    .option('--report-dir <dir>', 'where the run writes its reports (default <data dir>/reports/<run id>)')
    .option('--detach', 'start the run and return; workers of `pcc server` / `pcc worker` do the work')
    .action(async (dirs: string[], opts: RunOptions) => {
      const request: RunRequest = {
        roots: dirs,
        backend: opts.backend,
        model: opts.model,
        prompt: opts.prompt,
        limit: toInt('--limit', opts.limit),
        force: opts.force,
        retryStatus: opts.retryStatus,
        dryRun: opts.dryRun,
        acceptTruncated: opts.acceptTruncated,
        batchSize: toInt('--batch-size', opts.batchSize),
        maxConcurrentBatches: toInt('--max-concurrent-batches', opts.maxConcurrentBatches),
        batchesPerPage: toInt('--batches-per-page', opts.batchesPerPage),
        include: opts.include,
        exclude: opts.exclude,
        mockErrorRate: opts.mockErrorRate === undefined ? undefined : Number(opts.mockErrorRate),
        mockLatencyMs: toInt('--mock-latency-ms', opts.mockLatencyMs),
        maxCostUsd: toNumber('--max-cost-usd', opts.maxCostUsd),
        maxEdge: toInt('--max-edge', opts.maxEdge),
        baseUrl: opts.baseUrl,
        localOnly: opts.localOnly,
        privateBackend: opts.privateBackend,
        requestTimeoutMs: toInt('--request-timeout-ms', opts.requestTimeoutMs),
        apiMaxAttempts: toInt('--api-max-attempts', opts.apiMaxAttempts),
        embed: opts.embed,
        embedModel: opts.embedModel,
        textModel: opts.textModel === 'none' ? null : opts.textModel,
        dtype: opts.dtype,
        inferenceBatch: toInt('--inference-batch', opts.inferenceBatch),
        cluster: opts.cluster,
        ...clusterRequestFields(opts),
        reportDir: opts.reportDir,
      };
      let runConfig: RunConfig;
      try {
        runConfig = await prepareRun(request);
      } catch (err) {
        if (err instanceof RunRequestError) throw new UsageError(err.message);
        throw err;
      }
      const tuning = {
        maxWorkers: toInt('--max-workers', opts.maxWorkers),
        rps: toNumber('--rps', opts.rps),
      };
      await runLibrary(runConfig, Boolean(opts.detach), tuning);
    });
}

async function runLibrary(runConfig: RunConfig, detach: boolean, tuning: WorkerTuning): Promise<void> {
  const config = cliConfig();
  const endpoint = await ensureTemporal(config, { log: (m) => info(m) });
  info(
    endpoint.embedded
      ? `Temporal dev server at ${endpoint.address}${endpoint.owned ? '' : ' (already running)'}; UI ${endpoint.uiUrl}`
      : `Temporal at ${endpoint.address}`,
  );
  const client = await RunClient.connect(endpoint);
  let workers: WorkerGroup | undefined;
  let interrupted = false;

  const cleanup = async (closeClient = true) => {
    await workers?.shutdown().catch((err: Error) => info(`workers stopped with: ${err.message}`));
    // On an interrupt the client is left open: a long-poll it is still retrying would throw from
    // a timer once the channel closes. process.exit ends it.
    if (closeClient) await client.close();
    await endpoint.stop();
  };

  try {
    if (detach) {
      await requirePollers(client, endpoint.namespace, [
        'io',
        runConfig.captionQueue,
        ...(runConfig.embed ? (['gpu'] as const) : []),
        ...(runConfig.cluster ? (['cpu'] as const) : []),
      ]);
    } else {
      const roles = [
        ...new Set<QueueRole>([
          'io',
          runConfig.captionQueue,
          ...(runConfig.privateQueue ? [runConfig.privateQueue] : []),
          ...(runConfig.embed ? (['gpu'] as const) : []),
          ...(runConfig.cluster ? (['cpu'] as const) : []),
        ]),
      ];
      workers = await createWorkers(config, endpoint, roles, {
        tuning: { [runConfig.captionQueue]: tuning },
      });
      void workers.run();
    }
    const { workflowId, attached } = await startPreparedRun(client, runConfig);
    info(attached ? `Attached to the run in flight: ${workflowId}` : `Started run ${workflowId}`);
    if (detach) {
      info(
        `Detached. Follow it with \`pcc status ${workflowId}\`${endpoint.uiUrl ? ` or ${endpoint.uiUrl}` : ''}`,
      );
      await client.close();
      return;
    }

    const view = new ProgressView();
    const onSignal = () => {
      if (interrupted) {
        // Second Ctrl-C: stop waiting for the workers; the dev server this process started goes too.
        endpoint.kill();
        process.exit(130);
      }
      interrupted = true;
      view.stop();
      info(
        'Interrupted. Nothing is lost: run the same command again to continue, or `pcc cancel ' +
          workflowId +
          '`. (Ctrl-C again to force.)',
      );
      void cleanup(false).finally(() => process.exit(130));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const finished = client.result(workflowId);
    let result: LibraryRunResult | undefined;
    finished.then((r) => (result = r)).catch(() => undefined);
    while (!result) {
      const settled = await Promise.race([
        finished.then(
          () => true,
          () => true,
        ),
        sleep(500).then(() => false),
      ]);
      if (settled) break;
      let progress;
      try {
        progress = await client.progress(workflowId);
      } catch {
        /* a query can fail while a worker restarts: try again on the next tick */
      }
      if (progress) view.update(progress);
      if (progress?.paused && progress.pauseReason && progress.inFlightBatches === 0) {
        view.stop();
        process.stdout.write(
          `Run ${workflowId} paused: ${progress.pauseReason}.\n` +
            `Nothing is lost. Run the same command again to resume (add a higher --max-cost-usd if the cap stopped it), ` +
            `or \`pcc resume ${workflowId}\`.\n`,
        );
        process.exitCode = 3;
        return;
      }
    }
    result = await finished;
    view.update(progressFromResult(result, ''));
    view.stop();
    printSummary(config.dataDir, workflowId, runConfig, result);
  } catch (err) {
    // Once interrupted, closing the client makes pending calls fail: that is not an error, and
    // the signal handler exits (130) when the workers have stopped.
    if (interrupted) await new Promise<never>(() => undefined);
    throw err;
  } finally {
    if (!interrupted) await cleanup();
  }
}

async function requirePollers(client: RunClient, namespace: string, roles: QueueRole[]): Promise<void> {
  for (const role of new Set(roles)) {
    const taskQueue = taskQueueOf(role);
    const described = await client.client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: role === 'io' ? 1 : 2,
    });
    if (!described.pollers?.length) {
      throw new UsageError(
        `--detach needs running workers, and nobody polls ${taskQueue}: start \`pcc server\` (or \`pcc worker --queues ${role}\`) first`,
      );
    }
  }
}

function printSummary(
  dataDir: string,
  workflowId: string,
  runConfig: RunConfig,
  result: LibraryRunResult,
): void {
  const s = result.scan;
  const done = totalOf(result.byStatus);
  const spend = result.spendUsd > 0 ? ` · spend $${result.spendUsd.toFixed(4)}` : '';
  const lines = [
    `Run ${workflowId} completed in ${formatSeconds(result.seconds)}: ${done} photos` +
      (result.seconds > 0 ? ` (${(done / result.seconds).toFixed(1)} photos/s)` : ''),
    `  ${PHOTO_STATUSES.map((st) => `${st} ${result.byStatus[st]}`).join(' · ')}${spend}`,
    `  already done ${s.alreadyDone} · duplicate paths ${s.duplicatePaths} · videos skipped ${s.skippedVideos} · ` +
      `sidecars skipped ${s.skippedSidecars} · other files ${s.skippedOther} · unreadable ${s.unreadable}`,
  ];
  const key = { backend: runConfig.backend, model: runConfig.model, promptHash: runConfig.promptHash };
  const failed = withCatalog(cliConfig(), (catalog) =>
    runOutcomes(catalog, result.runId, key, runConfig.dryRun).filter(
      (o) => o.status && o.status !== 'success',
    ),
  );
  if (failed.length) {
    lines.push(runConfig.dryRun ? 'Corrupt or unreadable files:' : 'Photos that failed:');
    for (const f of failed.slice(0, 50)) lines.push(`  ${f.status}  ${f.relPath} — ${f.reason ?? ''}`);
    if (failed.length > 50)
      lines.push(`  … and ${failed.length - 50} more (pcc export captions lists them all)`);
  }
  if (result.clusterError) {
    lines.push(
      `Clustering failed: ${result.clusterError}`,
      '  Captions and embeddings are saved. Try again with `pcc report --recluster` (exit code 5).',
    );
    process.exitCode = 5;
  }
  if (result.report) {
    const r = result.report;
    lines.push(
      `Clusters: ${r.clusters} groups, ${r.noise} photos unclustered · ${r.captioned} captioned, ${r.errors} errors, ` +
        `${r.vocabularyFallbacks} vocabulary fallbacks`,
      `Reports in ${r.outDir}: ${r.files.map((f) => path.basename(f)).join(', ')}`,
    );
  }
  lines.push(`Log: ${runLogPath(dataDir, result.runId)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
