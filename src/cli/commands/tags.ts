/**
 * `pcc tags list|approve|reject`: keyword review from the command line, the same operations the
 * review studio uses (services/review-keywords.ts). Decisions apply to the whole cluster unless
 * --no-apply-to-cluster, and each is recorded in the catalog's decision log.
 */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { cliConfig, info, UsageError, withCatalog } from '../context';
import type { Catalog } from '../../catalog/catalog';
import {
  KEYWORD_LAYERS,
  KEYWORD_STATES,
  type KeywordLayer,
  type KeywordState,
} from '../../catalog/keywords.repository';
import { clusterChips, selectKeywords, type KeywordSelection } from '../../services/review-keywords';
import { decideKeywords, DecisionError, describeDecision, undoDecision } from '../../services/decisions';

interface TagOptions {
  run?: string;
  cluster?: string;
  photo?: string[];
  term?: string;
  layer?: string;
  source?: string;
  state?: string;
  minScore?: string;
  json?: boolean;
  byPhoto?: boolean;
  applyToCluster: boolean;
  client?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function withSelectionFlags(command: Command): Command {
  return command
    .option('--run <id>', 'run (default: the latest)')
    .option('--cluster <n>', 'keywords of one cluster')
    .option('--photo <path-or-id>', 'keywords of one photo (repeatable)', collect)
    .option('--term <term>', 'one term, e.g. statue')
    .option('--layer <layer>', `${KEYWORD_LAYERS.join(', ')}`)
    .option(
      '--source <source>',
      'a source kind (vision, caption, concept, vocabulary, exif, ocr, date, user) or an exact source',
    )
    .option('--state <state>', KEYWORD_STATES.join(', '))
    .option('--min-score <x>', 'only keywords scored at least this');
}

function selectionOf(catalog: Catalog, opts: TagOptions): KeywordSelection {
  const run = opts.run ? catalog.runs.run(opts.run) : catalog.runs.latestRun();
  if (!run)
    throw new UsageError(
      opts.run ? `no run ${opts.run} in the catalog` : 'no run yet: start one with `pcc run <dir> --cluster`',
    );
  const sel: KeywordSelection = { runId: run.id };
  if (opts.cluster !== undefined) {
    const n = Number(opts.cluster);
    if (!Number.isInteger(n))
      throw new UsageError(`--cluster must be a cluster number, got "${opts.cluster}"`);
    sel.cluster = n;
  }
  if (opts.photo?.length) {
    sel.photoIds = opts.photo.map((p) => {
      if (/^\d+$/.test(p) && catalog.photos.get(Number(p))) return Number(p);
      const known = catalog.photos.knownPath(path.resolve(p));
      if (!known) throw new UsageError(`--photo ${p}: not a photo in the catalog (give its path or id)`);
      return known.photoId;
    });
  }
  if (opts.layer !== undefined) {
    const layer = opts.layer.toUpperCase();
    if (!(KEYWORD_LAYERS as readonly string[]).includes(layer))
      throw new UsageError(`--layer must be one of ${KEYWORD_LAYERS.join(', ')}, got "${opts.layer}"`);
    sel.layer = layer as KeywordLayer;
  }
  if (opts.state !== undefined) {
    if (!(KEYWORD_STATES as readonly string[]).includes(opts.state))
      throw new UsageError(`--state must be one of ${KEYWORD_STATES.join(', ')}, got "${opts.state}"`);
    sel.state = opts.state as KeywordState;
  }
  if (opts.minScore !== undefined) {
    const x = Number(opts.minScore);
    if (!Number.isFinite(x)) throw new UsageError(`--min-score must be a number, got "${opts.minScore}"`);
    sel.minScore = x;
  }
  if (opts.term !== undefined) sel.term = opts.term;
  if (opts.source !== undefined) sel.source = opts.source;
  return sel;
}

const score = (s: number | undefined) => (s === undefined ? '' : s.toFixed(3));

export function registerTags(program: Command): void {
  const tags = program
    .command('tags')
    .description('review keywords: list, approve, reject (by cluster by default)');

  withSelectionFlags(
    tags.command('list').description('keywords as cluster chips (or per photo with --by-photo)'),
  )
    .option('--by-photo', 'one line per photo and keyword')
    .option('--json', 'JSON for scripts')
    .action(async (opts: TagOptions) => {
      await withCatalog(cliConfig(), async (catalog) => {
        const sel = selectionOf(catalog, opts);
        if (opts.byPhoto) {
          const rows = selectKeywords(catalog, sel);
          if (opts.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          for (const k of rows) {
            const where = catalog.photos.pathsOf(k.photoId)[0]?.relPath ?? `photo ${k.photoId}`;
            process.stdout.write(
              `${JSON.stringify(where)}\t${k.path}\t${k.state}\t${score(k.score)}\t${k.sources.map((s) => s.source).join('+')}\n`,
            );
          }
          return;
        }
        const chips = clusterChips(catalog, sel);
        if (opts.json) return void process.stdout.write(`${JSON.stringify(chips, null, 2)}\n`);
        for (const c of chips) {
          const states = [
            c.approved ? `${c.approved} approved` : '',
            c.proposed ? `${c.proposed} proposed` : '',
            c.rejected ? `${c.rejected} rejected` : '',
          ].filter(Boolean);
          process.stdout.write(
            `${c.cluster < 0 ? 'unclustered' : `cluster ${c.cluster}`}\t${c.path}\t${c.photos}/${c.members} photos\t` +
              `${states.join(', ')}\t${score(c.score)}\t${c.sources.join('+')}\n`,
          );
        }
        info(`${chips.length} chips`);
      });
    });

  for (const action of ['approve', 'reject'] as const) {
    withSelectionFlags(
      tags
        .command(action)
        .description(
          action === 'approve'
            ? 'approve keywords (they are written by `pcc xmp`); for the whole cluster by default'
            : 'reject keywords (never written); for every member of the cluster by default',
        ),
    )
      .option('--no-apply-to-cluster', 'decide for the selected photos only, not their whole cluster')
      .option('--client <name>', 'who decides, for the decision log (default: cli:<user>)')
      .action(async (opts: TagOptions) => {
        await withCatalog(cliConfig(), async (catalog) => {
          const sel = selectionOf(catalog, opts);
          if (
            sel.term === undefined &&
            sel.cluster === undefined &&
            !sel.photoIds &&
            !sel.source &&
            sel.minScore === undefined
          ) {
            throw new UsageError(
              `say which keywords to ${action}: --term, --cluster, --photo, --source or --min-score`,
            );
          }
          const outcomes = decideKeywords(catalog, sel, action, {
            applyToCluster: opts.applyToCluster,
            client: opts.client ?? `cli:${os.userInfo().username}`,
          });
          let changed = 0;
          for (const o of outcomes) {
            changed += o.changed;
            if (!o.changed && !o.skippedUser) continue;
            process.stdout.write(
              `${action === 'approve' ? 'approved' : 'rejected'} ${o.layer}|${o.term} on ${o.changed} photo(s)` +
                `${o.cluster >= 0 ? ` (cluster ${o.cluster})` : ''}` +
                `${o.skippedUser ? `; ${o.skippedUser} kept: the user's own keyword is never rejected` : ''}\n`,
            );
          }
          info(
            outcomes.length
              ? `${changed} keyword decisions recorded; \`pcc xmp --apply\` writes what is approved`
              : 'nothing matched: see `pcc tags list`',
          );
        });
      });
  }

  tags
    .command('log')
    .description('the decision log, newest first (approve, reject, move, undo)')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'JSON for scripts')
    .action(async (opts: { limit: string; json?: boolean }) => {
      await withCatalog(cliConfig(), async (catalog) => {
        const log = catalog.decisions.list(Number(opts.limit) || 20);
        if (opts.json) return void process.stdout.write(`${JSON.stringify(log, null, 2)}\n`);
        for (const d of log)
          process.stdout.write(
            `${d.id}\t${d.at.slice(0, 19)}\t${d.client}\t${d.action === 'undo' ? `undo of ${d.undoes}` : describeDecision(d)}` +
              `${d.undoneBy !== undefined ? `\t(undone by ${d.undoneBy})` : ''}\n`,
          );
        if (!log.length) info('no decisions yet');
      });
    });

  tags
    .command('undo')
    .description('take back a decision (default: the latest one still standing)')
    .argument('[id]', 'decision id from `pcc tags log`')
    .option('--client <name>', 'who undoes, for the decision log (default: cli:<user>)')
    .action(async (id: string | undefined, opts: { client?: string }) => {
      await withCatalog(cliConfig(), async (catalog) => {
        const target = id
          ? Number(id)
          : catalog.decisions.list(200).find((d) => d.action !== 'undo' && d.undoneBy === undefined)?.id;
        if (target === undefined || !Number.isInteger(target)) throw new UsageError('nothing to undo');
        try {
          const undo = undoDecision(catalog, target, opts.client ?? `cli:${os.userInfo().username}`);
          const d = catalog.decisions.get(target)!;
          info(`undone: ${describeDecision(d)} (decision ${target}; the undo is decision ${undo.id})`);
        } catch (err) {
          if (err instanceof DecisionError) throw new UsageError(err.message);
          throw err;
        }
      });
    });
}
