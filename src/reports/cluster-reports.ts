/**
 * The files a person reviews after a run: cluster_export.csv, cluster_report.md,
 * folder_medoids.csv and (with a vocabulary) vocabulary_scores.csv. Built from the catalog alone,
 * so `pcc report` can write them again at any time. Every photo of the run appears exactly once.
 */
import { clusterChips, type ClusterChip } from '../services/review-keywords';
import { writeFileAtomic } from '../files/atomic-write';
import { byCodePoint } from '../shared/compare';
import fs from 'node:fs';
import path from 'node:path';
import type { Catalog } from '../catalog/catalog';
import type { VocabularyScoreRow } from '../catalog/clusters.repository';
import { fileOutcomes, runLibraryOutcomes, type PhotoOutcome } from '../catalog/outcomes';
import { csvDocument, type CsvCell } from './csv';
import { mdCode, mdText } from './markdown';
import { localOnlyMatcher } from '../library/local-only';
import { membersByCluster, peopleOfRun } from '../services/people';
import type { ClusterSettings, RunConfig } from '../shared/payloads';
import { effectiveMinClusterSize } from '../clustering/cluster';

export const REPORT_FILES = {
  export: 'cluster_export.csv',
  report: 'cluster_report.md',
  folders: 'folder_medoids.csv',
  scores: 'vocabulary_scores.csv',
  config: 'config.json',
} as const;

export type LabelSource = 'caption' | 'vocabulary' | 'none' | 'noise';

export interface ClusterSummary {
  id: number;
  label: string;
  labelSource: LabelSource;
  size: number;
  medoid?: PhotoOutcome;
  /** Every member is a local-only photo: nothing about this group may leave the machine. */
  localOnly: boolean;
  /** Mostly photos of people (absent when the run does not look for people sets). */
  peopleSet?: boolean;
  /** Every member, nearest the centre first. */
  members: Array<{ outcome: PhotoOutcome; distance: number | null }>;
  nearest: Array<{ outcome: PhotoOutcome; distance: number | null }>;
}

export interface ReportSummary {
  outDir: string;
  files: string[];
  photos: number;
  clusters: number;
  noise: number;
  captioned: number;
  errors: number;
  vocabularyFallbacks: number;
  /** Clusters that are people sets (absent when the run does not look for them). */
  peopleSets?: number;
  /** OCR in this run (absent when the run reads no text). */
  text?: { read: number; withText: number; readBefore: number };
}

/** The group label: the caption nearest the centre when it succeeded, else the best vocabulary match. */
function labelCluster(
  members: Array<{ outcome: PhotoOutcome; distance: number | null }>,
  scores: Map<number, VocabularyScoreRow>,
): { label: string; labelSource: LabelSource } {
  const medoid = members[0]?.outcome;
  if (medoid?.status === 'success' && medoid.caption)
    return { label: medoid.caption, labelSource: 'caption' };
  const votes = new Map<string, number>();
  for (const m of members) {
    const top = scores.get(m.outcome.photoId)?.top[0];
    if (top) votes.set(top.label, (votes.get(top.label) ?? 0) + top.score);
  }
  const best = [...votes.entries()].sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0]))[0];
  if (best) return { label: best[0], labelSource: 'vocabulary' };
  return { label: '(no caption)', labelSource: 'none' };
}

