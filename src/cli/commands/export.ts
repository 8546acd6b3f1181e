import fs from 'node:fs';
import type { Command } from 'commander';
import { writeFileAtomicWith } from '../../files/atomic-write';
import { cliConfig, info, UsageError, withCatalog } from '../context';
import { fileOutcomes, libraryOutcomes } from '../../catalog/outcomes';

export function registerExport(program: Command): void {
  const exp = program.command('export').description('write results to files');
  exp
    .command('captions')
    .description(
      'captions.jsonl: {"rel_path","caption","status"} (+ "duplicate_of", "note" when set), one line per file under the run\'s folders',
    )
    .requiredOption('--out <file>', 'output file (.jsonl)')
    .option(
      '--run <id>',
      'run whose folders, backend, model and prompt to export (default: the latest captioning run)',
    )
    .action((opts: { out: string; run?: string }) => {
      const config = cliConfig();
      const { written, pending } = withCatalog(config, (catalog) => {
        const run = opts.run ? catalog.runs.run(opts.run) : catalog.runs.latestRun((r) => !r.config.dryRun);
        if (!run) {
          throw new UsageError(
            opts.run
              ? `no run ${opts.run} in the catalog`
              : 'no captioning run yet: start one with `pcc run <dir>`',
          );
        }
        const rc = run.config;
        const outcomes = libraryOutcomes(catalog, rc.roots, {
          backend: rc.backend,
          model: rc.model,
          promptHash: rc.promptHash,
        });
        let n = 0;
        let pending = 0;
        writeFileAtomicWith(opts.out, (fd) => {
          for (const f of fileOutcomes(catalog, outcomes, rc.roots)) {
            const o = f.outcome;
            if (!o.status) {
              pending++;
              continue;
            }
            const line = {
              rel_path: f.relPath,
              caption: o.caption ?? null,
              status: o.status,
              ...(o.reason && o.status !== 'success' ? { reason: o.reason } : {}),
              ...(o.note ? { note: o.note } : {}),
              ...(f.duplicateOf ? { duplicate_of: f.duplicateOf } : {}),
            };
            fs.writeSync(fd, `${JSON.stringify(line)}\n`);
            n++;
          }
        });
        return { written: n, pending };
      });
      info(
        `wrote ${written} files to ${opts.out}${pending ? ` (${pending} not processed yet, left out)` : ''}`,
      );
    });
  exp
    .command('embeddings')
    .description(
      'one JSON line per photo, kind and model: {"rel_path","kind","model","dim","vector"} (image and caption vectors)',
    )
    .requiredOption('--out <file>', 'output file (.jsonl)')
    .option('--model <id>', 'only this model')
    .option('--kind <kind>', 'image, caption or all', 'all')
    .action((opts: { out: string; model?: string; kind: string }) => {
      if (opts.kind !== 'image' && opts.kind !== 'caption' && opts.kind !== 'all')
        throw new UsageError('--kind must be image, caption or all');
      const kind = opts.kind === 'all' ? undefined : opts.kind;
      const config = cliConfig();
      const n = withCatalog(config, (catalog) => {
        let count = 0;
        writeFileAtomicWith(opts.out, (fd) => {
          for (const e of catalog.embeddings.iterate(kind, opts.model)) {
            const where = catalog.photos.pathsOf(e.photoId)[0];
            const vector = Array.from(e.vector, (x) => Math.round(x * 1e6) / 1e6);
            fs.writeSync(
              fd,
              `${JSON.stringify({ rel_path: where?.relPath ?? null, kind: e.kind, model: e.model, dim: e.vector.length, vector })}\n`,
            );
            count++;
          }
        });
        return count;
      });
      info(`wrote ${n} embeddings to ${opts.out}`);
    });
}
