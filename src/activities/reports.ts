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
import {
  aiProposals,
  replaceProposals,
  studioProposals,
  vocabularyProposals,
} from '../services/keyword-proposals';
import { membersByCluster, peopleOfRun, studioFindings, type PersonScores } from '../services/people';

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
  /** people.json written by scorePeople. */
  peopleFile?: string;
  /** Absent = <data dir>/reports/<run id>. */
  outDir?: string;
}

/** What the cpu side computed for a clustering (read from its files, or passed in-process). */
export interface ComputedClustering {
  result: ClusteringResult;
  scored: VocabularyScoreRow[];
  /** Absent: the run has no AI layer (its proposals are left as they are). */
  aiRows?: AiKeywordRow[];
  /** CLIP person presence per photo (people sets). */
  people?: PersonScores;
}

function readJson<T>(file: string | undefined): T | undefined {
  return file ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : undefined;
}

export function readComputedClustering(input: Omit<WriteReportsInput, 'outDir'>): ComputedClustering {
  return {
    result: readJson<ClusteringResult>(input.clustersFile)!,
    scored: readJson<VocabularyScoreRow[]>(input.scoresFile) ?? [],
    aiRows: readJson<AiKeywordRow[]>(input.aiKeywordsFile),
    people: readJson<PersonScores>(input.peopleFile),
  };
}

/**
 * Stores a clustering and the vocabulary tags in the catalog: every photo of the run gets a
 * member row (−1 without an embedding), vocabulary labels and gear terms become CK proposals and
 * the caption/concept terms AI proposals, each through the run's approval policy. With people sets
 * on, person scores are stored and people-concept labels stay on people sets; the studio-black
 * rule adds `studio` + `black-background` and withholds the labels it suppresses (`night`).
 */
export function persistClustering(
  catalog: Catalog,
  input: Omit<WriteReportsInput, 'outDir'>,
  computed: ComputedClustering = readComputedClustering(input),
): void {
  const { runId, settings } = input;
  const { result, aiRows } = computed;
  const clustered = new Map(result.members.map((m) => [m.photoId, m]));
  const work = catalog.runs.libraryOf(runId);
  // Noise has no centre worth measuring to: its distance stays empty.
  const members = work.map((w) => {
    const m = clustered.get(w.photoId);
    const cluster = m?.cluster ?? -1;
    return { photoId: w.photoId, cluster, distance: cluster >= 0 ? (m?.distance ?? null) : null };
  });
  const vocabulary = settings.vocabulary;
  const scores = new Map(computed.scored.map((s) => [s.photoId, { ...s }]));
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
    if (computed.people) catalog.metadata.setPersonScores(computed.people.rows, computed.people.model);
    const people = peopleOfRun(catalog, settings, membersByCluster(members));
    const photoIds = work.map((w) => w.photoId);
    const studio = settings.studio
      ? studioFindings(catalog, photoIds, settings.studio, people?.presence ?? (() => undefined))
      : [];
    const suppressed = new Set(settings.studio?.suppress ?? []);
    const studioIds = new Set(studio.map((f) => f.photoId));
    for (const m of members) {
      const row = scores.get(m.photoId);
      if (!row) continue;
      row.approved = row.approved.filter(
        (label) =>
          // People-concept labels only on people sets; the studio rule withholds what it suppresses.
          !(people && !people.sets.has(m.cluster) && people.isPeopleLabel(label)) &&
          !(studioIds.has(m.photoId) && suppressed.has(label)),
      );
    }
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
    replaceProposals(catalog, {
      runId,
      photoIds,
      kinds: ['vocabulary', 'exif', 'heuristic'],
      proposals: [...vocabularyProposals(runId, scores.values()), ...studioProposals(runId, studio)],
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
