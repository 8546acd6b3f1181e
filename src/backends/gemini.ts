import type * as GenAi from '@google/genai' with { 'resolution-mode': 'import' };
import { TransientApiError, retryAfterMs } from './api-errors';
import { requireKey, type KeySpec } from './keys';
import { uploadImage } from './upload-image';
import { costOf } from './pricing';
import { classifyStatusError, remoteBackend } from './remote-backend';

// The package's typings are ESM-flavoured, but it ships a CommonJS build that require() loads.
/** The SDK loads on first use: commands that never call a provider start without it. */
const sdk = () => require('@google/genai') as typeof GenAi;

const KEY: KeySpec = { variable: 'GEMINI_API_KEY', example: 'AIza...', pattern: /^[\w-]{20,}$/ };

/**
 * A client per call with its own fetch wrapper: the SDK's ApiError carries no headers, and
 * Retry-After (or the RetryInfo delay in the error body) is what our retry honours.
 */
function client(env: NodeJS.ProcessEnv, timeoutMs: number) {
  const seen: { retryAfterMs?: number } = {};
  const genai = new (sdk().GoogleGenAI)({
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

/** Errors remember the Retry-After their request saw, for classifyError. */
const retryAfterOf = new WeakMap<object, number | undefined>();

function classify(err: unknown): Error {
  if (err instanceof sdk().ApiError && typeof err.status === 'number') {
    const delay = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(err.message);
    // Gemini answers a bad key with 400 API_KEY_INVALID rather than 401.
    const status =
      err.status === 400 && /API key not valid|API_KEY_INVALID/.test(err.message) ? 401 : err.status;
    return classifyStatusError(
      'gemini',
      { status, message: err.message },
      retryAfterOf.get(err) ?? (delay ? Number(delay[1]) * 1000 : undefined),
    );
  }
  return new TransientApiError(`gemini: ${(err as Error)?.message ?? String(err)}`);
}

export const geminiBackend = remoteBackend<GenAi.GenerateContentResponse>({
  name: 'gemini',
  queue: 'api-gemini',
  defaultModel: 'gemini-2.5-flash-lite',
  description: 'Google Gemini vision models (@google/genai); GEMINI_API_KEY',
  remote: true,
  pricingProvider: 'gemini',
  keyVariable: KEY.variable,
  checkConfig: (env) => void requireKey(env, KEY),
  endpoint: (env) => env.GEMINI_BASE_URL || 'https://generativelanguage.googleapis.com',
  probe: (env, options) => client(env, options.timeoutMs).genai.models.list(),
  async ask(input, ctx, prompt, maxTokens) {
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
      if (err && typeof err === 'object') retryAfterOf.set(err, seen.retryAfterMs);
      throw err;
    }
  },
  classifyError: classify,
  textOf(response) {
    try {
      return response.text ?? '';
    } catch {
      return '';
    }
  },
  usageOf(response, model) {
    const meta = response.usageMetadata;
    if (!meta) return undefined;
    const usage = { inputTokens: meta.promptTokenCount ?? 0, outputTokens: meta.candidatesTokenCount ?? 0 };
    return { ...usage, costUsd: costOf('gemini', model, usage) };
  },
});
