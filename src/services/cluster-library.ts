/**
 * Clustering a run's library in this process — the same steps the workflow runs as activities
 * (stage vectors → cluster → score the vocabulary → person presence → the AI layer → persist), for `pcc report`, which re-clusters
 * stored embeddings without starting a run. The activities and this service share every step.
 */
import { runClusterLibrary, stageClusterInputFiles } from '../activities/cluster';
import { persistClustering, removeClusterStaging } from '../activities/reports';
import { scoreVocabularyFile } from '../activities/vocabulary';
import { proposeAiKeywordsFile } from './ai-keywords';
import { scorePeopleFile } from './people';
import type { Catalog } from '../catalog/catalog';
import type { PccConfig } from '../config';
import type { ClusterSettings, RunConfig } from '../shared/payloads';

export interface ClusterProgress {
  /** "clustering 240 photos …", "  umap …", "scoring 12 vocabulary labels …" */
  (message: string): void;
}

export async function clusterLibraryInProcess(
  catalog: Catalog,
  config: PccConfig,
  runId: string,
  embed: NonNullable<RunConfig['embed']>,
  settings: ClusterSettings,
  say: ClusterProgress = () => undefined,
): Promise<{ seconds: number }> {
  const vocabulary = settings.vocabulary;
  const ai = settings.keywords && settings.keywords.maxAiTags > 0 ? settings.keywords : undefined;
  const staged = stageClusterInputFiles(catalog, config.dataDir, {
    runId,
    space: settings.space,
    embed,
    withImageFile: Boolean(vocabulary?.labels.length) || Boolean(ai) || Boolean(settings.people),
    withCaptions: Boolean(ai),
  });
  say(`clustering ${staged.rows} photos (${settings.params.mode} on ${settings.space} embeddings) …`);
  let lastStage = '';
  const clustered = await runClusterLibrary(
    { runId, file: staged.file, params: settings.params },
    (stage) => {
      if (stage !== lastStage && stage !== 'done') say(`  ${stage} …`);
      lastStage = stage;
    },
  );
  let scores;
  if (vocabulary?.labels.length && staged.imageFile) {
    say(`scoring ${vocabulary.labels.length} vocabulary labels …`);
    scores = await scoreVocabularyFile(config, {
      runId,
      imageFile: staged.imageFile,
      vocabulary,
      model: embed.imageModel,
      dtype: embed.dtype,
    });
  }
  let people;
  if (settings.people && staged.imageFile) {
    say('looking for people (CLIP person prompts) …');
    people = (
      await scorePeopleFile(config, {
        runId,
        imageFile: staged.imageFile,
        people: settings.people,
        model: embed.imageModel,
        dtype: embed.dtype,
      })
    ).scores;
  }
  let aiRows;
  if (ai && staged.imageFile && staged.captionsFile) {
    say(`checking caption and concept terms against the photos (up to ${ai.maxAiTags} per photo) …`);
    aiRows = (
      await proposeAiKeywordsFile(config, {
        runId,
        imageFile: staged.imageFile,
        captionsFile: staged.captionsFile,
        keywords: ai,
        model: embed.imageModel,
        dtype: embed.dtype,
        template: vocabulary?.template,
      })
    ).rows;
  }
  persistClustering(
    catalog,
    { runId, settings, clustersFile: clustered.file, seconds: clustered.seconds },
    { result: clustered.result, scored: scores?.rows ?? [], aiRows, people },
  );
  removeClusterStaging(clustered.file);
  return { seconds: clustered.seconds };
}
