import { withHeartbeats } from './context';
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { getBackend } from '../backends/registry';
import { consoleLine } from '../logging/logger';
import type { CaptionContext, CaptionInput } from '../backends/backend';
import { AuthApiError, TransientApiError } from '../backends/api-errors';
import type { CaptionOutcome, CaptionSettings } from '../shared/payloads';

export interface CaptionBatchInput {
  runId: string;
  settings: CaptionSettings;
  photos: CaptionInput[];
}

export interface CaptionPhotoInput {
  runId: string;
  settings: CaptionSettings;
  photo: CaptionInput;
}

/** Failure type names the workflows' retry policies and processBatch recognise. */
export const AUTH_FAILED = 'AuthFailed';

/** Heartbeat details: outcomes already paid for, so a retried attempt resumes instead of re-asking. */
interface CaptionProgress {
  outcomes: CaptionOutcome[];
}

function contextFor(runId: string, settings: CaptionSettings): CaptionContext {
  return { ...settings, runId, signal: Context.current().cancellationSignal };
}

/** Turns a backend's classified API error into Temporal's retry decision (honouring Retry-After). */
export function toFailure(err: unknown): unknown {
  if (err instanceof AuthApiError) return ApplicationFailure.nonRetryable(err.message, AUTH_FAILED);
  if (err instanceof TransientApiError) {
    return ApplicationFailure.create({
      message: err.message,
      type: 'TransientApiError',
      nextRetryDelay: err.retryAfterMs,
    });
  }
  return err;
}

export function createCaptionActivities() {
  return {
    /** Captions one batch through a local backend (cpu, gpu queues), resuming from its last heartbeat. */
    async captionBatch(input: CaptionBatchInput): Promise<CaptionOutcome[]> {
      const backend = getBackend(input.settings.backend);
      const ctx = Context.current();
      const previous = ctx.info.heartbeatDetails as CaptionProgress | undefined;
      const outcomes: CaptionOutcome[] = previous?.outcomes ?? [];
      const done = new Set(outcomes.map((o) => o.photoId));
      const todo = input.photos.filter((p) => !done.has(p.photoId));
      if (done.size)
        consoleLine(
          'info',
          `captionBatch resumed with ${done.size} of ${input.photos.length} photos already captioned (attempt ${ctx.info.attempt})`,
        );
      const context = contextFor(input.runId, input.settings);
      for (const [i, photo] of todo.entries()) {
        ctx.cancellationSignal.throwIfAborted();
        if (i === 0) backend.prepare?.(photo, context);
        // The next photo is read and preprocessed while this one is on the model.
        if (todo[i + 1]) backend.prepare?.(todo[i + 1], context);
        outcomes.push(await backend.caption(photo, context));
        heartbeat({ outcomes } satisfies CaptionProgress);
      }
      return outcomes;
    },

    /**
     * One request to a remote model (api-* queues, openai-compatible): one activity per photo so the
     * queue's rate limit counts requests, and a retry re-asks for this photo only.
     */
    async captionPhoto(input: CaptionPhotoInput): Promise<CaptionOutcome> {
      // A request can take a minute; heartbeats let Temporal notice a dead worker within the
      // heartbeat timeout instead of the request timeout.
      try {
        return await withHeartbeats(
          () => undefined,
          () =>
            getBackend(input.settings.backend).caption(input.photo, contextFor(input.runId, input.settings)),
        );
      } catch (err) {
        throw toFailure(err);
      }
    },
  };
}
