import type { QueueRole } from '../shared/queues';
import type { Dtype } from '../shared/dtype';
import type { RunOption } from '../runs/run-options';
import type { CaptionOutcome, CaptionSettings } from '../shared/payloads';

/** One photo as a caption backend sees it: the proxy JPEG, never the original or its metadata. */
export interface CaptionInput {
  photoId: number;
  sha1: string;
  relPath: string;
  /** Empty when the backend declared readsPixels: false. */
  proxyPath: string;
}

/** The request settings of a run, plus what the activity adds (run id, cancellation). */
export interface CaptionContext extends Omit<CaptionSettings, 'backend'> {
  runId: string;
  signal: AbortSignal;
}

export interface TagResult {
  tags: string[];
  usage?: CaptionOutcome['usage'];
}

/**
 * Every caption backend implements this, in one file under src/backends, plus one line in the
 * registry (docs/adding_a_backend.md). Per-photo failures that retrying cannot fix are returned as
 * outcomes (error_api, error_model); TransientApiError / AuthApiError (api-errors.ts) are thrown and
 * become Temporal retries or a paused run; anything else thrown retries the whole activity.
 */
export interface CaptionBackend {
  readonly name: string;
  /** The task queue role whose workers run this backend (e.g. cpu, gpu, api-openai). */
  readonly queue: QueueRole;
  readonly defaultModel: string;
  readonly description: string;
  /** Does caption() read the proxy's pixels? If not, loading only validates and writes no proxy. */
  readonly readsPixels: boolean;
  /**
   * 'batch': one captionBatch activity per batch (local models, mock).
   * 'photo': one captionPhoto activity per photo, so retries, rate limits and money are per request.
   */
  readonly granularity: 'batch' | 'photo';
  /** True when photos are sent off this machine: local-only photos are never given to it. */
  readonly remote: boolean;
  /** Provider name in data/pricing.json, for backends that cost money. */
  readonly pricingProvider?: string;
  /** Throws an actionable error when configuration (keys, model folders) is missing. Runs at startup. */
  checkConfig(env: NodeJS.ProcessEnv): void;
  /** Optional startup call proving the key works (e.g. listing models). Never sends a photo. */
  verify?(
    env: NodeJS.ProcessEnv,
    options: { baseUrl?: string; timeoutMs: number; model?: string; dtype?: Dtype; prompt?: string },
  ): Promise<void>;
  caption(input: CaptionInput, ctx: CaptionContext): Promise<CaptionOutcome>;
  /**
   * Optional hint from a batch: caption() of this photo comes next, so start reading and
   * preprocessing it now, while the current photo is on the model (local models).
   */
  prepare?(input: CaptionInput, ctx: CaptionContext): void;
  /** Compact JSON tags for one photo (vision tagging of cluster medoids); TAG_PROMPT unless given. */
  tag?(input: CaptionInput, ctx: CaptionContext & { tagPrompt?: string }): Promise<TagResult>;
  /**
   * Run options this backend owns (rows of the option table in src/runs/run-options.ts): they
   * become flags, pcc.yaml keys and API fields like every other option.
   */
  readonly options?: readonly RunOption[];
}

export const DEFAULT_PROMPT =
  'Describe this photo in one or two sentences. Focus on the main subject, setting, and activity.';

export const TAG_PROMPT =
  'List 3 to 10 short lowercase keywords for this photo (objects, scene, activity). ' +
  'Answer with JSON only, exactly like {"tags":["dog","beach"]}.';

/**
 * The prompt for vision tags on a cluster medoid: a cap, and the user's place names as the only
 * proper nouns allowed (models otherwise guess cities).
 */
export function visionPrompt(cities: readonly string[], maxTags: number): string {
  const places = cities.length
    ? ` Name a place only if it is one of: ${cities.join(', ')}.`
    : ' Do not name places or people.';
  return (
    `List up to ${maxTags} short lowercase keywords for this photo (objects, materials, scene, weather, light, activity).` +
    `${places} Answer with JSON only, exactly like {"tags":["dog","beach"]}.`
  );
}

/** Parses a model's tag answer, tolerating code fences and prose around the JSON. */
export function parseTags(text: string): string[] | undefined {
  const match = /\{[\s\S]*\}/.exec(text);
  if (!match) return undefined;
  try {
    const parsed = JSON.parse(match[0]) as { tags?: unknown };
    if (!Array.isArray(parsed.tags)) return undefined;
    // A model's words are data: control characters out, one line, a sane length.
    const tags = parsed.tags
      .filter((t): t is string => typeof t === 'string')
      .map((t) =>
        t
          .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ')
          .replace(/\s+/g, ' ')
          .trim()
          .toLowerCase(),
      )
      .filter((t) => t.length > 0 && t.length <= 40);
    return [...new Set(tags)];
  } catch {
    return undefined;
  }
}
