/**
 * `pcc search "blue glass on a window sill"`: hybrid search from the command line (services/search.ts),
 * the same query and filters as `GET /search` — both come from src/search/search-query.ts.
 */
import type { Command } from 'commander';
import { cliConfig, printable, UsageError, withCatalog } from '../context';
import { PhotoSearch, type SearchPage } from '../../services/search';
import { parseSearchQuery, SEARCH_OPTIONS, SearchQueryError } from '../../search/search-query';

export function registerSearch(program: Command): void {
  const command = program
    .command('search')
    .description('find photos by meaning, caption and OCR text, keywords and metadata; scores and why')
    .argument('[words...]', 'what to look for (quote it or not); may be empty with filters')
    .option('--json', 'machine-readable output (the same as GET /search)');
  for (const o of SEARCH_OPTIONS)
    command.option(`--${o.name} <${o.kind === 'date' ? 'date' : 'value'}>`, o.help);
  command.action(async (words: string[], opts: Record<string, unknown>) => {
    const config = cliConfig();
    const raw: Record<string, unknown> = {};
    for (const o of SEARCH_OPTIONS) {
      const key = o.name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
      if (opts[key] !== undefined) raw[o.name] = opts[key];
    }
    let query;
    try {
      query = parseSearchQuery(words.join(' '), raw, 'cli');
    } catch (err) {
      if (err instanceof SearchQueryError) throw new UsageError(err.message);
      throw err;
    }
    const page = await withCatalog(config, async (catalog) => {
      try {
        return await new PhotoSearch(catalog, config).search(query);
      } catch (err) {
        if (err instanceof SearchQueryError) throw new UsageError(err.message);
        throw err;
      }
    });
    if (opts.json) process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    else process.stdout.write(`${describePage(page).join('\n')}\n`);
  });
}

export function describePage(page: SearchPage): string[] {
  const q = page.query;
  const out: string[] = [];
  const what = q.text ? `"${printable(q.text)}"` : 'the filters';
  out.push(
    `${page.total} result${page.total === 1 ? '' : 's'} for ${what} (score ≥ ${q.minScore}` +
      `${page.candidates !== null ? `, ${page.candidates} photos pass the filters` : ''}; ${page.tookMs} ms)`,
  );
  page.results.forEach((r) => {
    out.push(
      `  ${r.score.toFixed(2)}  ${printable(r.relPath ?? `photo ${r.photoId}`)}${r.private ? '  [private]' : ''}`,
    );
    out.push(`        ${printable(r.why.join(' · '))}`);
    if (r.caption) out.push(`        “${printable(r.caption.slice(0, 160))}”`);
  });
  const legs = page.legs
    .map((l) => `${l.leg}${l.used ? (l.model ? ` (${l.model})` : '') : ' off'}${l.note ? `: ${l.note}` : ''}`)
    .join('; ');
  if (legs) out.push(`Legs: ${printable(legs)}`);
  const shown = q.offset + page.results.length;
  if (shown < page.total) out.push(`Showing ${q.offset + 1}–${shown}; --offset ${shown} for more`);
  if (!page.total && q.text)
    out.push(`Nothing at or above ${q.minScore}: try --min-score 0.1, or fewer filters.`);
  return out;
}
