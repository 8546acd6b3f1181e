/**
 * The one place that decides what an API failure means. Backends classify provider errors into
 * these; the captionPhoto activity turns them into Temporal retry decisions.
 */

/** Worth retrying: 429, 5xx, timeouts, resets, malformed responses. */
export class TransientApiError extends Error {
  override name = 'TransientApiError';
  constructor(
    message: string,
    /** From Retry-After, when the provider sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The key was refused (401/403): every further photo would fail too, so the run pauses. */
export class AuthApiError extends Error {
  override name = 'AuthApiError';
}

/** A 400-class answer: recorded as error_api with the provider's message, never retried. */
export class PermanentApiError extends Error {
  override name = 'PermanentApiError';
}

/** Parses Retry-After (delta seconds or an HTTP date) and retry-after-ms. */
export function retryAfterMs(
  headers: Headers | Record<string, string | null | undefined> | undefined,
): number | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | undefined => {
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
    const rec = headers as Record<string, string | null | undefined>;
    return rec[name] ?? rec[name.toLowerCase()] ?? undefined;
  };
  const ms = get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const value = get('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export interface HttpishError {
  status?: number;
  headers?: Headers | Record<string, string | null | undefined>;
  message: string;
}

export type Classified =
  | { kind: 'transient'; message: string; retryAfterMs?: number }
  | { kind: 'auth'; message: string }
  | { kind: 'permanent'; message: string };

/** Status-code rules shared by every provider. */
export function classifyHttpError(err: HttpishError): Classified {
  const status = err.status;
  if (status === 401 || status === 403) return { kind: 'auth', message: err.message };
  if (status === 408 || status === 409 || status === 429 || (status !== undefined && status >= 500)) {
    return { kind: 'transient', message: err.message, retryAfterMs: retryAfterMs(err.headers) };
  }
  if (status !== undefined && status >= 400) return { kind: 'permanent', message: err.message };
  // No status: connection reset, timeout, DNS, malformed body.
  return { kind: 'transient', message: err.message };
}