export function summarizeClusters(
  catalog: Catalog,
  runId: string,
): {
  config: RunConfig;
  outcomes: PhotoOutcome[];
  clusters: ClusterSummary[];
  byPhoto: Map<number, { cluster: number; distance: number | null }>;
  scores: Map<number, VocabularyScoreRow>;
} {
  const config = catalog.runs.run(runId)?.config;
  if (!config) throw new Error(`no run ${runId} in the catalog`);
  // The whole library under the run's folders: a top-up run reports every photo, not only its new ones.
  const outcomes = runLibraryOutcomes(
    catalog,
    runId,
    { backend: config.backend, model: config.model, promptHash: config.promptHash },
    config.dryRun,
  );
  const stored = catalog.clusters.members(runId);
  const scores = catalog.clusters.scores(runId);
  const isPrivate = localOnlyMatcher(config.localOnly ?? []);
  const byPhoto = new Map<number, { cluster: number; distance: number | null }>();
  const groups = new Map<number, Array<{ outcome: PhotoOutcome; distance: number | null }>>();
  for (const o of outcomes) {
    const m = stored.get(o.photoId);
    const entry = { cluster: m?.cluster ?? -1, distance: m?.distance ?? null };
    byPhoto.set(o.photoId, entry);
    (groups.get(entry.cluster) ?? groups.set(entry.cluster, []).get(entry.cluster)!).push({
      outcome: o,
      distance: entry.distance,
    });
  }
  const people = peopleOfRun(
    catalog,
    config.cluster,
    membersByCluster([...byPhoto.entries()].map(([photoId, m]) => ({ photoId, cluster: m.cluster }))),
  );
  const clusters: ClusterSummary[] = [...groups.entries()].map(([id, members]) => {
    members.sort(
      (a, b) =>
        (a.distance ?? Infinity) - (b.distance ?? Infinity) ||
        byCodePoint(a.outcome.relPath, b.outcome.relPath),
    );
    const { label, labelSource } =
      id < 0 ? { label: 'unclustered', labelSource: 'noise' as const } : labelCluster(members, scores);
    return {
      id,
      label,
      labelSource,
      size: members.length,
      medoid: members[0]?.distance !== null ? members[0]?.outcome : undefined,
      localOnly: members.every((m) => isPrivate(m.outcome.relPath)),
      ...(people && id >= 0 ? { peopleSet: people.sets.has(id) } : {}),
      members,
      nearest: members.slice(0, 5),
    };
  });
  // Largest first; the unclustered group last whatever its size.
  clusters.sort((a, b) => Number(a.id < 0) - Number(b.id < 0) || b.size - a.size || a.id - b.id);
  return { config, outcomes, clusters, byPhoto, scores };
}

/** "approved", "proposed", or "3 approved, 6 proposed" for a chip whose members differ. */
function chipState(k: ClusterChip): string {
  const parts = (['approved', 'proposed', 'rejected'] as const).filter((s) => k[s] > 0);
  return parts.length === 1 ? parts[0] : parts.map((s) => `${k[s]} ${s}`).join(', ');
}

