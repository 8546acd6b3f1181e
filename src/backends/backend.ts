import type { QueueRole } from '../shared/queues';
import type { CaptionOutcome } from '../shared/payloads';

/** One photo as a caption backend sees it: the proxy JPEG, never the original or its metadata. */
export interface CaptionInput {
  photoId: number;
  sha1: string;
  relPath: string;
  /** Empty when the backend declared readsPixels: false. */
  proxyPath: string;
}

export interface CaptionContext {
  runId: string;
  model: string;
  prompt: string;
  mockErrorRate: number;
  mockLatencyMs: number;
  signal: AbortSignal;
}

/**
 * Every caption backend implements this, in one file under src/backends, plus one line in the
 * registry. Per-photo failures are returned as outcomes (error_api, error_model), not thrown;
 * throwing means "this whole batch should be retried" (a crash, a timeout, a dropped connection).
 */
export interface CaptionBackend {
  readonly name: string;
  /** The task queue role whose workers run this backend (e.g. cpu, gpu, api-openai). */
  readonly queue: QueueRole;
  readonly defaultModel: string;
  readonly description: string;
  /** Does caption() read the proxy's pixels? If not, loading only validates and writes no proxy. */
  readonly readsPixels: boolean;
  /** Throws an actionable error when configuration (keys, model folders) is missing. Runs at startup. */
  checkConfig(env: NodeJS.ProcessEnv): void;
  caption(input: CaptionInput, ctx: CaptionContext): Promise<CaptionOutcome>;
}

export const DEFAULT_PROMPT =
  'Describe this photo in one or two sentences. Focus on the main subject, setting, and activity.';
