/**
 * `pcc clusters export`: a run's clusters as folders of symlinks, copies or (with --allow-move)
 * the moved originals. A dry run unless --apply; --undo reverses an export from its manifest and
 * --list shows past exports. The logic is in services/cluster-export.ts; this file parses flags
 * and prints.
 */
import type { Command } from 'commander';
import { cliConfig, clusteredRun, printable, toInt, UsageError, withCatalog } from '../context';
import {
  applyClusterExport,
  ClusterExportError,
  EXPORT_MODES,
  listClusterExports,
  planClusterExport,
  undoClusterExport,
  type ClusterExportPlan,
  type ExportMode,
} from '../../services/cluster-export';

interface ExportFlags {
  to?: string;
  as?: string;
  run?: string;
  cluster?: string[];
  includeUnclustered?: boolean;
  allowMove?: boolean;
  apply?: boolean;
  json?: boolean;
  undo?: string;
  list?: boolean;
  show: string;
}

const STALE_PATHS =
  'the catalog still lists the old paths of moved photos until the next scan of the library (`pcc run <folders>`)';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return n >= 1e3 ? `${Math.round(n / 1e3)} kB` : `${n} B`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Service refusals are the user's to fix: one line and exit code 2, like any usage error. */
async function asUsage<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ClusterExportError) throw new UsageError(err.message);
    throw err;
  }
}

function printPlan(plan: ClusterExportPlan, show: number): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `dry run: would export ${plural(plan.files.length, 'file')} (${bytes(plan.bytes)}) into ` +
      `${plural(plan.folders.length, 'folder')} under ${printable(plan.to)} as ${plan.mode} (run ${printable(plan.runId)})`,
  );
  for (const f of plan.folders)
    out(`  ${printable(f.name)}/\t${plural(f.files, 'file')}\t${bytes(f.bytes)}\t${printable(f.label)}`);
  for (const f of plan.files.slice(0, show)) out(`  ${printable(f.from)} → ${printable(f.to)}`);
  if (plan.files.length > show) out(`  … and ${plan.files.length - show} more (--json for all)`);
  for (const s of plan.skipped.slice(0, show)) out(`skipped: ${printable(s.reason)}`);
  if (plan.skipped.length > show) out(`skipped: … and ${plan.skipped.length - show} more`);
  if (plan.missing.length)
    out(
      `missing: ${plural(plan.missing.length, 'photo')} with no file on disk at any known path ` +
        `(e.g. ${printable(plan.missing[0].paths[0] ?? `photo ${plan.missing[0].photoId}`)}); not exported`,
    );
  for (const w of plan.warnings) out(`warning: ${printable(w)}`);
  if (plan.mode === 'move') out(`note: moving changes where your originals are; ${STALE_PATHS}`);
  out('nothing was changed: run the same command with --apply to do it');
}

