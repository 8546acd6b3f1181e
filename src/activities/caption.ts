import { Context, heartbeat } from '@temporalio/activity';
import { getBackend } from '../backends/registry';
import type { CaptionInput } from '../backends/backend';
import type { CaptionOutcome } from '../shared/payloads';

export interface CaptionBatchInput {
  runId: string;
  backend: string;
  model: string;
  prompt: string;
  mockErrorRate: number;
  mockLatencyMs: number;
  photos: CaptionInput[];
}

/** Heartbeat details: outcomes already paid for, so a retried attempt resumes instead of re-asking. */
interface CaptionProgress {
  outcomes: CaptionOutcome[];
}

export function createCaptionActivities() {
  return {
    /** Captions one batch through the named backend; runs on that backend's queue (cpu, gpu, api-*). */
    async captionBatch(input: CaptionBatchInput): Promise<CaptionOutcome[]> {
      const backend = getBackend(input.backend);
      const ctx = Context.current();
      const previous = ctx.info.heartbeatDetails as CaptionProgress | undefined;
      const outcomes: CaptionOutcome[] = previous?.outcomes ?? [];
      const done = new Set(outcomes.map((o) => o.photoId));
      for (const photo of input.photos) {
        if (done.has(photo.photoId)) continue;
        ctx.cancellationSignal.throwIfAborted();
        outcomes.push(
          await backend.caption(photo, {
            runId: input.runId,
            model: input.model,
            prompt: input.prompt,
            mockErrorRate: input.mockErrorRate,
            mockLatencyMs: input.mockLatencyMs,
            signal: ctx.cancellationSignal,
          }),
        );
        heartbeat({ outcomes } satisfies CaptionProgress);
      }
      return outcomes;
    },
  };
}
