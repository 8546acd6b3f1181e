/**
 * The remote codec endpoint Temporal's Web UI and CLI call to show encrypted history in clear text
 * (`POST /decode`, `POST /encode`, bodies `{"payloads":[{metadata:{k:base64}, data:base64}]}`).
 * Only callers that may read the photos' captions and paths get an answer: a loopback bind, the
 * Web UI's origin allowed by CORS (other sites' pages cannot read the reply), and a bearer token
 * (PCC_CODEC_SERVER_TOKEN) required whenever the server is reachable from elsewhere.
 */
import http from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { isLoopbackHost, tokenMatches } from '../net/access';

export interface CodecServerOptions {
  host: string;
  port: number;
  /** Origins whose pages may call it (the Temporal Web UI's). */
  origins: string[];
  token?: string;
  /** false: a non-loopback bind without a token is allowed (the port is published on loopback only). */
  tokenRequired?: boolean;
}

const MAX_BODY_BYTES = 64 << 20;

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export class CodecRequestError extends Error {
  override name = 'CodecRequestError';
}

function fromJson(body: unknown): Payload[] {
  const payloads = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new CodecRequestError('the body must be {"payloads": [...]}');
  return payloads.map((p: JsonPayload) => {
    if (typeof p !== 'object' || p === null) throw new CodecRequestError('each payload must be an object');
    const metadata: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries(p.metadata ?? {})) {
      if (typeof v !== 'string')
        throw new CodecRequestError('payload metadata values must be base64 strings');
      metadata[k] = Buffer.from(v, 'base64');
    }
    if (p.data !== undefined && typeof p.data !== 'string')
      throw new CodecRequestError('payload data must be a base64 string');
    return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
  });
}

function toJson(payloads: Payload[]): { payloads: JsonPayload[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? []).toString('base64'),
    })),
  };
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new CodecRequestError(`the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new CodecRequestError('the body is not JSON');
  }
}

export function createCodecServer(codec: PayloadCodec, options: CodecServerOptions): http.Server {
  if (!isLoopbackHost(options.host) && !options.token && options.tokenRequired !== false) {
    throw new Error(
      `binding the codec server to ${options.host} lets anyone on the network decrypt run histories: ` +
        'set PCC_CODEC_SERVER_TOKEN first (or --no-token-required when the port is published on loopback only)',
    );
  }
  const origins = new Set(options.origins);
  return http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
      res.setHeader('Vary', 'Origin');
    }
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(origin && origins.has(origin) ? 204 : 403);
      res.end();
      return;
    }
    // A page of another site must not get an answer, even one its script could not read.
    if (origin && !origins.has(origin)) return reply(403, { message: `origin ${origin} is not allowed` });
    const route = req.url?.split('?')[0];
    if (req.method !== 'POST' || (route !== '/decode' && route !== '/encode'))
      return reply(404, { message: 'POST /decode or /encode' });
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    if (options.token && !tokenMatches(bearer, options.token))
      return reply(401, { message: 'a bearer token is required (Authorization: Bearer …)' });
    readBody(req)
      .then(fromJson)
      .then((payloads) => (route === '/decode' ? codec.decode(payloads) : codec.encode(payloads)))
      .then((payloads) => reply(200, toJson(payloads)))
      .catch((err: Error) =>
        reply(err instanceof CodecRequestError ? 400 : 422, { message: err.message.split('\n')[0] }),
      );
  });
}
