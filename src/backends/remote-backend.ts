import type { CaptionBackend, CaptionContext, CaptionInput, TagResult } from './backend';
import { TAG_PROMPT, parseTags } from './backend';
import { AuthApiError, PermanentApiError, TransientApiError, classifyHttpError } from './api-errors';
import type { CaptionOutcome } from '../shared/payloads';
import type { QueueRole } from '../shared/queues';

/** What differs between remote providers: the SDK call and how to read its answer. */
export interface RemoteProtocol<Response> {
  name: string;
  queue: QueueRole;
  defaultModel: string;
  description: string;
  remote: boolean;
  pricingProvider?: string;
  /** Variable holding the key, for messages. */
  keyVariable?: string;
  checkConfig(env: NodeJS.ProcessEnv): void;
  /** Where requests go, for messages. */
  endpoint(env: NodeJS.ProcessEnv, baseUrl?: string): string;
  /** A call that proves the key and sends no photo (listing models). */
  probe(env: NodeJS.ProcessEnv, options: { baseUrl?: string; timeoutMs: number }): Promise<unknown>;
  /** One request with the photo; SDK errors go through classifyError. */
  ask(input: CaptionInput, ctx: CaptionContext, prompt: string, maxTokens: number): Promise<Response>;
  classifyError(err: unknown): Error;
  textOf(response: Response): string;
  usageOf(response: Response, model: string): CaptionOutcome['usage'];
}

/** Maps an SDK error that carries an HTTP status (and maybe headers) onto our three outcomes. */
export function classifyStatusError(
  provider: string,
  err: { status?: number; headers?: Headers | Record<string, string | null | undefined>; message: string },
  retryAfterMs?: number,
): Error {
  const message = `${provider} ${err.status}: ${err.message}`;
  const c = classifyHttpError({ status: err.status, headers: err.headers, message });
  if (c.kind === 'auth') return new AuthApiError(c.message);
  if (c.kind === 'permanent') return new PermanentApiError(c.message);
  return new TransientApiError(c.message, c.retryAfterMs ?? retryAfterMs);
}

/**
 * The caption / tag / verify flow every remote backend shares: a 400-class answer is an error_api
 * outcome, an empty or unparsable answer is transient (retried), usage and cost ride along.
 */
export function remoteBackend<Response>(p: RemoteProtocol<Response>): CaptionBackend {
  async function request(input: CaptionInput, ctx: CaptionContext, prompt: string, maxTokens: number) {
    try {
      return await p.ask(input, ctx, prompt, maxTokens);
    } catch (err) {
      throw err instanceof AuthApiError ||
        err instanceof TransientApiError ||
        err instanceof PermanentApiError
        ? err
        : p.classifyError(err);
    }
  }
  return {
    name: p.name,
    queue: p.queue,
    defaultModel: p.defaultModel,
    description: p.description,
    readsPixels: true,
    granularity: 'photo',
    remote: p.remote,
    pricingProvider: p.pricingProvider,
    checkConfig: (env) => p.checkConfig(env),
    async verify(env, options) {
      try {
        await p.probe(env, options);
      } catch (err) {
        const classified = p.classifyError(err);
        const where = p.endpoint(env, options.baseUrl);
        if (classified instanceof AuthApiError) {
          throw new Error(
            `${p.keyVariable ?? 'the API key'} was rejected by ${where}: ${classified.message}`,
          );
        }
        throw new Error(`cannot reach ${p.name} at ${where}: ${(err as Error).message}`);
      }
    },
    async caption(input, ctx): Promise<CaptionOutcome> {
      let response: Response;
      try {
        response = await request(input, ctx, ctx.prompt, 300);
      } catch (err) {
        if (err instanceof PermanentApiError)
          return { photoId: input.photoId, status: 'error_api', reason: err.message };
        throw err;
      }
      const text = p.textOf(response).trim();
      if (!text) throw new TransientApiError(`${p.name}: response without a caption`);
      return {
        photoId: input.photoId,
        status: 'success',
        caption: text,
        usage: p.usageOf(response, ctx.model),
      };
    },
    async tag(input, ctx): Promise<TagResult> {
      let response: Response;
      try {
        response = await request(input, ctx, ctx.tagPrompt ?? TAG_PROMPT, 160);
      } catch (err) {
        if (err instanceof PermanentApiError) return { tags: [] };
        throw err;
      }
      const tags = parseTags(p.textOf(response));
      if (!tags) throw new TransientApiError(`${p.name}: tag answer is not the JSON asked for`);
      return { tags, usage: p.usageOf(response, ctx.model) };
    },
  };
}
