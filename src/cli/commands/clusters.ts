/**
 * `pcc clusters …`: the manual clustering queue from the command line — the same operations as the
 * review studio's Queue page and the API (services/cluster-queue.ts): the queue with suggestions,
 * assign, new cluster, rename, exclude, auto-move, undo, stats, the action log and its replay —
 * and exporting clusters to folders (services/cluster-export.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { Catalog } from '../../catalog/catalog';
import { writeFileAtomic } from '../../files/atomic-write';
import { ClusterQueue, QueueError, SUGGEST_SPACES, type SuggestSpace } from '../../services/cluster-queue';
import { exportClusterLog, parseClusterLog, replayClusterLog } from '../../services/cluster-log';
import { DecisionError, describeDecision } from '../../services/decisions';
import { cliConfig, clusteredRun, info, printable, UsageError, withCatalog } from '../context';
import { registerClustersExport } from './clusters-export';

const client = () => `cli:${os.userInfo().username}`;

/** Photo arguments: catalog ids, or paths of photos the catalog knows. */
function photoIds(catalog: Catalog, args: string[]): number[] {
  if (!args.length) throw new UsageError('name at least one photo (its id or its path)');
  return args.map((p) => {
    if (/^\d+$/.test(p) && catalog.photos.get(Number(p))) return Number(p);
    const known = catalog.photos.knownPath(path.resolve(p));
    if (!known) throw new UsageError(`${printable(p)}: not a photo in the catalog (give its path or id)`);
    return known.photoId;
  });
}

function intOf(name: string, value: string): number {
  if (!/^-?\d+$/.test(value))
    throw new UsageError(`${name} must be a whole number, got "${printable(value)}"`);
  return Number(value);
}

function spaceOf(value: string | undefined): SuggestSpace {
  const space = (value ?? 'image') as SuggestSpace;
  if (!SUGGEST_SPACES.includes(space))
    throw new UsageError(`--space must be one of ${SUGGEST_SPACES.join(', ')}`);
  return space;
}

/** Runs `fn`, turning queue and decision errors into one-line usage errors. */
function queueAction<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof QueueError || err instanceof DecisionError) throw new UsageError(err.message);
    throw err;
  }
}

interface RunOpt {
  run?: string;
}

