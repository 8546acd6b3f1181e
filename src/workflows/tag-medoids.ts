import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  proxyActivities,
} from '@temporalio/workflow';
import type { ComputeActivities, IoActivities } from '../activities';
import { visionPrompt } from '../backends/backend';
import type { RunConfig } from '../shared/payloads';
import { taskQueueOf } from '../shared/queues';
import { DEFAULT_RETRY, failureMessage } from './retry';

const io = proxyActivities<IoActivities>({
  taskQueue: taskQueueOf('io'),
  startToCloseTimeout: '30 minutes',
  retry: { ...DEFAULT_RETRY, maximumAttempts: 10 },
});

/** Medoid requests in flight at once (the queue's rate limit still paces them). */
const IN_FLIGHT = 4;

export interface TagMedoidsResult {
  asked: number;
  answered: number;
  skipped: number;
  privateClusters: number;
  /** People sets kept local (absent in runs from before people sets). */
  peopleClusters?: number;
  costUsd: number;
  /** Set when the provider refused the key: the remaining medoids were not asked. */
  authError?: string;
}

/**
 * Vision tags on cluster medoids (after clustering): one request per cluster that has no private
 * member, is not a people set kept local, and has no stored answer; each answer is stored and
 * proposed to the cluster as it arrives. Spend counts against the run's cap: once it is reached,
 * the remaining clusters are marked `AI|vision-skipped` (a later run with a higher cap asks them).
 */
export async function tagMedoids(
  runId: string,
  config: RunConfig,
  budget: { spentUsd: number; maxCostUsd?: number },
): Promise<TagMedoidsResult | undefined> {
  const vision = config.cluster?.keywords?.vision;
  if (!vision) return undefined;
  const api = proxyActivities<ComputeActivities>({
    taskQueue: taskQueueOf(vision.queue),
    startToCloseTimeout: vision.requestTimeoutMs + 30_000,
    heartbeatTimeout: '20 seconds',
    retry: {
      ...DEFAULT_RETRY,
      maximumAttempts: config.apiMaxAttempts,
      nonRetryableErrorTypes: ['AuthFailed'],
    },
  });
  const plan = await io.planMedoidVision({ runId });
  const prompt = visionPrompt(config.cluster?.keywords?.cities ?? [], vision.maxTags);
  const result: TagMedoidsResult = {
    asked: 0,
    answered: plan.answered,
    skipped: 0,
    privateClusters: plan.privateClusters,
    // Plans recorded before people sets have no such count.
    ...(plan.peopleClusters ? { peopleClusters: plan.peopleClusters } : {}),
    costUsd: 0,
  };
  let next = 0;
  let inFlight = 0;
  let done = 0;
  // With a cap, a request starts only when the spend so far plus what the requests in flight will
  // likely cost (the mean of those answered) leaves room for it; the first one runs alone.
  const fits = () => {
    if (budget.maxCostUsd === undefined) return true;
    const spent = budget.spentUsd + result.costUsd;
    if (done === 0) return inFlight === 0 && spent < budget.maxCostUsd;
    return spent + (inFlight + 1) * (result.costUsd / done) <= budget.maxCostUsd;
  };
  const lane = async () => {
    while (next < plan.toAsk.length) {
      if (!fits()) {
        if (inFlight > 0) {
          await condition(() => inFlight === 0 || fits());
          continue;
        }
      }
      const medoid = plan.toAsk[next++];
      const base = { runId, cluster: medoid.cluster, photoId: medoid.photoId };
      if (result.authError) {
        await io.storeMedoidVision({ ...base, skipped: `the key was refused: ${result.authError}` });
        result.skipped++;
        continue;
      }
      if (!fits()) {
        await io.storeMedoidVision({ ...base, skipped: `cost cap of $${budget.maxCostUsd} reached` });
        result.skipped++;
        continue;
      }
      result.asked++;
      inFlight++;
      let answer;
      try {
        answer = await api.visionTagMedoid({ runId, settings: vision, prompt, medoid });
      } catch (err) {
        if (isCancellation(err)) throw err;
        const message = failureMessage(err);
        const cause = err instanceof ActivityFailure ? err.cause : undefined;
        if (cause instanceof ApplicationFailure && cause.type === 'AuthFailed') result.authError = message;
        answer = { skipped: message };
      } finally {
        inFlight--;
      }
      result.costUsd += answer.usage?.costUsd ?? 0;
      done++;
      if (answer.tags) result.answered++;
      else result.skipped++;
      await io.storeMedoidVision({ ...base, ...answer });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return result;
}
