/**
 * Used by the tests and by `npm run bench:api`; never by the product at run time.
 *
 * A loopback server that speaks the wire protocols of OpenAI (and xAI), Anthropic and Gemini closely
 * enough for their official SDKs, with scripted failures: 429 + Retry-After, 5xx, hangs (timeouts),
 * 401, 400 with a message, malformed bodies. It logs every request with the image it carried.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behavior =
  'ok' | 'malformed' | { status: number; message?: string; retryAfter?: string } | { hangMs: number };

export interface LoggedRequest {
  provider: 'openai' | 'anthropic' | 'gemini';
  path: string;
  at: number;
  model?: string;
  key?: string;
  /** The image bytes the request carried (caption/tag requests). */
  image?: Buffer;
  imageSha1?: string;
  prompt?: string;
  status: number;
}

export class FakeProviderServer {
  readonly requests: LoggedRequest[] = [];
  /** Behaviours for the next caption requests, in order; then defaultBehavior. */
  script: Behavior[] = [];
  defaultBehavior: Behavior = 'ok';
  latencyMs = 0;
  /** Caption texts to answer with, in turn (hostile-model tests); empty: a plain fake caption. */
  captionTexts: string[] = [];
  private captionsAnswered = 0;
  validKeys = new Set([
    'sk-test-key',
    'sk-ant-test-key',
    'xai-test-key',
    'AIzaFakeGeminiKeyForTests0000000000000',
  ]);
  private server?: http.Server;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => void this.handle(req, res, body).catch(() => res.destroy()));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  captionRequests(): LoggedRequest[] {
    return this.requests.filter((r) => r.image);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const url = req.url ?? '';
    const provider: LoggedRequest['provider'] = url.startsWith('/v1beta')
      ? 'gemini'
      : url.startsWith('/v1/messages') || req.headers['anthropic-version']
        ? 'anthropic'
        : 'openai';
    const bearer = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    const key =
      provider === 'anthropic'
        ? String(req.headers['x-api-key'] ?? bearer)
        : provider === 'gemini'
          ? String(req.headers['x-goog-api-key'] ?? new URL(url, 'http://x').searchParams.get('key'))
          : bearer;
    const entry: LoggedRequest = { provider, path: url.split('?')[0], at: Date.now(), key, status: 200 };
    this.requests.push(entry);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    if (!this.validKeys.has(key)) return send(401, errorBody(provider, 401, 'Incorrect API key provided'));

    if (req.method === 'GET' && /models/.test(url)) return send(200, modelList(provider));

    const json = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const { image, prompt, model } = extract(provider, json, url);
    entry.model = model;
    entry.prompt = prompt;
    if (image) {
      entry.image = image;
      entry.imageSha1 = crypto.createHash('sha1').update(image).digest('hex');
    }
    const behavior = this.script.shift() ?? this.defaultBehavior;
    if (this.latencyMs) await sleep(this.latencyMs);
    if (behavior === 'malformed') {
      entry.status = 200;
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"choices": [ this is not json');
    }
    if (typeof behavior === 'object' && 'hangMs' in behavior) {
      await sleep(behavior.hangMs);
      if (!res.writableEnded && !res.destroyed) send(200, answer(provider, model, 'too late'));
      return;
    }
    if (typeof behavior === 'object') {
      const headers: Record<string, string> = behavior.retryAfter
        ? { 'retry-after': behavior.retryAfter }
        : {};
      return send(
        behavior.status,
        errorBody(provider, behavior.status, behavior.message ?? `fake error ${behavior.status}`),
        headers,
      );
    }
    const text = prompt?.includes('JSON only')
      ? '{"tags":["dog","beach","sunset"]}'
      : this.captionTexts.length
        ? this.captionTexts[this.captionsAnswered++ % this.captionTexts.length]
        : `A fake caption of photo ${entry.imageSha1?.slice(0, 8)}.`;
    return send(200, answer(provider, model, text));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function extract(provider: LoggedRequest['provider'], json: Record<string, unknown>, url: string) {
  const walk = (node: unknown, found: { image?: string; text?: string }) => {
    if (!node || typeof node !== 'object') return found;
    const o = node as Record<string, unknown>;
    if (typeof o.url === 'string' && o.url.startsWith('data:image')) found.image = o.url.split(',')[1];
    if (o.type === 'base64' && typeof o.data === 'string') found.image = o.data;
    if (o.inlineData && typeof (o.inlineData as Record<string, unknown>).data === 'string')
      found.image = (o.inlineData as { data: string }).data;
    if (typeof o.text === 'string') found.text = o.text;
    for (const v of Object.values(o)) walk(v, found);
    return found;
  };
  const found = walk(provider === 'gemini' ? json.contents : json.messages, {});
  const model =
    provider === 'gemini' ? decodeURIComponent(/models\/([^:]+):/.exec(url)?.[1] ?? '') : String(json.model);
  return { image: found.image ? Buffer.from(found.image, 'base64') : undefined, prompt: found.text, model };
}

function modelList(provider: LoggedRequest['provider']) {
  if (provider === 'gemini')
    return { models: [{ name: 'models/gemini-2.5-flash-lite', displayName: 'fake' }] };
  if (provider === 'anthropic') {
    return {
      data: [
        {
          id: 'claude-3-5-haiku-latest',
          type: 'model',
          display_name: 'fake',
          created_at: '2025-01-01T00:00:00Z',
        },
      ],
      has_more: false,
      first_id: 'a',
      last_id: 'a',
    };
  }
  return { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'fake' }] };
}

function answer(provider: LoggedRequest['provider'], model: string | undefined, text: string) {
  if (provider === 'gemini') {
    return {
      candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 540, candidatesTokenCount: 20, totalTokenCount: 560 },
      modelVersion: model,
    };
  }
  if (provider === 'anthropic') {
    return {
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 1100, output_tokens: 20 },
    };
  }
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 800, completion_tokens: 20, total_tokens: 820 },
  };
}

function errorBody(provider: LoggedRequest['provider'], status: number, message: string) {
  if (provider === 'gemini') {
    const names: Record<number, string> = {
      400: 'INVALID_ARGUMENT',
      401: 'UNAUTHENTICATED',
      429: 'RESOURCE_EXHAUSTED',
      500: 'INTERNAL',
      503: 'UNAVAILABLE',
    };
    return { error: { code: status, message, status: names[status] ?? 'UNKNOWN' } };
  }
  if (provider === 'anthropic') {
    const types: Record<number, string> = {
      400: 'invalid_request_error',
      401: 'authentication_error',
      429: 'rate_limit_error',
      500: 'api_error',
      529: 'overloaded_error',
    };
    return { type: 'error', error: { type: types[status] ?? 'api_error', message } };
  }
  return {
    error: {
      message,
      type: status === 429 ? 'rate_limit_exceeded' : 'invalid_request_error',
      param: null,
      code: null,
    },
  };
}
