import fs from 'node:fs';
import path from 'node:path';
import type { ActivityDeps } from './context';
import type { Catalog } from '../catalog/catalog';
import type { VocabularyScoreRow } from '../catalog/clusters.repository';
import type { ClusteringResult } from '../clustering/run-clustering';
import { writeReportFiles, type ReportSummary } from '../reports/cluster-reports';
import type { ClusterSettings } from '../shared/payloads';
import { gearTerms } from '../tags/vocabulary';
import type { AiKeywordRow } from '../services/ai-keywords';
import { aiProposals, replaceProposals, vocabularyProposals } from '../services/keyword-proposals';

export interface WriteReportsInput {
  runId: string;
  settings: ClusterSettings;
  /** clusters.json written by clusterLibrary. */
  clustersFile: string;
  seconds?: number;
  /** vocabulary.json written by scoreVocabulary. */
  scoresFile?: string;
  /** ai-keywords.json written by proposeAiKeywords. */
  aiKeywordsFile?: string;
  /** Absent = <data dir>/reports/<run id>. */
  outDir?: string;
}

/**
 * Stores a clustering and the vocabulary tags in the catalog: every photo of the run gets a
 * member row (−1 without an embedding), vocabulary labels and gear terms become CK proposals and
 * the caption/concept terms AI proposals, each through the run's approval policy.
 */
export function persistClustering(
  catalog: Catalog,
  input: Omit<WriteReportsInput, 'outDir'>,
  result: ClusteringResult = JSON.parse(fs.readFileSync(input.clustersFile, 'utf8')) as ClusteringResult,
  scored: VocabularyScoreRow[] = input.scoresFile
    ? (JSON.parse(fs.readFileSync(input.scoresFile, 'utf8')) as VocabularyScoreRow[])
    : [],
  aiRows: AiKeywordRow[] | undefined = input.aiKeywordsFile
    ? (JSON.parse(fs.readFileSync(input.aiKeywordsFile, 'utf8')) as AiKeywordRow[])
    : undefined,
): void {
  const { runId, settings } = input;
  const clustered = new Map(result.members.map((m) => [m.photoId, m]));
  const work = catalog.runs.libraryOf(runId);
  // Noise has no centre worth measuring to: its distance stays empty.
  const members = work.map((w) => {
    const m = clustered.get(w.photoId);
    const cluster = m?.cluster ?? -1;
    return { photoId: w.photoId, cluster, distance: cluster >= 0 ? (m?.distance ?? null) : null };
  });
  const vocabulary = settings.vocabulary;
  const scores = new Map(scored.map((s) => [s.photoId, s]));
  if (vocabulary?.gear.length) {
    for (const w of work) {
      const meta = catalog.metadata.get(w.photoId);
      const terms = gearTerms(vocabulary.gear, meta?.make, meta?.model);
      if (!terms.length) continue;
      const row = scores.get(w.photoId) ?? {
        photoId: w.photoId,
        model: 'exif-gear-rules',
        top: [],
        approved: [],
      };
      row.approved = [...new Set([...row.approved, ...terms])];
      scores.set(w.photoId, row);
    }
  }
  catalog.transaction(() => {
    catalog.clusters.replace(
      runId,
      {
        params: settings.params,
        space: settings.space,
        clusterCount: result.clusterCount,
        noise: members.filter((m) => m.cluster < 0).length,
        seconds: input.seconds,
        folders: result.folders,
      },
      members,
    );
    catalog.clusters.replaceScores(runId, [...scores.values()]);
    // Proposals are replaced as a whole: an earlier vocabulary's labels do not linger. What a
    // person decided, and the user's own keywords, stay as they are.
    const photoIds = work.map((w) => w.photoId);
    replaceProposals(catalog, {
      runId,
      photoIds,
      kinds: ['vocabulary', 'exif'],
      proposals: vocabularyProposals(runId, scores.values()),
    });
    if (aiRows) {
      replaceProposals(catalog, {
        runId,
        photoIds,
        kinds: ['caption', 'concept'],
        proposals: aiProposals(runId, aiRows),
      });
    }
  });
}

/** The staged vectors, labels and scores are only needed until the catalog has them. */
export function removeClusterStaging(clustersFile: string): void {
  fs.rmSync(path.dirname(clustersFile), { recursive: true, force: true });
}

export function defaultReportDir(dataDir: string, runId: string): string {
  return path.join(dataDir, 'reports', runId.replace(/[^\w.-]+/g, '_'));
}

export function createReportActivities(deps: ActivityDeps) {
  return {
    /** io: clustering and tags into the catalog, then the report files. */
    async writeReports(input: WriteReportsInput): Promise<ReportSummary> {
      const catalog = deps.catalog();
      // A retry after the staged files were removed finds the clustering already stored.
      if (fs.existsSync(input.clustersFile) || !catalog.clusters.clustering(input.runId)) {
        persistClustering(catalog, input);
      }
      const summary = writeReportFiles(
        catalog,
        input.runId,
        input.outDir ?? defaultReportDir(deps.config.dataDir, input.runId),
      );
      removeClusterStaging(input.clustersFile);
      return summary;
    },
  };
}
