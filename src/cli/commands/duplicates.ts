/**
 * `pcc duplicates`: exact copies, visually identical photos and bursts, as a CSV and a Markdown
 * report (services/duplicates.ts does the work, the studio shows the same groups); `mark` and
 * `unmark` record keep/discard choices. Nothing here deletes or moves a file.
 */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { cliConfig, info, toInt, toNumber, UsageError, withCatalog } from '../context';
import type { Catalog } from '../../catalog/catalog';
import { DUPLICATE_KINDS, type DuplicateKind, type DuplicateOptions } from '../../duplicates/group';
import { duplicatesSummary, writeDuplicateReports } from '../../duplicates/report';
import {
  DuplicatesError,
  findDuplicates,
  markDuplicates,
  unmarkDuplicates,
  type FindDuplicatesOptions,
} from '../../services/duplicates';

interface FindFlags {
  run?: string;
  root?: string[];
  kind?: string;
  out?: string;
  json?: boolean;
  model?: string;
  maxHashDistance?: string;
  minCosine?: string;
  burstSeconds?: string;
  burstMaxHashDistance?: string;
  burstMinCosine?: string;
}

interface MarkFlags {
  keep?: string[];
  discard?: string[];
  keyword?: boolean;
  kind?: string;
  client?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function kindOf(value: string | undefined): DuplicateKind | undefined {
  if (value === undefined) return undefined;
  if (!(DUPLICATE_KINDS as readonly string[]).includes(value))
    throw new UsageError(`--kind must be one of ${DUPLICATE_KINDS.join(', ')}, got "${value}"`);
  return value as DuplicateKind;
}

function thresholdsOf(flags: FindFlags): Partial<DuplicateOptions> {
  const out: Partial<DuplicateOptions> = {};
  const set = (key: keyof DuplicateOptions, value: number | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('maxHashDistance', toInt('--max-hash-distance', flags.maxHashDistance));
  set('minCosine', toNumber('--min-cosine', flags.minCosine));
  set('burstSeconds', toNumber('--burst-seconds', flags.burstSeconds));
  set('burstMaxHashDistance', toInt('--burst-max-hash-distance', flags.burstMaxHashDistance));
  set('burstMinCosine', toNumber('--burst-min-cosine', flags.burstMinCosine));
  return out;
}

/** A photo id, or a path the catalog knows (resolved against the working folder). */
function photoIdsOf(catalog: Catalog, flag: string, values: readonly string[] | undefined): number[] {
  return (values ?? []).map((v) => {
    if (/^\d+$/.test(v)) return Number(v);
    const known = catalog.photos.knownPath(path.resolve(v));
    if (!known) throw new UsageError(`${flag} ${JSON.stringify(v)}: not a photo id or a path in the catalog`);
    return known.photoId;
  });
}

/** The service's complaints about what was asked are usage errors (one line, exit code 2). */
function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DuplicatesError) throw new UsageError(err.message);
    throw err;
  }
}

const list = (ids: readonly number[]) => (ids.length ? ` (${ids.join(', ')})` : '');
const photos = (n: number) => `${n} photo${n === 1 ? '' : 's'}`;

