import type Anthropic from '@anthropic-ai/sdk';
import { TransientApiError } from './api-errors';
import { requireKey, type KeySpec } from './keys';
import { uploadImage } from './upload-image';
import { costOf } from './pricing';
import { classifyStatusError, remoteBackend } from './remote-backend';

const KEY: KeySpec = { variable: 'ANTHROPIC_API_KEY', example: 'sk-ant-...', pattern: /^sk-ant-[\w-]{6,}$/ };

/** The SDK loads on first use: commands that never call a provider start without it. */
const sdk = (): typeof Anthropic => require('@anthropic-ai/sdk').Anthropic;

function client(env: NodeJS.ProcessEnv, timeoutMs: number): Anthropic {
  return new (sdk())({
    apiKey: requireKey(env, KEY),
    baseURL: env.ANTHROPIC_BASE_URL || undefined,
    timeout: timeoutMs,
    // Retries belong to Temporal, never to the SDK.
    maxRetries: 0,
  });
}

export const anthropicBackend = remoteBackend<Anthropic.Message>({
  name: 'anthropic',
  queue: 'api-anthropic',
  defaultModel: 'claude-3-5-haiku-latest',
  description: 'Anthropic Claude vision models (messages API); ANTHROPIC_API_KEY',
  remote: true,
  pricingProvider: 'anthropic',
  keyVariable: KEY.variable,
  checkConfig: (env) => void requireKey(env, KEY),
  endpoint: (env) => env.ANTHROPIC_BASE_URL || 'https://api.anthropic.com',
  probe: (env, options) => client(env, options.timeoutMs).models.list(),
  async ask(input, ctx, prompt, maxTokens) {
    const image = await uploadImage(input.proxyPath, ctx.maxEdge);
    return client(process.env, ctx.requestTimeoutMs).messages.create(
      {
        model: ctx.model,
        max_tokens: maxTokens,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: image.base64 } },
              { type: 'text', text: prompt },
            ],
          },
        ],
      },
      { signal: ctx.signal },
    );
  },
  classifyError(err) {
    if (err instanceof sdk().APIError && err.status !== undefined) {
      const body = err.error as { error?: { message?: string } } | undefined;
      return classifyStatusError('anthropic', {
        status: err.status,
        headers: err.headers,
        message: body?.error?.message ?? err.message,
      });
    }
    return new TransientApiError(`anthropic: ${(err as Error)?.message ?? String(err)}`);
  },
  textOf: (message) =>
    (message.content ?? []).map((block) => (block.type === 'text' ? block.text : '')).join(''),
  usageOf(message, model) {
    const usage = { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens };
    return { ...usage, costUsd: costOf('anthropic', model, usage) };
  },
});