export function writeReportFiles(catalog: Catalog, runId: string, outDir: string): ReportSummary {
  const clustering = catalog.clusters.clusteringOf<ClusterSettings['params']>(runId);
  if (!clustering) throw new Error(`run ${runId} has not been clustered yet`);
  const { config, outcomes, clusters, byPhoto, scores } = summarizeClusters(catalog, runId);
  const labelOf = new Map(clusters.map((c) => [c.id, c.label]));
  fs.mkdirSync(outDir, { recursive: true });
  const files: string[] = [];

  // One line per file: copies with the same bytes share the photo's results and name the first path.
  const exportRows: CsvCell[][] = fileOutcomes(catalog, outcomes, config.roots).map((f) => {
    const o = f.outcome;
    const m = byPhoto.get(o.photoId) ?? { cluster: -1, distance: null };
    return [
      f.relPath,
      m.cluster,
      labelOf.get(m.cluster) ?? '',
      o.status === 'success' ? (o.caption ?? '') : '',
      m.distance === null ? '' : m.distance.toFixed(6),
      f.duplicateOf ?? '',
    ];
  });
  const exportFile = path.join(outDir, REPORT_FILES.export);
  writeFileAtomic(
    exportFile,
    csvDocument(
      ['rel_path', 'cluster_id', 'label', 'caption', 'distance_to_centroid', 'duplicate_of'],
      exportRows,
    ),
  );
  files.push(exportFile);

  const relOf = new Map(outcomes.map((o) => [o.photoId, o.relPath]));
  const folders = clustering.folders;
  const folderFile = path.join(outDir, REPORT_FILES.folders);
  writeFileAtomic(
    folderFile,
    csvDocument(
      ['folder', 'medoid_rel_path', 'cosine_to_centroid'],
      folders.map((f) => [f.folder, relOf.get(f.photoId) ?? '', f.cosineToCentroid.toFixed(6)]),
    ),
  );
  files.push(folderFile);

  if (scores.size) {
    const scoreRows: CsvCell[][] = [];
    for (const o of outcomes) {
      const s = scores.get(o.photoId);
      if (!s) continue;
      const meta = catalog.metadata.get(o.photoId);
      const top5 = s.top.slice(0, 5);
      scoreRows.push([
        o.absPath,
        o.relPath,
        meta?.width ?? '',
        meta?.height ?? '',
        top5[0]?.label ?? '',
        top5[0] ? top5[0].score.toFixed(6) : '',
        top5.map((t) => t.label).join('|'),
        top5.map((t) => t.score.toFixed(6)).join('|'),
        s.approved.join('|'),
        runId,
        s.model,
      ]);
    }
    const scoresFile = path.join(outDir, REPORT_FILES.scores);
    writeFileAtomic(
      scoresFile,
      csvDocument(
        [
          'path',
          'rel_path',
          'width',
          'height',
          'top1',
          'top1_score',
          'top5_labels',
          'top5_scores',
          'approved_labels',
          'run_id',
          'model_name',
        ],
        scoreRows,
      ),
    );
    files.push(scoresFile);
  }

  const captioned = outcomes.filter((o) => o.status === 'success').length;
  const errors = outcomes.filter((o) => o.status?.startsWith('error')).length;
  const fallbacks = clusters.filter((c) => c.labelSource === 'vocabulary').length;
  const noise = clusters.find((c) => c.id < 0)?.size ?? 0;
  const settings = clustering.params;
  const md: string[] = [
    `# Clusters of run ${runId}`,
    '',
    `${captioned} captioned, ${errors} errors, ${fallbacks} vocabulary fallbacks`,
    '',
    `${outcomes.length} photos from ${config.roots.map(mdCode).join(', ')} · ${clustering.clusterCount} clusters · ` +
      `${noise} unclustered · mode ${settings.mode} on ${clustering.space} embeddings · ` +
      `min cluster size ${
        settings.autoMinClusterSize
          ? `${effectiveMinClusterSize(settings, catalog.clusters.members(runId).size)} (adapted to the library)`
          : settings.minClusterSize
      } · seed ${settings.seed}`,
    '',
  ];
  // Keyword chips per cluster (what `pcc tags list` shows), the most widely shared first.
  const chips = new Map<number, ClusterChip[]>();
  for (const chip of clusterChips(catalog, { runId })) {
    if (chip.term === 'date-uncertain') continue;
    chips.set(chip.cluster, [...(chips.get(chip.cluster) ?? []), chip]);
  }
  clusters.forEach((c, i) => {
    const title =
      c.id < 0 ? `Unclustered — ${c.size} photos` : `${i + 1}. ${mdText(c.label)} — ${c.size} photos`;
    md.push(`## ${title}`, '');
    const facts = [`cluster id ${c.id}`, `label from ${c.labelSource}`];
    if (c.medoid) facts.push(`medoid ${mdCode(c.medoid.relPath)}`);
    if (c.localOnly) facts.push('local-only (every photo is private; never sent to a cloud model)');
    if (c.peopleSet)
      facts.push(
        config.cluster?.people?.allowCloud
          ? 'people set (cloud vision allowed by the config)'
          : 'people set (kept local: never sent to a cloud model)',
      );
    md.push(facts.join(' · '), '');
    const top = (chips.get(c.id) ?? []).slice(0, 12);
    if (top.length) {
      md.push(
        `keywords: ${top.map((k) => `${mdCode(k.path)} ${k.photos}/${k.members} ${chipState(k)}`).join(' · ')}`,
        '',
      );
    }
    for (const m of c.nearest) {
      const caption =
        m.outcome.status === 'success'
          ? mdText(m.outcome.caption ?? '')
          : `(${m.outcome.status ?? 'not processed'})`;
      const distance = m.distance === null ? 'no embedding' : m.distance.toFixed(3);
      md.push(`- ${mdCode(m.outcome.relPath)} (${distance}): ${caption}`);
    }
    md.push('');
  });
  const reportFile = path.join(outDir, REPORT_FILES.report);
  writeFileAtomic(reportFile, md.join('\n'));
  files.push(reportFile);
  // The run's effective settings (config file, flags and defaults resolved), frozen beside its results.
  const configFile = path.join(outDir, REPORT_FILES.config);
  writeFileAtomic(
    configFile,
    `${JSON.stringify({ runId, settings: config, clustering: settings }, null, 2)}\n`,
  );
  files.push(configFile);
  return {
    outDir,
    files,
    photos: outcomes.length,
    clusters: clustering.clusterCount,
    noise,
    captioned,
    errors,
    vocabularyFallbacks: fallbacks,
    ...(config.cluster?.people ? { peopleSets: clusters.filter((c) => c.peopleSet).length } : {}),
  };
}
