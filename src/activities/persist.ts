import type { ActivityDeps } from './context';
import type { StageResult } from '../catalog/results.repository';
import type { CaptionKey, CaptionOutcome } from '../shared/payloads';
import { runLogger } from '../logging/logger';
import type { StatusCounts } from '../shared/status';

export interface PersistInput {
  runId: string;
  key: CaptionKey;
  outcomes: CaptionOutcome[];
}

export interface FinishRunInput {
  runId: string;
  status: 'completed' | 'cancelled' | 'failed';
  counts: StatusCounts;
}

export function createPersistActivities(deps: ActivityDeps) {
  return {
    /** Writes one batch's caption outcomes; an idempotent upsert, so a retry never duplicates a row. */
    async persistBatch(input: PersistInput): Promise<void> {
      const records: StageResult[] = input.outcomes.map((o) => ({
        photoId: o.photoId,
        stage: 'caption',
        key: input.key,
        status: o.status,
        reason: o.reason,
        output: o.caption,
        runId: input.runId,
        usage: o.usage,
      }));
      // Captions may have cost money: they are on disk (fsync'd) before the activity completes,
      // so a power cut after Temporal records the completion cannot make pcc pay for them again.
      const catalog = deps.catalog();
      catalog.durableTransaction(() => catalog.results.upsertMany(records));
      const log = runLogger(deps.config.dataDir, input.runId);
      for (const o of input.outcomes) {
        if (o.status !== 'success')
          log.warn({ event: 'photo.failed', photoId: o.photoId, status: o.status, reason: o.reason });
      }
    },

    async finishRun(input: FinishRunInput): Promise<void> {
      deps.catalog().runs.finish(input.runId, input.status, input.counts);
      runLogger(deps.config.dataDir, input.runId).info(
        { event: 'run.finished', ...input },
        `run ${input.status}`,
      );
    },
  };
}
