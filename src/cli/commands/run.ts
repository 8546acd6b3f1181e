import path from 'node:path';
import type { Command } from 'commander';
import { cliConfig, info, toInt, toNumber, UsageError, withCatalog } from '../context';
import { addRunFlags, requestFromFlags } from '../run-flags';
import { mergeRequests } from '../../runs/run-options';
import {
  ConfigFileError,
  locateConfigFile,
  readRunConfigFile,
  type RunConfigFile,
} from '../../runs/config-file';
import { ProgressView, formatSeconds } from '../progress';
import { RunRequestError, type RunRequest, runQueueRoles } from '../../runs/run-request';
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

/** Flags of `pcc run` that are not run options: how this process works, not what the run does. */
interface ProcessFlags {
  config?: string;
  detach?: boolean;
  maxWorkers?: string;
  rps?: string;
}

export function registerRun(program: Command): void {
  const run = program
    .command('run')
    .description(
      'caption a photo library (one or more folders); safe to interrupt and run again. ' +
        'Options also come from pcc.yaml (`pcc config init`); flags win over it',
    )
    .argument('[dirs...]', 'library folders (default: roots: of the config file, else PHOTOS_DIR)')
    .option('--config <file>', 'options file (default: $PCC_CONFIG, else ./pcc.yaml when present)');
  addRunFlags(run)
    .option('--max-workers <n>', 'requests (or batches) this process runs at once on the backend queue')
    .option('--rps <n>', 'cloud queue rate limit in requests/s, across all workers (server-side)')
    .option('--detach', 'start the run and return; workers of `pcc server` / `pcc worker` do the work')
    .action(async (dirs: string[], opts: ProcessFlags & Record<string, unknown>) => {
      const request = runRequestFor(dirs, opts);
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

/**
 * The run a command line asks for: the config file's options, then the flags over them; the
 * folders from the command line, else the file's roots, else PHOTOS_DIR.
 */
export function runRequestFor(dirs: string[], opts: ProcessFlags & Record<string, unknown>): RunRequest {
  const config = cliConfig();
  const file = locateConfigFile(opts.config ?? config.runConfigFile);
  let fromFile: RunConfigFile | undefined;
  if (file) {
    try {
      fromFile = readRunConfigFile(file);
    } catch (err) {
      if (err instanceof ConfigFileError) throw new UsageError(err.message);
      throw err;
    }
  }
  const roots = dirs.length ? dirs : (fromFile?.roots ?? (config.photosDir ? [config.photosDir] : []));
  if (!roots.length) {
    throw new UsageError(
      'give a library folder: `pcc run ~/Pictures`, `roots:` in pcc.yaml, or PHOTOS_DIR in config.env',
    );
  }
  return { ...mergeRequests(fromFile?.request ?? {}, requestFromFlags(opts)), roots, configFile: file };
}

async function runLibrary(runConfig: RunConfig, detach: boolean, tuning: WorkerTuning): Promise<void> {
  const config = cliConfig();
  const endpoint = await ensureTemporal(config, { log: (m) => info(m) });
  info(
    endpoint.embedded
      ? `Temporal dev server at ${endpoint.address}${endpoint.owned ? '' : ' (already running)'}; UI ${endpoint.uiUrl}`
      : `Temporal at ${endpoint.address}`,
  );
  const client = await RunClient.connect(endpoint, config);
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
      await requirePollers(client, endpoint.namespace, runQueueRoles(runConfig));
    } else {
      const roles = runQueueRoles(runConfig);
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
    if (r.peopleSets !== undefined)
      lines.push(
        `People sets: ${r.peopleSets} clusters mostly of people` +
          (r.peopleSets ? ' (people-only labels proposed there only)' : ''),
      );
    if (r.text)
      lines.push(
        `Text (OCR, on this machine): ${r.text.read} photos read, ${r.text.withText} with text` +
          (r.text.readBefore ? `, ${r.text.readBefore} read before` : ''),
      );
  }
  if (result.vision) {
    const v = result.vision;
    lines.push(
      `Vision: ${v.asked} medoids asked, ${v.answered} clusters tagged, ${v.skipped} skipped, ` +
        `${v.privateClusters} private clusters kept local` +
        (v.peopleClusters ? `, ${v.peopleClusters} people sets kept local` : '') +
        `${v.costUsd ? ` · $${v.costUsd.toFixed(4)}` : ''}` +
        `${v.authError ? ` · key refused: ${v.authError}` : ''}`,
    );
  }
  if (result.visionError) lines.push(`Vision tags failed: ${result.visionError} (local keywords are kept)`);
  if (result.report)
    lines.push(
      'Review keywords with `pcc tags list`, approve with `pcc tags approve`, write with `pcc xmp --apply`',
    );
  lines.push(`Log: ${runLogPath(dataDir, result.runId)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
