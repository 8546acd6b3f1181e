import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { cliConfig, info, UsageError, withCatalog } from '../context';
import { isNoop, planSidecars, type SidecarNaming } from '../../library/sidecars';
import { writeRunSidecars } from '../../services/write-sidecars';
import { endExiftool } from '../../images/exiftool';

interface XmpOptions {
  run?: string;
  apply?: boolean;
  naming: string;
  audit?: string;
  concurrency: string;
}

export function registerXmp(program: Command): void {
  program
    .command('xmp')
    .description(
      'write approved keywords (CK|…, AI|…, your own) and captions to XMP sidecars; prints the plan unless --apply',
    )
    .option('--run <id>', 'run (default: the latest)')
    .option('--apply', 'write the sidecars (without it: a dry run that writes nothing)')
    .option('--naming <style>', 'photo.xmp (Lightroom) or photo.ext.xmp (darktable, digiKam)', 'photo.xmp')
    .option('--audit <file>', 'audit CSV to append to (default: $PCC_DATA_DIR/xmp_audit.csv)')
    .option('--concurrency <n>', 'ExifTool processes writing at once (each takes a chunk of sidecars)', '2')
    .action(async (opts: XmpOptions) => {
      if (opts.naming !== 'photo.xmp' && opts.naming !== 'photo.ext.xmp') {
        throw new UsageError(`--naming must be photo.xmp or photo.ext.xmp, got "${opts.naming}"`);
      }
      const naming = opts.naming as SidecarNaming;
      const config = cliConfig();
      try {
        await withCatalog(config, async (catalog) => {
          const run = opts.run ? catalog.runs.run(opts.run) : catalog.runs.latestRun();
          if (!run)
            throw new UsageError(
              opts.run ? `no run ${opts.run} in the catalog` : 'no run yet: start one with `pcc run <dir>`',
            );
          if (!opts.apply) {
            const plans = (await planSidecars(catalog, run.id, naming)).filter((p) => !isNoop(p));
            for (const p of plans) {
              const adds = p.add.map((k) => `${k.path} (${k.source})`);
              process.stdout.write(
                `${p.exists ? 'merge' : 'create'} ${p.sidecarPath}: ${adds.length ? `+${adds.join(' +')}` : ''}` +
                  `${p.description ? ` description "${p.description.slice(0, 60)}"` : ''}\n`,
              );
            }
            info(`dry run: ${plans.length} sidecars would change; nothing written (add --apply)`);
            return;
          }
          const bar = process.stdout.isTTY
            ? new cliProgress.SingleBar({ format: '{bar} {value}/{total} sidecars' })
            : undefined;
          const result = await writeRunSidecars(
            { catalog: () => catalog, config },
            { runId: run.id, naming, auditPath: opts.audit, concurrency: Number(opts.concurrency) },
            (done, total) => {
              if (bar && done === 1) bar.start(total, 0);
              bar?.update(done);
            },
          );
          bar?.stop();
          for (const e of result.errors) process.stderr.write(`error ${e.reason}\n`);
          info(
            `${result.written} sidecars written, ${result.unchanged} unchanged, ${result.errors.length} errors; audit ${result.auditPath}`,
          );
          if (result.errors.length) process.exitCode = 4;
        });
      } finally {
        await endExiftool();
      }
    });
}
