/**
 * `duplicates.csv` (one line per path of every member) and `duplicates.md` (one section per group).
 * Paths are data: every CSV cell goes through the shared writer (quoting, formula starts
 * neutralised) and every Markdown mention is a code span on one line, so a file name with
 * newlines, backticks, `=cmd|…` or a leading dash stays a file name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { csvDocument, type CsvCell } from '../reports/csv';
import { mdCode, mdText } from '../reports/markdown';
import type { DuplicateGroupView, DuplicateMember, DuplicateReport } from '../services/duplicates';
import type { DuplicateKind } from './group';

export const DUPLICATES_CSV = 'duplicates.csv';
export const DUPLICATES_MD = 'duplicates.md';

const CSV_COLUMNS = [
  'group',
  'kind',
  'reason',
  'photo_id',
  'sha1',
  'path',
  'rel_path',
  'width',
  'height',
  'bytes',
  'taken_at',
  'suggested_keeper',
  'mark',
] as const;

const KIND_TITLE: Record<DuplicateKind, string> = {
  exact: 'Exact copies',
  identical: 'Visually identical',
  burst: 'Bursts',
};

const KIND_MEANING: Record<DuplicateKind, string> = {
  exact: 'The same bytes at several paths',
  identical: 'Different files of the same picture (re-saved, resized, another format)',
  burst: 'Very similar photos taken seconds apart',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "3 exact groups (7 paths), 2 identical groups, 1 burst group" */
export function duplicatesSummary(report: DuplicateReport): string {
  const c = report.counts;
  return [
    `${plural(c.exact, 'exact group')} (${plural(c.exactPaths, 'path')})`,
    plural(c.identical, 'identical group'),
    plural(c.burst, 'burst group'),
  ].join(', ');
}

function dimensions(m: DuplicateMember): string {
  return m.width !== undefined && m.height !== undefined ? `${m.width}×${m.height}` : 'size unknown';
}

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

export function duplicatesCsv(report: DuplicateReport): string {
  const rows: CsvCell[][] = [];
  for (const g of report.groups)
    for (const m of g.members)
      for (const p of m.paths) {
        // The keeper is one file: the suggested photo at its oldest path (its other paths are copies).
        const keeper = g.suggestedKeeper.absPath === p.absPath;
        rows.push([
          g.id,
          g.kind,
          g.reason,
          m.photoId,
          m.sha1,
          p.absPath,
          p.relPath,
          m.width,
          m.height,
          p.size,
          m.takenAt,
          keeper ? 'yes' : '',
          m.mark?.state,
        ]);
      }
  return csvDocument(CSV_COLUMNS, rows);
}

function groupSection(g: DuplicateGroupView, n: number): string[] {
  const out = [`### ${n}. ${mdText(KIND_TITLE[g.kind])}: ${mdText(g.reason)}`, ''];
  for (const m of g.members) {
    const facts = [
      `photo ${m.photoId}`,
      dimensions(m),
      megabytes(m.size),
      m.takenAt ? `taken ${mdText(m.takenAt.replace('T', ' '))}` : '',
      m.mark ? `**marked ${m.mark.state}**` : '',
    ].filter(Boolean);
    const keeperPhoto = g.kind !== 'exact' && g.suggestedKeeper.photoId === m.photoId;
    out.push(`- ${facts.join(' · ')}${keeperPhoto ? ' — **suggested keeper**' : ''}`);
    for (const p of m.paths) {
      // Which file to keep, when the keeper has copies of its own.
      const keeperPath =
        g.suggestedKeeper.absPath === p.absPath && (g.kind === 'exact' || m.paths.length > 1);
      out.push(`  - ${mdCode(p.absPath)}${keeperPath ? ' — **suggested keeper** (oldest copy)' : ''}`);
    }
  }
  out.push('');
  return out;
}

export function duplicatesMarkdown(report: DuplicateReport): string {
  const out = [
    '# Duplicates',
    '',
    `${duplicatesSummary(report)}, among ${plural(report.photos, 'photo')}` +
      `${report.scope.runId ? ` of run ${mdCode(report.scope.runId)}` : ''}` +
      ` (${report.withHash} with a dHash, ${report.withVector} with a CLIP vector` +
      `${report.imageModel ? ` of ${mdCode(report.imageModel)}` : ''}, ${report.withTime} with a capture time).`,
    '',
    '> Nothing here deletes or moves a file. Marks (`pcc duplicates mark`) are records in the catalog;',
    '> removing a copy is your decision, in your file manager.',
    '',
    `Thresholds: identical = dHash ≤ ${report.thresholds.maxHashDistance} bits and cosine ≥ ${report.thresholds.minCosine}` +
      ` (dHash ≤ ${report.thresholds.maxHashDistanceWithoutVector} without a vector); burst = within` +
      ` ${report.thresholds.burstSeconds} s, dHash ≤ ${report.thresholds.burstMaxHashDistance} or cosine ≥` +
      ` ${report.thresholds.burstMinCosine}, at most ${report.thresholds.burstMaxSpanSeconds} s first to last.`,
    '',
  ];
  if (report.notes.length) {
    out.push('Notes:', '');
    for (const note of report.notes) out.push(`- ${mdText(note)}`);
    out.push('');
  }
  let n = 0;
  for (const kind of ['exact', 'identical', 'burst'] as const) {
    const groups = report.groups.filter((g) => g.kind === kind);
    if (!groups.length) continue;
    out.push(`## ${KIND_TITLE[kind]} (${groups.length})`, '', `${mdText(KIND_MEANING[kind])}.`, '');
    for (const g of groups) out.push(...groupSection(g, ++n));
  }
  if (!report.groups.length) out.push('No duplicates found.', '');
  return out.join('\n');
}

/** Writes both files into `dir` (created when missing); returns their paths. */
export function writeDuplicateReports(
  report: DuplicateReport,
  dir: string,
): { csv: string; markdown: string } {
  fs.mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, DUPLICATES_CSV);
  const markdown = path.join(dir, DUPLICATES_MD);
  fs.writeFileSync(csv, duplicatesCsv(report));
  fs.writeFileSync(markdown, duplicatesMarkdown(report));
  return { csv, markdown };
}
