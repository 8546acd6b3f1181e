import type OpenAI from 'openai';
import type { CaptionBackend } from './backend';
import { TransientApiError } from './api-errors';
import { requireKey, type KeySpec } from './keys';
import { uploadImage } from './upload-image';
import { costOf } from './pricing';
import { classifyStatusError, remoteBackend } from './remote-backend';
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

/** The SDK loads on first use: commands that never call a provider start without it. */
const sdk = (): typeof OpenAI => require('openai').OpenAI;
/** OpenAI's chat-completions wire protocol, spoken by OpenAI, xAI and local servers alike. */
export function openAiProtocolBackend(spec: OpenAiProtocolSpec): CaptionBackend {
  const endpoint = (env: NodeJS.ProcessEnv, baseUrl?: string) =>
    baseUrl ?? env[spec.baseUrlVariable] ?? spec.defaultBaseUrl ?? 'https://api.openai.com/v1';
  const client = (env: NodeJS.ProcessEnv, timeoutMs: number, baseUrl?: string) =>
    new (sdk())({
      apiKey: spec.key ? requireKey(env, spec.key) : env.OPENAI_COMPATIBLE_API_KEY || 'not-needed',
      baseURL: endpoint(env, baseUrl),
      timeout: timeoutMs,
      // Retries belong to Temporal (per-photo activity retry policy), never to the SDK.
      maxRetries: 0,
    });

  return remoteBackend<OpenAI.Chat.Completions.ChatCompletion>({
    ...spec,
    keyVariable: spec.key?.variable,
    checkConfig(env) {
      if (spec.key) requireKey(env, spec.key);
    },
    endpoint,
    probe: (env, options) => client(env, options.timeoutMs, options.baseUrl).models.list(),
    async ask(input, ctx, prompt, maxTokens) {
      const image = await uploadImage(input.proxyPath, ctx.maxEdge);
      return client(process.env, ctx.requestTimeoutMs, ctx.baseUrl).chat.completions.create(
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
    },
    classifyError(err) {
      if (err instanceof sdk().APIError && err.status !== undefined) {
        const body = err.error as { message?: string } | undefined;
        return classifyStatusError(spec.name, {
          status: err.status,
          headers: err.headers,
          message: body?.message ?? err.message,
        });
      }
      // Timeouts, resets, bodies that are not JSON: transient.
      return new TransientApiError(`${spec.name}: ${(err as Error)?.message ?? String(err)}`);
    },
    textOf: (response) => response.choices?.[0]?.message?.content ?? '',
    usageOf(response, model) {
      if (!response.usage) return undefined;
      const usage = {
        inputTokens: response.usage.prompt_tokens,
        outputTokens: response.usage.completion_tokens,
      };
      return { ...usage, costUsd: spec.pricingProvider ? costOf(spec.pricingProvider, model, usage) : 0 };
    },
  });
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