export function registerDuplicates(program: Command): void {
  const duplicates = program
    .command('duplicates')
    .description(
      'exact copies, visually identical photos and bursts: a CSV and a Markdown report (deletes nothing)',
    )
    .option('--run <id>', 'only the photos under this run’s folders (run id or workflow id)')
    .option('--root <dir>', 'only the photos under this library root (repeatable)', collect)
    .option('--kind <kind>', `only one kind: ${DUPLICATE_KINDS.join(', ')}`)
    .option(
      '--out <dir>',
      'where duplicates.csv and duplicates.md go (default $PCC_DATA_DIR/reports/duplicates)',
    )
    .option('--json', 'print the groups as JSON (writes the report files only with --out)')
    .option('--model <id>', 'CLIP image vectors of this model (default: the run’s, else the most common)')
    .option('--max-hash-distance <bits>', 'identical: dHash bits that may differ (default 4)')
    .option('--min-cosine <x>', 'identical: CLIP cosine at least (default 0.97)')
    .option('--burst-seconds <s>', 'burst: seconds between shots at most (default 3)')
    .option('--burst-max-hash-distance <bits>', 'burst: dHash bits that may differ (default 12)')
    .option('--burst-min-cosine <x>', 'burst: or CLIP cosine at least (default 0.9)')
    .action((flags: FindFlags) => {
      const config = cliConfig();
      withCatalog(config, (catalog) => {
        const kind = kindOf(flags.kind);
        const options: FindDuplicatesOptions = {
          ...(flags.run !== undefined ? { runId: flags.run } : {}),
          ...(flags.root?.length ? { roots: flags.root.map((r) => path.resolve(r)) } : {}),
          ...(kind ? { kinds: [kind] } : {}),
          ...(flags.model !== undefined ? { imageModel: flags.model } : {}),
          thresholds: thresholdsOf(flags),
        };
        const report = usage(() => findDuplicates(catalog, options));
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          if (flags.out) writeDuplicateReports(report, path.resolve(flags.out));
          return;
        }
        const dir = path.resolve(flags.out ?? path.join(config.dataDir, 'reports', 'duplicates'));
        const written = writeDuplicateReports(report, dir);
        for (const note of report.notes) info(note);
        process.stdout.write(
          `${duplicatesSummary(report)}; report at ${written.markdown} and ${written.csv} ` +
            `(${photos(report.photos)} in ${report.seconds.toFixed(1)} s; nothing was deleted or moved)\n`,
        );
      });
    });

  duplicates
    .command('mark')
    .description('record which photos of a group to keep or discard (never deletes or moves a file)')
    .option('--keep <ids...>', 'photo ids (or paths) to keep')
    .option('--discard <ids...>', 'photo ids (or paths) to discard')
    .option('--keyword', 'also give discarded photos the approved keyword AI|duplicate (for `pcc xmp`)')
    .option('--kind <kind>', `the kind of group they were marked in: ${DUPLICATE_KINDS.join(', ')}`)
    .option('--client <name>', 'who marks, for the record (default: cli:<user>)')
    .action((flags: MarkFlags) => {
      withCatalog(cliConfig(), (catalog) => {
        const kind = kindOf(flags.kind);
        const outcome = usage(() =>
          markDuplicates(catalog, {
            keep: photoIdsOf(catalog, '--keep', flags.keep),
            discard: photoIdsOf(catalog, '--discard', flags.discard),
            keyword: Boolean(flags.keyword),
            client: flags.client ?? `cli:${os.userInfo().username}`,
            ...(kind ? { kind } : {}),
          }),
        );
        const parts = [
          `kept ${photos(outcome.kept.length)}${list(outcome.kept)}`,
          `discarded ${photos(outcome.discarded.length)}${list(outcome.discarded)}`,
        ];
        if (flags.keyword) parts.push(`AI|duplicate on ${photos(outcome.keywordAdded.length)}`);
        if (outcome.keywordWithdrawn.length)
          parts.push(`AI|duplicate taken back from ${photos(outcome.keywordWithdrawn.length)}`);
        process.stdout.write(`${parts.join('; ')}. Nothing was deleted or moved.\n`);
      });
    });

  duplicates
    .command('unmark')
    .description('remove marks (and the AI|duplicate keyword a discard added)')
    .argument('<ids...>', 'photo ids (or paths)')
    .action((ids: string[]) => {
      withCatalog(cliConfig(), (catalog) => {
        const outcome = usage(() => unmarkDuplicates(catalog, photoIdsOf(catalog, 'unmark', ids)));
        process.stdout.write(
          `unmarked ${photos(outcome.unmarked.length)}${list(outcome.unmarked)}` +
            `${outcome.notMarked.length ? `; ${photos(outcome.notMarked.length)} had no mark${list(outcome.notMarked)}` : ''}` +
            `${outcome.keywordWithdrawn.length ? `; AI|duplicate taken back from ${photos(outcome.keywordWithdrawn.length)}` : ''}\n`,
        );
      });
    });
}
