import Anthropic from '@anthropic-ai/sdk';
import type { CaptionBackend, CaptionContext, CaptionInput, TagResult } from './backend';
import { TAG_PROMPT, parseTags } from './backend';
import { AuthApiError, TransientApiError, classifyHttpError } from './api-errors';
import { requireKey, type KeySpec } from './keys';
import { uploadImage } from './upload-image';
import { costOf } from './pricing';
import { PermanentOutcome } from './openai';
import type { CaptionOutcome } from '../shared/payloads';

const KEY: KeySpec = { variable: 'ANTHROPIC_API_KEY', example: 'sk-ant-...', pattern: /^sk-ant-[\w-]{6,}$/ };

function client(env: NodeJS.ProcessEnv, timeoutMs: number): Anthropic {
  return new Anthropic({
    apiKey: requireKey(env, KEY),
    baseURL: env.ANTHROPIC_BASE_URL || undefined,
    timeout: timeoutMs,
    maxRetries: 0,
  });
}

function classify(err: unknown): Error {
  if (err instanceof Anthropic.APIError && err.status !== undefined) {
    const body = err.error as { error?: { message?: string } } | undefined;
    const message = `anthropic ${err.status}: ${body?.error?.message ?? err.message}`;
    const c = classifyHttpError({ status: err.status, headers: err.headers, message });
    if (c.kind === 'auth') return new AuthApiError(c.message);
    if (c.kind === 'permanent') return new PermanentOutcome(c.message);
    return new TransientApiError(c.message, c.retryAfterMs);
  }
  return new TransientApiError(`anthropic: ${(err as Error)?.message ?? String(err)}`);
}

async function ask(input: CaptionInput, ctx: CaptionContext, prompt: string, maxTokens: number) {
  const image = await uploadImage(input.proxyPath, ctx.maxEdge);
  try {
    return await client(process.env, ctx.requestTimeoutMs).messages.create(
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
  } catch (err) {
    throw classify(err);
  }
}

function textOf(message: Anthropic.Message): string {
  return message.content
    .map((block) => (block.type === 'text' ? block.text : ''))
    .join('')
    .trim();
}

function usageOf(message: Anthropic.Message, model: string): CaptionOutcome['usage'] {
  const usage = { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens };
  return { ...usage, costUsd: costOf('anthropic', model, usage) };
}

export const anthropicBackend: CaptionBackend = {
  name: 'anthropic',
  queue: 'api-anthropic',
  defaultModel: 'claude-3-5-haiku-latest',
  description: 'Anthropic Claude vision models (messages API); ANTHROPIC_API_KEY',
  readsPixels: true,
  granularity: 'photo',
  remote: true,
  pricingProvider: 'anthropic',
  checkConfig(env) {
    requireKey(env, KEY);
  },
  async verify(env, options) {
    try {
      await client(env, options.timeoutMs).models.list();
    } catch (err) {
      const status = (err as { status?: number }).status;
      const where = env.ANTHROPIC_BASE_URL || 'https://api.anthropic.com';
      if (status === 401 || status === 403)
        throw new Error(`ANTHROPIC_API_KEY was rejected by ${where} (${status}): ${(err as Error).message}`);
      throw new Error(`cannot reach anthropic at ${where}: ${(err as Error).message}`);
    }
  },
  async caption(input, ctx): Promise<CaptionOutcome> {
    let message;
    try {
      message = await ask(input, ctx, ctx.prompt, 300);
    } catch (err) {
      if (err instanceof PermanentOutcome)
        return { photoId: input.photoId, status: 'error_api', reason: err.message };
      throw err;
    }
    const text = textOf(message);
    if (!text) throw new TransientApiError('anthropic: response without a caption');
    return { photoId: input.photoId, status: 'success', caption: text, usage: usageOf(message, ctx.model) };
  },
  async tag(input, ctx): Promise<TagResult> {
    let message;
    try {
      message = await ask(input, ctx, TAG_PROMPT, 120);
    } catch (err) {
      if (err instanceof PermanentOutcome) return { tags: [] };
      throw err;
    }
    const tags = parseTags(textOf(message));
    if (!tags) throw new TransientApiError('anthropic: tag answer is not the JSON asked for');
    return { tags, usage: usageOf(message, ctx.model) };
  },
};
