import { proxyActivities } from '@temporalio/workflow';
import type { ComputeActivities, IoActivities } from '../activities';
import type { ReportSummary } from '../reports/cluster-reports';
import type { RunConfig } from '../shared/payloads';
import { taskQueueOf } from '../shared/queues';
import { DEFAULT_RETRY } from './retry';

// Staging and reports are disk work: worth a few retries (≈ 7 minutes), not an endless loop.
const io = proxyActivities<IoActivities>({
  taskQueue: taskQueueOf('io'),
  startToCloseTimeout: '30 minutes',
  retry: { ...DEFAULT_RETRY, maximumAttempts: 10 },
});

// Clustering is deterministic: a failure that repeats three times is a bug or bad input, not luck.
// The work runs in a worker thread while the activity heartbeats every 5 s, so a short heartbeat
// timeout is safe and a killed worker's clustering restarts elsewhere within 30 s.
const cpu = proxyActivities<ComputeActivities>({
  taskQueue: taskQueueOf('cpu'),
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '30 seconds',
  retry: { ...DEFAULT_RETRY, maximumAttempts: 3 },
});

/**
 * After the last batch: stage the run's vectors (io) → clusterLibrary (cpu) → vocabulary scores
 * (cpu, when the run has a vocabulary) → person presence (cpu, when the run finds people sets) →
 * the AI layer (cpu: caption and concept terms checked by CLIP) → writeReports (io, which stores
 * clusters, person scores and keyword proposals) → OCR on the medoids (cpu, when the run reads
 * text). Vectors, labels and terms travel as files; OCR lines come back small.
 */
export async function clusterAndReport(runId: string, config: RunConfig): Promise<ReportSummary | undefined> {
  const settings = config.cluster;
  if (!settings || !config.embed) return undefined;
  const vocabulary = settings.vocabulary;
  const ai = settings.keywords && settings.keywords.maxAiTags > 0 ? settings.keywords : undefined;
  const staged = await io.stageClusterInput({
    runId,
    space: settings.space,
    embed: config.embed,
    withImageFile: Boolean(vocabulary?.labels.length) || Boolean(ai) || Boolean(settings.people),
    ...(ai ? { withCaptions: true } : {}),
  });
  const clusters = await cpu.clusterLibrary({ runId, file: staged.file, params: settings.params });
  let scoresFile: string | undefined;
  if (vocabulary?.labels.length && staged.imageFile) {
    const scored = await cpu.scoreVocabulary({
      runId,
      imageFile: staged.imageFile,
      vocabulary,
      model: config.embed.imageModel,
      dtype: config.embed.dtype,
    });
    scoresFile = scored.file;
  }
  let peopleFile: string | undefined;
  if (settings.people && staged.imageFile) {
    const scored = await cpu.scorePeople({
      runId,
      imageFile: staged.imageFile,
      people: settings.people,
      model: config.embed.imageModel,
      dtype: config.embed.dtype,
    });
    peopleFile = scored.file;
  }
  let aiKeywordsFile: string | undefined;
  if (ai && staged.imageFile && staged.captionsFile) {
    const proposed = await cpu.proposeAiKeywords({
      runId,
      imageFile: staged.imageFile,
      captionsFile: staged.captionsFile,
      keywords: ai,
      model: config.embed.imageModel,
      dtype: config.embed.dtype,
      template: vocabulary?.template,
    });
    aiKeywordsFile = proposed.file;
  }
  const summary = await io.writeReports({
    runId,
    settings,
    clustersFile: clusters.file,
    seconds: clusters.seconds,
    scoresFile,
    ...(aiKeywordsFile ? { aiKeywordsFile } : {}),
    // Only when present: runs from before people sets replay with the same input.
    ...(peopleFile ? { peopleFile } : {}),
    outDir: settings.reportDir,
  });
  // Older runs have no OCR settings and replay without these steps.
  if (settings.keywords?.ocr) return { ...summary, text: await readText(runId) };
  return summary;
}

/** Photos per OCR activity: one heartbeat per photo, a small result (the lines) per activity. */
const OCR_CHUNK = 8;

/** OCR on the cpu queue (this machine's models), stored and proposed by io after each chunk. */
async function readText(runId: string): Promise<NonNullable<ReportSummary['text']>> {
  const plan = await io.planPhotoText({ runId });
  const counts = { read: 0, withText: 0, readBefore: plan.readBefore };
  for (let i = 0; i < plan.toRead.length; i += OCR_CHUNK) {
    const reads = await cpu.readPhotoText({ photos: plan.toRead.slice(i, i + OCR_CHUNK) });
    await io.storePhotoText({ runId, reads });
    for (const r of reads) {
      if (r.failed) continue;
      counts.read++;
      if (r.lines.length) counts.withText++;
    }
  }
  return counts;
}
