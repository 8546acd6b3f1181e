import { ActivityFailure, type RetryPolicy } from '@temporalio/common';

/**
 * Transient failures (crashes, timeouts, 429/5xx) back off exponentially without limit: a run is
 * allowed to wait out an outage. Permanent ones are named here and fail at once.
 */
export const NON_RETRYABLE_ERRORS = ['LibraryNotFound', 'ConfigError', 'UnknownBackendError'];

export const DEFAULT_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
};

/** What went wrong in an activity, as a person reads it: the activity's own error, not the wrapper. */
export function failureMessage(err: unknown): string {
  return err instanceof ActivityFailure && err.cause ? err.cause.message : (err as Error).message;
}
