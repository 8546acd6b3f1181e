import type * as GenAi from '@google/genai' with { 'resolution-mode': 'import' };

// The package's typings are ESM-flavoured, but it ships a CommonJS build that require() loads.
const { ApiError, GoogleGenAI } = require('@google/genai') as typeof GenAi;
type GenerateContentResponse = GenAi.GenerateContentResponse;
import type { CaptionBackend, CaptionContext, CaptionInput, TagResult } from './backend';
import { TAG_PROMPT, parseTags } from './backend';
import { AuthApiError, TransientApiError, classifyHttpError, retryAfterMs } from './api-errors';
import { requireKey, type KeySpec } from './keys';
import { uploadImage } from './upload-image';
import { costOf } from './pricing';
import { PermanentOutcome } from './openai';
import type { CaptionOutcome } from '../shared/payloads';

const KEY: KeySpec = { variable: 'GEMINI_API_KEY', example: 'AIza...', pattern: /^[\w-]{20,}$/ };

/**
 * A client per call with its own fetch wrapper: the SDK's ApiError carries no headers, and
 * Retry-After (or the RetryInfo delay in the error body) is what our retry honours.
 */
function client(env: NodeJS.ProcessEnv, timeoutMs: number) {
  const seen: { retryAfterMs?: number } = {};
  const genai = new GoogleGenAI({
    apiKey: requireKey(env, KEY),
    httpOptions: {
      baseUrl: env.GEMINI_BASE_URL || undefined,
      timeout: timeoutMs,
      retryOptions: { attempts: 1 },
      fetch: async (input: string | URL | Request, init?: RequestInit) => {
        const response = await fetch(input, init);
        if (!response.ok) seen.retryAfterMs = retryAfterMs(response.headers);
        return response;
      },
    },
  });
  return { genai, seen };
}

function classify(err: unknown, seen: { retryAfterMs?: number }): Error {
  if (err instanceof ApiError && typeof err.status === 'number') {
    const delay = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(err.message);
    // Gemini answers a bad key with 400 API_KEY_INVALID rather than 401.
    const status =
      err.status === 400 && /API key not valid|API_KEY_INVALID/.test(err.message) ? 401 : err.status;
    const c = classifyHttpError({ status, message: `gemini ${err.status}: ${err.message}` });
    if (c.kind === 'auth') return new AuthApiError(c.message);
    if (c.kind === 'permanent') return new PermanentOutcome(c.message);
    return new TransientApiError(
      c.message,
      seen.retryAfterMs ?? (delay ? Number(delay[1]) * 1000 : undefined),
    );
  }
  return new TransientApiError(`gemini: ${(err as Error)?.message ?? String(err)}`);
}

async function ask(input: CaptionInput, ctx: CaptionContext, prompt: string, maxTokens: number) {
  const image = await uploadImage(input.proxyPath, ctx.maxEdge);
  const { genai, seen } = client(process.env, ctx.requestTimeoutMs);
  try {
    return await genai.models.generateContent({
      model: ctx.model,
      contents: [
        {
          role: 'user',
          parts: [{ inlineData: { mimeType: 'image/jpeg', data: image.base64 } }, { text: prompt }],
        },
      ],
      config: { maxOutputTokens: maxTokens, abortSignal: ctx.signal },
    });
  } catch (err) {
    throw classify(err, seen);
  }
}

function usageOf(response: GenerateContentResponse, model: string): CaptionOutcome['usage'] {
  const meta = response.usageMetadata;
  if (!meta) return undefined;
  const usage = { inputTokens: meta.promptTokenCount ?? 0, outputTokens: meta.candidatesTokenCount ?? 0 };
  return { ...usage, costUsd: costOf('gemini', model, usage) };
}

export const geminiBackend: CaptionBackend = {
  name: 'gemini',
  queue: 'api-gemini',
  defaultModel: 'gemini-2.5-flash-lite',
  description: 'Google Gemini vision models (@google/genai); GEMINI_API_KEY',
  readsPixels: true,
  granularity: 'photo',
  remote: true,
  pricingProvider: 'gemini',
  checkConfig(env) {
    requireKey(env, KEY);
  },
  async verify(env, options) {
    const { genai } = client(env, options.timeoutMs);
    try {
      await genai.models.list();
    } catch (err) {
      const status = (err as { status?: number }).status;
      const where = env.GEMINI_BASE_URL || 'https://generativelanguage.googleapis.com';
      if (status === 400 || status === 401 || status === 403) {
        throw new Error(`GEMINI_API_KEY was rejected by ${where} (${status}): ${(err as Error).message}`);
      }
      throw new Error(`cannot reach gemini at ${where}: ${(err as Error).message}`);
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
    let text: string | undefined;
    try {
      text = response.text?.trim();
    } catch {
      text = undefined;
    }
    if (!text) throw new TransientApiError('gemini: response without a caption');
    return { photoId: input.photoId, status: 'success', caption: text, usage: usageOf(response, ctx.model) };
  },
  async tag(input, ctx): Promise<TagResult> {
    let response;
    try {
      response = await ask(input, ctx, TAG_PROMPT, 120);
    } catch (err) {
      if (err instanceof PermanentOutcome) return { tags: [] };
      throw err;
    }
    const tags = parseTags(response.text ?? '');
    if (!tags) throw new TransientApiError('gemini: tag answer is not the JSON asked for');
    return { tags, usage: usageOf(response, ctx.model) };
  },
};
