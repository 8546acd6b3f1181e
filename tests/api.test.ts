/** The HTTP API (`pcc server`) against a real Temporal dev server: start, read progress, pause, resume, cancel, clusters. */
import http from 'node:http';
import path from 'node:path';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { SHARED, makeLibrary, sampleCounts, waitFor } from './helpers/fixtures';
import { killHard, startPcc, startTestServer, testEnv, type Proc, freePort } from './helpers/processes';

describe('HTTP API', () => {
  let server: TemporalEndpoint;
  let api: Proc;
  let base: string;
  const lib = makeLibrary(['library']);

  beforeAll(async () => {
    server = await startTestServer();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const { env } = testEnv({
      TEMPORAL_ADDRESS: server.address,
      PCC_MODELS_DIR: path.join(SHARED, 'models'),
    });
    api = startPcc(['server', '--port', String(port), '--queues', 'io,cpu,gpu'], env);
    await waitFor('the API to listen', () => api.output().includes('OpenAPI at /docs'), 60_000);
  });
  afterAll(async () => {
    killHard(api);
    await server?.stop();
  });

  const post = (path: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('starts a run over HTTP, reports live progress, pauses, resumes and completes it', async () => {
    const res = await post('/runs', {
      roots: [lib],
      backend: 'mock',
      batchSize: 4,
      maxConcurrentBatches: 1,
      mockLatencyMs: 100,
    });
    expect(res.status).toBe(201);
    const { id, attached } = (await res.json()) as { id: string; attached: boolean };
    expect(id).toMatch(/^pcc-run-/);
    expect(attached).toBe(false);

    const again = await post('/runs', {
      roots: [lib],
      backend: 'mock',
      batchSize: 4,
      maxConcurrentBatches: 1,
      mockLatencyMs: 100,
    });
    expect(await again.json()).toEqual({ id, attached: true });

    const progress = await waitFor('progress to show processed photos', async () => {
      const detail = (await (await fetch(`${base}/runs/${id}`)).json()) as {
        status: string;
        progress?: { done: number; total: number };
      };
      return detail.progress && detail.progress.done > 0 ? detail : undefined;
    });
    expect(progress.status).toBe('RUNNING');
    expect(progress.progress!.total).toBeGreaterThan(progress.progress!.done);

    expect((await post(`/runs/${id}/pause`)).status).toBe(202);
    await waitFor('the pause to show', async () => {
      const d = (await (await fetch(`${base}/runs/${id}`)).json()) as {
        progress?: { paused: boolean; inFlightBatches: number };
      };
      return d.progress?.paused && d.progress.inFlightBatches === 0;
    });
    const pausedAt = ((await (await fetch(`${base}/runs/${id}`)).json()) as { progress: { done: number } })
      .progress.done;
    await new Promise((r) => setTimeout(r, 1500));
    const stillAt = ((await (await fetch(`${base}/runs/${id}`)).json()) as { progress: { done: number } })
      .progress.done;
    expect(stillAt).toBe(pausedAt);

    expect((await post(`/runs/${id}/resume`)).status).toBe(202);
    const done = await waitFor(
      'completion',
      async () => {
        const d = (await (await fetch(`${base}/runs/${id}`)).json()) as {
          status: string;
          progress?: { done: number; total: number };
        };
        return d.status === 'COMPLETED' ? d : undefined;
      },
      120_000,
      500,
    );
    expect(done.progress!.done).toBe(done.progress!.total);

    const list = (await (await fetch(`${base}/runs`)).json()) as Array<{
      workflowId: string;
      status: string;
    }>;
    expect(list).toEqual(
      expect.arrayContaining([expect.objectContaining({ workflowId: id, status: 'COMPLETED' })]),
    );
    expect((await post(`/runs/${id}/pause`)).status).toBe(409);
  });

  it('cancels a run', async () => {
    const other = makeLibrary(['library']);
    const res = await post('/runs', {
      roots: [other],
      mockLatencyMs: 300,
      batchSize: 2,
      maxConcurrentBatches: 1,
    });
    const { id } = (await res.json()) as { id: string };
    expect((await post(`/runs/${id}/cancel`)).status).toBe(202);
    const d = await waitFor('cancellation', async () => {
      const detail = (await (await fetch(`${base}/runs/${id}`)).json()) as { status: string };
      return detail.status === 'CANCELLED' ? detail : undefined;
    });
    expect(d.status).toBe('CANCELLED');
  });

  it('starts a clustering run and serves its clusters', async () => {
    const res = await post('/runs', { roots: [lib], backend: 'mock', cluster: true, minClusterSize: 3 });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect((await fetch(`${base}/runs/${id}/clusters`)).status).toBe(404); // not clustered yet
    await waitFor(
      'the clustering run to complete',
      async () =>
        ((await (await fetch(`${base}/runs/${id}`)).json()) as { status: string }).status === 'COMPLETED',
      120_000,
    );
    const view = (await (await fetch(`${base}/runs/${id}/clusters`)).json()) as {
      space: string;
      clusters: Array<{ id: number; size: number; label: string; nearest: unknown[] }>;
    };
    expect(view.space).toBe('image');
    const total = view.clusters.reduce((n, c) => n + c.size, 0);
    expect(total).toBe(sampleCounts().good);
    for (const c of view.clusters) {
      expect(c.label).not.toBe('');
      expect(c.nearest.length).toBe(Math.min(5, c.size));
    }
    expect((await fetch(`${base}/runs/pcc-run-nope/clusters`)).status).toBe(404);
  });

  /** A raw request with the given headers (fetch will not send a foreign Host). */
  const raw = (method: string, urlPath: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; body: { message?: string } }>((resolve, reject) => {
      const req = http.request(
        `${base}${urlPath}`,
        { method, headers: { 'content-type': 'application/json', ...headers } },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
        },
      );
      req.once('error', reject);
      req.end(body);
    });

  it('answers only its own Host names and refuses writes from another site (DNS rebinding, CSRF)', async () => {
    const port = new URL(base).port;
    const rebound = await raw('GET', '/runs', { host: `attacker.example:${port}` });
    expect(rebound.status).toBe(421);
    expect(rebound.body.message).toMatch(
      /does not answer for Host "attacker\.example:\d+".*PCC_API_ALLOWED_HOSTS/,
    );
    expect((await raw('GET', '/docs', { host: 'attacker.example' })).status).toBe(421);
    const startBody = JSON.stringify({ roots: [lib], backend: 'mock', limit: 1 });
    const csrf = await raw(
      'POST',
      '/runs',
      { host: `127.0.0.1:${port}`, origin: 'http://attacker.example' },
      startBody,
    );
    expect(csrf.status).toBe(403);
    expect(csrf.body.message).toMatch(/another site \(Origin http:\/\/attacker\.example\)/);
    const crossSite = await raw('POST', '/runs/x/pause', {
      host: `127.0.0.1:${port}`,
      'sec-fetch-site': 'cross-site',
    });
    expect(crossSite.status).toBe(403);
    // Same origin, and the loopback names, are served.
    expect((await raw('GET', '/runs', { host: `localhost:${port}` })).status).toBe(200);
    const same = await raw('POST', '/runs/no-such-run/pause', { host: `127.0.0.1:${port}`, origin: base });
    expect(same.status).toBe(404);
  });

  it('answers bad input with 400 and a message, unknown runs with 404, and serves OpenAPI at /docs', async () => {
    const noRoots = await post('/runs', { backend: 'mock' });
    expect(noRoots.status).toBe(400);
    expect(JSON.stringify(await noRoots.json())).toMatch(/roots/);

    const missing = await post('/runs', { roots: ['/no/such/folder'] });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { message: string }).message).toMatch(
      /library folder not found: \/no\/such\/folder/,
    );

    const badBackend = await post('/runs', { roots: [lib], backend: 'nope' });
    expect(((await badBackend.json()) as { message: string }).message).toMatch(/known backends: mock/);

    const badStatus = await post('/runs', { roots: [lib], retryStatus: ['done'] });
    expect(badStatus.status).toBe(400);

    const extra = await post('/runs', { roots: [lib], surprise: 1 });
    expect(extra.status).toBe(400);

    const badMode = await post('/runs', { roots: [lib], cluster: true, clusterMode: 'kmeans' });
    expect(badMode.status).toBe(400);
    expect(JSON.stringify(await badMode.json())).toMatch(/clusterMode must be one of/);
    const badVocabulary = await post('/runs', {
      roots: [lib],
      cluster: true,
      vocabulary: '/no/such/tags.yaml',
    });
    expect(badVocabulary.status).toBe(400);
    expect(((await badVocabulary.json()) as { message: string }).message).toMatch(
      /cannot read the vocabulary file \/no\/such\/tags\.yaml/,
    );

    expect((await fetch(`${base}/runs/pcc-run-nope`)).status).toBe(404);
    const docs = await fetch(`${base}/docs-json`);
    expect(docs.status).toBe(200);
    const spec = (await docs.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/runs', '/runs/{id}', '/runs/{id}/cancel']),
    );
    expect((await fetch(`${base}/docs`)).status).toBe(200);
  });
});
