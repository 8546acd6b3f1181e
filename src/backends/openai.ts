import OpenAI from 'openai';
import type { CaptionBackend, CaptionContext, CaptionInput, TagResult } from './backend';
import { TAG_PROMPT, parseTags } from './backend';
import { AuthApiError, TransientApiError, classifyHttpError } from './api-errors';
import { requireKey, type KeySpec } from './keys';
import { uploadImage } from './upload-image';
import { costOf } from './pricing';
import type { CaptionOutcome } from '../shared/payloads';
import type { QueueRole } from '../shared/queues';

export interface OpenAiProtocolSpec {
  name: string;
  queue: QueueRole;
  defaultModel: string;
  description: string;
  pricingProvider?: string;
  remote: boolean;
  /** Absent: no key needed (local servers). */
  key?: KeySpec;
  /** Variable naming the endpoint, and the endpoint when it is unset. */
  baseUrlVariable: string;
  defaultBaseUrl?: string;
}

/** OpenAI's chat-completions wire protocol, spoken by OpenAI, xAI and local servers alike. */
export function openAiProtocolBackend(spec: OpenAiProtocolSpec): CaptionBackend {
  const client = (env: NodeJS.ProcessEnv, timeoutMs: number, baseUrl?: string) =>
    new OpenAI({
      apiKey: spec.key ? requireKey(env, spec.key) : env.OPENAI_COMPATIBLE_API_KEY || 'not-needed',
      baseURL: baseUrl ?? env[spec.baseUrlVariable] ?? spec.defaultBaseUrl,
      timeout: timeoutMs,
      // Retries belong to Temporal (per-photo activity retry policy), never to the SDK.
      maxRetries: 0,
    });

  async function ask(input: CaptionInput, ctx: CaptionContext, prompt: string, maxTokens: number) {
    const image = await uploadImage(input.proxyPath, ctx.maxEdge);
    try {
      return await client(process.env, ctx.requestTimeoutMs, ctx.baseUrl).chat.completions.create(
        {
          model: ctx.model,
          max_tokens: maxTokens,
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: prompt },
                { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${image.base64}` } },
              ],
            },
          ],
        },
        { signal: ctx.signal },
      );
    } catch (err) {
      throw classifyOpenAiError(err, spec.name);
    }
  }

  function usageOf(response: OpenAI.Chat.Completions.ChatCompletion, model: string): CaptionOutcome['usage'] {
    if (!response.usage) return undefined;
    const usage = {
      inputTokens: response.usage.prompt_tokens,
      outputTokens: response.usage.completion_tokens,
    };
    return { ...usage, costUsd: spec.pricingProvider ? costOf(spec.pricingProvider, model, usage) : 0 };
  }

  return {
    name: spec.name,
    queue: spec.queue,
    defaultModel: spec.defaultModel,
    description: spec.description,
    readsPixels: true,
    granularity: 'photo',
    remote: spec.remote,
    pricingProvider: spec.pricingProvider,
    checkConfig(env) {
      if (spec.key) requireKey(env, spec.key);
    },
    async verify(env, options) {
      try {
        await client(env, options.timeoutMs, options.baseUrl).models.list();
      } catch (err) {
        const status = (err as { status?: number }).status;
        const where =
          options.baseUrl ?? env[spec.baseUrlVariable] ?? spec.defaultBaseUrl ?? 'https://api.openai.com/v1';
        if (status === 401 || status === 403) {
          throw new Error(
            `${spec.key?.variable ?? 'the API key'} was rejected by ${where} (${status}): ${(err as Error).message}`,
          );
        }
        throw new Error(`cannot reach ${spec.name} at ${where}: ${(err as Error).message}`);
      }
    },
    async caption(input, ctx): Promise<CaptionOutcome> {
      let response;
      try {
        response = await ask(input, ctx, ctx.prompt, 300);
      } catch (err) {
        if (err instanceof PermanentOutcome)
          return { photoId: input.photoId, status: 'error_api', reason: err.message };
        throw err;
      }
      const text = response.choices?.[0]?.message?.content?.trim();
      if (!text) throw new TransientApiError(`${spec.name}: response without a caption`);
      return {
        photoId: input.photoId,
        status: 'success',
        caption: text,
        usage: usageOf(response, ctx.model),
      };
    },
    async tag(input, ctx): Promise<TagResult> {
      let response;
      try {
        response = await ask(input, ctx, TAG_PROMPT, 120);
      } catch (err) {
        if (err instanceof PermanentOutcome) return { tags: [] };
        throw err;
      }
      const tags = parseTags(response.choices?.[0]?.message?.content ?? '');
      if (!tags) throw new TransientApiError(`${spec.name}: tag answer is not the JSON asked for`);
      return { tags, usage: usageOf(response, ctx.model) };
    },
  };
}

/** A 400-class answer: recorded as error_api with the provider's message, never retried. */
export class PermanentOutcome extends Error {
  override name = 'PermanentOutcome';
}

export function classifyOpenAiError(err: unknown, provider: string): Error {
  if (err instanceof OpenAI.APIError && err.status !== undefined) {
    const body = err.error as { message?: string } | undefined;
    const message = `${provider} ${err.status}: ${body?.message ?? err.message}`;
    const c = classifyHttpError({ status: err.status, headers: err.headers, message });
    if (c.kind === 'auth') return new AuthApiError(c.message);
    if (c.kind === 'permanent') return new PermanentOutcome(c.message);
    return new TransientApiError(c.message, c.retryAfterMs);
  }
  // Timeouts, resets, bodies that are not JSON: transient.
  return new TransientApiError(`${provider}: ${(err as Error)?.message ?? String(err)}`);
}

export const openAiBackend = openAiProtocolBackend({
  name: 'openai',
  queue: 'api-openai',
  defaultModel: 'gpt-4.1-mini',
  description: 'OpenAI vision models (chat completions); OPENAI_API_KEY',
  pricingProvider: 'openai',
  remote: true,
  key: { variable: 'OPENAI_API_KEY', example: 'sk-...', pattern: /^sk-[\w-]{6,}$/ },
  baseUrlVariable: 'OPENAI_BASE_URL',
});