export function registerClustersExport(clusters: Command): void {
  clusters
    .command('export')
    .description(
      'export clusters to folders (one per cluster) as symlinks or copies; a dry run unless --apply; --undo reverses one',
    )
    .option('--to <dir>', 'the export folder (created if missing)')
    .option('--as <mode>', `${EXPORT_MODES.join(' | ')} (move needs --allow-move)`)
    .option('--run <id>', 'run (default: the latest with a clustering)')
    .option('--cluster <n>', 'only this cluster (repeatable)', collect)
    .option('--include-unclustered', 'also export the unclustered photos, to unclustered/')
    .option('--allow-move', 'allow --as move: the originals leave their folders (undo puts them back)')
    .option('--apply', 'do it (default: print the plan only)')
    .option('--json', 'the plan or the result as JSON')
    .option('--show <n>', 'how many "from → to" lines the dry run prints', '10')
    .option('--undo <export-id>', 'reverse a past export: remove what it made, or move files back')
    .option('--list', 'list past exports')
    .action(async (opts: ExportFlags) => {
      const config = cliConfig();
      const json = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      const exportFlags = [
        opts.to,
        opts.as,
        opts.cluster,
        opts.includeUnclustered,
        opts.apply,
        opts.allowMove,
      ];

      if (opts.list || opts.undo !== undefined) {
        if (opts.list && opts.undo !== undefined)
          throw new UsageError('--list and --undo do not go together');
        if (exportFlags.some((f) => f !== undefined))
          throw new UsageError(
            `--${opts.list ? 'list' : 'undo'} takes no export flags (--to, --as, --cluster, --apply, …)`,
          );
      }
      if (opts.list) {
        const list = listClusterExports(config.dataDir);
        if (opts.json) return void json(list);
        if (!list.length) return void process.stdout.write('no exports yet\n');
        for (const e of list)
          process.stdout.write(
            `${e.id}\t${e.createdAt.slice(0, 19)}\t${e.mode}\t${plural(e.files, 'file')}\t${e.state}\t` +
              `run ${printable(e.runId)}\t${printable(e.to)}\n`,
          );
        return;
      }
      if (opts.undo !== undefined) {
        const id = opts.undo;
        const result = await asUsage(() => undoClusterExport(config.dataDir, id));
        if (opts.json) json(result);
        else {
          const verb = result.mode === 'move' ? 'put back' : 'removed';
          process.stdout.write(
            `undo ${result.exportId}: ${plural(result.undone, 'file')} ${verb}, ` +
              `${plural(result.dirsRemoved, 'empty folder')} removed\n`,
          );
          for (const k of result.kept)
            process.stdout.write(`kept: ${printable(k.path)}: ${printable(k.reason)}\n`);
          for (const d of result.dirsKept) process.stdout.write(`kept folder (not empty): ${printable(d)}\n`);
          if (result.mode === 'move' && result.undone)
            process.stdout.write('the catalog paths of these photos are valid again\n');
        }
        // Originals that could not go back are a failure; copies the user changed are kept by design.
        if (result.mode === 'move' && result.kept.length) process.exitCode = 1;
        return;
      }

      if (!opts.to) throw new UsageError('say where: --to <dir> (or --list, --undo <export-id>)');
      if (!opts.as) throw new UsageError(`say how: --as ${EXPORT_MODES.join('|')}`);
      if (!(EXPORT_MODES as readonly string[]).includes(opts.as))
        throw new UsageError(`--as must be one of ${EXPORT_MODES.join(', ')}, got "${opts.as}"`);
      const mode = opts.as as ExportMode;
      if (mode === 'move' && !opts.allowMove)
        throw new UsageError(
          '--as move moves your originals out of their folders: add --allow-move to mean it (or use --as symlinks or copies)',
        );
      if (opts.allowMove && mode !== 'move') throw new UsageError('--allow-move only goes with --as move');
      const show = toInt('--show', opts.show) ?? 10;
      const clusterIds = opts.cluster?.map((c) => {
        const n = toInt('--cluster', c)!;
        return n;
      });
      const to = opts.to;

      await withCatalog(config, async (catalog) => {
        const runId = clusteredRun(catalog, opts.run);
        const plan = await asUsage(() =>
          planClusterExport(catalog, {
            runId,
            to,
            as: mode,
            clusters: clusterIds,
            includeUnclustered: opts.includeUnclustered,
          }),
        );
        if (!opts.apply) {
          if (opts.json) return void json({ dryRun: true, ...plan });
          return printPlan(plan, Math.max(0, show));
        }
        const result = await asUsage(() =>
          applyClusterExport(plan, { dataDir: config.dataDir, allowMove: opts.allowMove }),
        );
        if (result.failed.length) process.exitCode = 1;
        if (opts.json) return void json(result);
        const verb = { symlinks: 'linked', copies: 'copied', move: 'moved' }[mode];
        process.stdout.write(
          `${verb} ${plural(result.done, 'file')} (${bytes(result.bytes)}) into ${printable(result.to)}; ` +
            `export ${result.exportId} (undo: pcc clusters export --undo ${result.exportId})\n`,
        );
        for (const s of result.skipped.slice(0, show))
          process.stdout.write(`skipped: ${printable(s.reason)}\n`);
        if (result.skipped.length > show)
          process.stdout.write(`skipped: … and ${result.skipped.length - show} more (in the manifest)\n`);
        for (const f of result.failed)
          process.stdout.write(`failed: ${printable(f.from)} → ${printable(f.to)}: ${printable(f.reason)}\n`);
        if (result.missing.length)
          process.stdout.write(
            `missing: ${plural(result.missing.length, 'photo')} with no file on disk; not exported\n`,
          );
        process.stdout.write(`manifest: ${printable(result.manifest)}\n`);
        if (mode === 'move' && result.done) process.stdout.write(`note: ${STALE_PATHS}\n`);
      });
    });
}