export function registerClusters(program: Command): void {
  const clusters = program
    .command('clusters')
    .description(
      'sort photos into clusters by hand: queue, suggestions, auto-move, undo, action log; export clusters to folders',
    );

  clusters
    .command('queue')
    .description('the photos to sort, with the top-3 cluster suggestions and the counts so far')
    .option('--run <id>', 'run (default: the latest clustered run)')
    .option('--source <queue>', 'noise (default), cluster:N or folder:GLOB', 'noise')
    .option('--limit <n>', 'photos per page', '20')
    .option('--offset <n>', 'skip this many', '0')
    .option('--shuffle <seed>', 'a shuffled order (the same seed, the same order)')
    .option('--manual', 'no suggestions (gathering seed examples by hand)')
    .option('--space <space>', `suggestions in ${SUGGEST_SPACES.join(', ')}`, 'image')
    .option('--json', 'machine-readable output (the same as GET /runs/:id/queue)')
    .action(
      (
        opts: RunOpt & {
          source: string;
          limit: string;
          offset: string;
          shuffle?: string;
          manual?: boolean;
          space: string;
          json?: boolean;
        },
      ) => {
        const config = cliConfig();
        const page = withCatalog(config, (catalog) =>
          queueAction(() =>
            new ClusterQueue(catalog).page({
              runId: clusteredRun(catalog, opts.run),
              source: opts.source,
              limit: intOf('--limit', opts.limit),
              offset: intOf('--offset', opts.offset),
              shuffle: opts.shuffle === undefined ? undefined : intOf('--shuffle', opts.shuffle),
              manual: opts.manual,
              space: spaceOf(opts.space),
            }),
          ),
        );
        if (opts.json) return void process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
        const s = page.stats;
        const out = [
          `${page.total} in the queue (${page.source}); ${s.processed} sorted: ${s.manual} by hand, ${s.auto} auto (${Math.round(s.autoShare * 100)} % auto)`,
        ];
        for (const item of page.items)
          out.push(
            `  ${item.photoId}\t${printable(item.relPath)}${item.private ? ' [private]' : ''}\t` +
              item.suggestions
                .map((x) => `${x.cluster} "${printable(x.label.slice(0, 40))}" ${x.score.toFixed(2)}`)
                .join(' · '),
          );
        if (page.offset + page.items.length < page.total)
          out.push(
            `Showing ${page.offset + 1}–${page.offset + page.items.length}; --offset ${page.offset + page.items.length} for more`,
          );
        process.stdout.write(`${out.join('\n')}\n`);
      },
    );

  clusters
    .command('assign')
    .description('put photos into a cluster (their files are never moved)')
    .argument('<photos...>', 'photo ids or paths')
    .requiredOption('--to <cluster>', 'the cluster (−1: back to unclustered)')
    .option('--run <id>', 'run (default: the latest clustered run)')
    .action((photos: string[], opts: RunOpt & { to: string }) => {
      const d = withCatalog(cliConfig(), (catalog) =>
        queueAction(() =>
          new ClusterQueue(catalog).assign({
            runId: clusteredRun(catalog, opts.run),
            photoIds: photoIds(catalog, photos),
            toCluster: intOf('--to', opts.to),
            client: client(),
          }),
        ),
      );
      info(`${describeDecision(d)} (decision ${d.id}; \`pcc clusters undo ${d.id}\` takes it back)`);
    });

  clusters
    .command('new')
    .description('a new cluster from photos')
    .argument('<photos...>', 'photo ids or paths')
    .requiredOption('--name <name>', 'its name')
    .option('--run <id>', 'run (default: the latest clustered run)')
    .action((photos: string[], opts: RunOpt & { name: string }) => {
      const d = withCatalog(cliConfig(), (catalog) =>
        queueAction(() =>
          new ClusterQueue(catalog).newCluster({
            runId: clusteredRun(catalog, opts.run),
            photoIds: photoIds(catalog, photos),
            name: opts.name,
            client: client(),
          }),
        ),
      );
      info(`${printable(describeDecision(d))} (decision ${d.id})`);
    });

  clusters
    .command('rename')
    .description('name a cluster (the studio otherwise labels it by its medoid’s caption)')
    .argument('<cluster>', 'cluster number')
    .argument('<name>', 'the new name')
    .option('--run <id>', 'run (default: the latest clustered run)')
    .action((cluster: string, name: string, opts: RunOpt) => {
      const d = withCatalog(cliConfig(), (catalog) =>
        queueAction(() =>
          new ClusterQueue(catalog).rename({
            runId: clusteredRun(catalog, opts.run),
            cluster: intOf('cluster', cluster),
            name,
            client: client(),
          }),
        ),
      );
      info(`${printable(describeDecision(d))} (decision ${d.id})`);
    });

  for (const include of [false, true])
    clusters
      .command(include ? 'include' : 'exclude')
      .description(
        include
          ? 'show excluded photos in the library views again'
          : 'hide photos from the library views and the queue (never deletes or moves a file)',
      )
      .argument('<photos...>', 'photo ids or paths')
      .option('--run <id>', 'run (default: the latest clustered run)')
      .action((photos: string[], opts: RunOpt) => {
        const d = withCatalog(cliConfig(), (catalog) =>
          queueAction(() =>
            new ClusterQueue(catalog).exclude({
              runId: clusteredRun(catalog, opts.run),
              photoIds: photoIds(catalog, photos),
              client: client(),
              include,
            }),
          ),
        );
        info(`${describeDecision(d)} (decision ${d.id})`);
      });

  clusters
    .command('auto')
    .description(
      'assign every queued photo whose best suggestion is at or above a threshold (one undoable decision)',
    )
    .requiredOption('--threshold <cosine>', 'e.g. 0.9')
    .option('--run <id>', 'run (default: the latest clustered run)')
    .option('--source <queue>', 'noise (default), cluster:N or folder:GLOB', 'noise')
    .option('--space <space>', `suggestions in ${SUGGEST_SPACES.join(', ')}`, 'image')
    .action((opts: RunOpt & { threshold: string; source: string; space: string }) => {
      const threshold = Number(opts.threshold);
      if (!Number.isFinite(threshold))
        throw new UsageError(`--threshold must be a number, got "${opts.threshold}"`);
      const d = withCatalog(cliConfig(), (catalog) =>
        queueAction(() =>
          new ClusterQueue(catalog).autoMove({
            runId: clusteredRun(catalog, opts.run),
            source: opts.source,
            space: spaceOf(opts.space),
            threshold,
            client: client(),
          }),
        ),
      );
      info(
        d
          ? `${describeDecision(d)} (decision ${d.id}; one undo takes all of it back)`
          : `no queued photo reaches ${threshold}`,
      );
    });

  clusters
    .command('undo')
    .description('take back a queue action (default: the latest one still standing)')
    .argument('[decision]', 'decision id (`pcc clusters log` lists them)')
    .option('--run <id>', 'run (default: the latest clustered run)')
    .action((id: string | undefined, opts: RunOpt) => {
      const { undone, target } = withCatalog(cliConfig(), (catalog) =>
        queueAction(() => {
          const runId = clusteredRun(catalog, opts.run);
          const targetId =
            id !== undefined
              ? intOf('decision', id)
              : catalog.decisions
                  .ofRun(runId)
                  .reverse()
                  .find(
                    (d) =>
                      ['move', 'rename', 'exclude', 'include'].includes(d.action) && d.undoneBy === undefined,
                  )?.id;
          if (targetId === undefined) throw new UsageError('nothing to undo');
          const t = catalog.decisions.get(targetId)!;
          return { undone: new ClusterQueue(catalog).undo(targetId, client()), target: t };
        }),
      );
      info(
        `undone: ${printable(describeDecision(target))} (decision ${target.id}; the undo is decision ${undone.id})`,
      );
    });

  clusters
    .command('stats')
    .description('queued, sorted by hand, auto-moved (counted from the action log)')
    .option('--run <id>', 'run (default: the latest clustered run)')
    .option('--source <queue>', 'noise (default), cluster:N or folder:GLOB', 'noise')
    .option('--json', 'machine-readable output')
    .action((opts: RunOpt & { source: string; json?: boolean }) => {
      const s = withCatalog(cliConfig(), (catalog) =>
        queueAction(() => {
          const queue = new ClusterQueue(catalog);
          const runId = clusteredRun(catalog, opts.run);
          return queue.stats(runId, queue.queueIds({ runId, source: opts.source }).length);
        }),
      );
      if (opts.json) return void process.stdout.write(`${JSON.stringify(s)}\n`);
      info(
        `${s.queued} queued · ${s.processed} sorted: ${s.manual} by hand, ${s.auto} auto (${Math.round(s.autoShare * 100)} % auto)`,
      );
    });

  clusters
    .command('log')
    .description('the action log as JSON lines (photos by SHA-1): replayable on another catalog')
    .option('--run <id>', 'run (default: the latest clustered run)')
    .option('--out <file>', 'write it there (default: standard output)')
    .action((opts: RunOpt & { out?: string }) => {
      const lines = withCatalog(cliConfig(), (catalog) =>
        exportClusterLog(catalog, clusteredRun(catalog, opts.run)),
      );
      const text = lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : '');
      if (!opts.out) return void process.stdout.write(text);
      writeFileAtomic(path.resolve(opts.out), text);
      info(`${lines.length} actions written to ${printable(path.resolve(opts.out))}`);
    });

  clusters
    .command('replay')
    .description('apply an action log (from `pcc clusters log`) to this catalog’s run, in order')
    .argument('<file>', 'actions.jsonl')
    .option('--run <id>', 'run (default: the latest clustered run)')
    .action((file: string, opts: RunOpt) => {
      let text: string;
      try {
        text = fs.readFileSync(path.resolve(file), 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${printable(file)}: ${(err as Error).message}`);
      }
      const outcome = withCatalog(cliConfig(), (catalog) =>
        queueAction(() =>
          replayClusterLog(catalog, clusteredRun(catalog, opts.run), parseClusterLog(text), client()),
        ),
      );
      info(`replayed ${outcome.applied} actions (${outcome.unchanged} changed nothing here)`);
    });

  registerClustersExport(clusters);
}
