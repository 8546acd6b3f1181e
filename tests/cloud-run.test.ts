/**
 * Cloud captioning end to end: real Temporal dev server, pcc processes, the official OpenAI SDK
 * against the loopback fake. Retries, pausing on a refused key, crash safety ("never pay twice"),
 * the server-side rate limit, privacy routing, the cost cap and the estimate.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { proxyPathFor } from '../src/images/loader';
import { uploadImage } from '../src/backends/upload-image';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { FakeProviderServer } from '../src/fakes/provider-server';
import { catalogOf, jpegLibrary, waitFor } from './helpers/fixtures';
import { killHard, runPcc, startPcc, startTestServer, testEnv, type Proc } from './helpers/processes';

function latestRun(dataDir: string) {
  return catalogOf(dataDir, (c) => {
    const r = c.runs.latest();
    if (!r) return { status: 'not started', counts: undefined, scan: undefined };
    return {
      ...r,
      counts: r.counts_json ? JSON.parse(r.counts_json) : undefined,
      scan: r.scan_json ? JSON.parse(r.scan_json) : undefined,
    };
  });
}

/** The exact bytes pcc sends for a photo (proxy re-encoded at the edge), hashed like the fake does. */
async function uploadSha1(dataDir: string, photoSha1: string, edge = 1024): Promise<string> {
  const img = await uploadImage(proxyPathFor(dataDir, photoSha1, 1024), edge);
  return crypto.createHash('sha1').update(Buffer.from(img.base64, 'base64')).digest('hex');
}

describe('cloud runs (OpenAI SDK → fake provider, real Temporal)', () => {
  let server: TemporalEndpoint;
  const fake = new FakeProviderServer();
  const procs: Proc[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
    await server?.stop();
  });
  afterEach(() => {
    procs.splice(0).forEach(killHard);
    fake.script = [];
    fake.defaultBehavior = 'ok';
    fake.latencyMs = 0;
    fake.validKeys.add('sk-test-key');
  });
  const cloudEnv = () =>
    testEnv({
      TEMPORAL_ADDRESS: server.address,
      OPENAI_API_KEY: 'sk-test-key',
      OPENAI_BASE_URL: `${fake.url}/v1`,
    });
  const requestsSince = (n: number) => fake.captionRequests().slice(n);

  it('429 (Retry-After), 500, malformed bodies and timeouts are retried by Temporal; 400 is error_api', async () => {
    const lib = jpegLibrary();
    const { dataDir, env } = cloudEnv();
    const before = fake.captionRequests().length;
    fake.script = [{ status: 429, retryAfter: '1' }, { status: 500 }, 'malformed', { hangMs: 2500 }];
    await runPcc(
      ['run', lib, '--backend', 'openai', '--include', 'cameras/**', '--request-timeout-ms', '1000'],
      env,
    );
    const sent = requestsSince(before);
    expect(latestRun(dataDir).counts).toMatchObject({ success: 8, error_api: 0 });
    expect(sent).toHaveLength(8 + 4);
    // The photo answered 429 was asked again no sooner than Retry-After said.
    const first = sent[0];
    const again = sent.slice(1).find((r) => r.imageSha1 === first.imageSha1)!;
    expect(again.at - first.at).toBeGreaterThanOrEqual(950);

    const before400 = fake.captionRequests().length;
    fake.defaultBehavior = { status: 400, message: 'Invalid image: too many colours' };
    await runPcc(
      ['run', lib, '--backend', 'openai', '--include', 'cameras/**', '--prompt', 'Say what you see.'],
      env,
    );
    expect(latestRun(dataDir).counts).toMatchObject({ error_api: 8, success: 0 });
    expect(requestsSince(before400)).toHaveLength(8);
    const out = await runPcc(['export', 'captions', '--out', path.join(dataDir, 'c.jsonl')], env);
    expect(out).toMatch(/wrote/);
    const reasons = catalogOf(dataDir, (c) => c.results.summary());
    expect(reasons).toEqual(
      expect.arrayContaining([expect.objectContaining({ stage: 'caption', status: 'error_api', n: 8 })]),
    );
  });

  it('a bad key fails at startup before any photo; a key refused mid-run pauses the run, and it resumes', async () => {
    const lib = jpegLibrary();
    const { dataDir, env } = cloudEnv();
    const before = fake.captionRequests().length;
    const bad = await runPcc(
      ['run', lib, '--backend', 'openai'],
      { ...env, OPENAI_API_KEY: 'sk-wrong-key' },
      2,
    );
    expect(bad).toMatch(/OPENAI_API_KEY was rejected by .*401/);
    const missing = await runPcc(['run', lib, '--backend', 'openai'], { ...env, OPENAI_API_KEY: '' }, 2);
    expect(missing).toMatch(/OPENAI_API_KEY is not set: add OPENAI_API_KEY=sk-\.\.\. to config\.env/);
    expect(fake.captionRequests().length).toBe(before);

    fake.latencyMs = 400;
    const args = [
      'run',
      lib,
      '--backend',
      'openai',
      '--include',
      'orientation/**',
      '--batch-size',
      '3',
      '--max-concurrent-batches',
      '1',
    ];
    const first = startPcc(args, env);
    procs.push(first);
    await waitFor('a few captions', () => requestsSince(before).length >= 4);
    fake.validKeys.delete('sk-test-key');
    expect(await first.exited).toBe(3);
    expect(first.output()).toMatch(/paused: the provider refused the API key: openai 401/);
    fake.validKeys.add('sk-test-key');
    const second = await runPcc(args, env);
    expect(second).toMatch(/Attached to the run in flight/);
    expect(latestRun(dataDir).counts).toMatchObject({ success: 18, error_api: 0 });
    const summary = catalogOf(dataDir, (c) => c.results.summary().filter((r) => r.stage === 'caption'));
    expect(summary).toEqual([expect.objectContaining({ status: 'success', n: 18 })]);
  });

  it('kill -9 of the API worker mid-run: no photo already captioned is requested again', async () => {
    const lib = jpegLibrary();
    const { dataDir, env } = cloudEnv();
    fake.latencyMs = 150;
    const io = startPcc(['worker', '--queues', 'io'], env);
    let api = startPcc(['worker', '--queues', 'api-openai', '--max-workers', '2'], env);
    procs.push(io, api);
    await waitFor(
      'workers',
      () => io.output().includes('workers polling') && api.output().includes('workers polling'),
    );
    const before = fake.captionRequests().length;
    await runPcc(['run', lib, '--backend', 'openai', '--detach', '--batch-size', '3'], env);
    const captioned = () =>
      catalogOf(dataDir, (c) => {
        const run = c.runs.latest();
        if (!run) return [];
        const key = JSON.parse(run.config_json);
        return c.runs
          .workList(run.id)
          .filter((w) =>
            c.results.get(w.photoId, 'caption', {
              backend: key.backend,
              model: key.model,
              promptHash: key.promptHash,
            }),
          )
          .map((w) => w.sha1);
      });
    await waitFor('some photos captioned', () => captioned().length >= 6);
    const done = captioned();
    killHard(api);
    await api.exited;
    api = startPcc(['worker', '--queues', 'api-openai', '--max-workers', '2'], env);
    procs.push(api);
    await waitFor('the run to complete', () => latestRun(dataDir).status === 'completed', 180_000, 500);
    expect(latestRun(dataDir).counts).toMatchObject({ success: 26 });
    const times = new Map<string, number>();
    for (const r of requestsSince(before)) times.set(r.imageSha1!, (times.get(r.imageSha1!) ?? 0) + 1);
    for (const sha1 of done) expect(times.get(await uploadSha1(dataDir, sha1))).toBe(1);
  });

  it('the queue rate limit holds across 3 worker processes', async () => {
    const lib = jpegLibrary();
    const { dataDir, env } = cloudEnv();
    const rps = 3;
    const io = startPcc(['worker', '--queues', 'io'], env);
    procs.push(io);
    const apis = [0, 1, 2].map(() =>
      startPcc(['worker', '--queues', 'api-openai', '--max-workers', '4', '--rps', String(rps)], env),
    );
    procs.push(...apis);
    await waitFor('workers', () => [io, ...apis].every((p) => p.output().includes('workers polling')));
    const before = fake.captionRequests().length;
    await runPcc(['run', lib, '--backend', 'openai', '--detach', '--batch-size', '26'], env);
    await waitFor('the run to complete', () => latestRun(dataDir).status === 'completed', 120_000, 500);
    const times = requestsSince(before)
      .map((r) => r.at)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(26);
    const inWindow = (from: number) => times.filter((t) => t >= from && t < from + 1000).length;
    // Temporal's limiter is a token bucket: it lets an initial burst through while it warms up
    // (measured: 7 requests in the first 300 ms for R=3 with 3 workers on a quiet machine, 12 under
    // the full suite's load); after the first second a window holds at most R, or R + 1 where it
    // straddles a refill (docs/api_providers.md). Without the limit, 12 requests (3 × 4) would be in
    // flight at any moment.
    const burst = 4 * rps;
    expect(inWindow(times[0])).toBeLessThanOrEqual(burst);
    const steady = times.filter((t) => t >= times[0] + 1000);
    for (const t of steady) expect(inWindow(t)).toBeLessThanOrEqual(rps + 1);
    // Over the whole run, the token-bucket bound: R per second plus the initial burst.
    const seconds = (times[times.length - 1] - times[0]) / 1000;
    expect(26).toBeLessThanOrEqual(rps * seconds + burst);
  });

  it('local-only folders never reach the cloud: skipped_private, or captioned by a local backend', async () => {
    const lib = jpegLibrary();
    const { dataDir, env } = cloudEnv();
    const before = fake.captionRequests().length;
    await runPcc(['run', lib, '--backend', 'openai', '--local-only', 'cameras'], env);
    expect(latestRun(dataDir).counts).toMatchObject({ success: 18, skipped_private: 8 });
    expect(requestsSince(before)).toHaveLength(18);
    await runPcc(
      [
        'run',
        lib,
        '--backend',
        'openai',
        '--local-only',
        'cameras',
        '--retry-status',
        'skipped_private',
        '--private-backend',
        'mock',
      ],
      env,
    );
    expect(latestRun(dataDir).counts).toMatchObject({ success: 8 });
    expect(requestsSince(before)).toHaveLength(18);
  });

  it('--max-cost-usd pauses the run at the cap; the same command with a higher cap finishes it; estimate reports the rest', async () => {
    const lib = jpegLibrary();
    const { dataDir, env } = cloudEnv();
    const args = ['run', lib, '--backend', 'openai', '--batch-size', '2', '--max-concurrent-batches', '1'];
    const first = await runPcc([...args, '--max-cost-usd', '0.0015'], env, 3);
    expect(first).toMatch(/paused: spend \$0\.\d+ has reached the cap \$0\.0015/);
    const est = JSON.parse(await runPcc(['estimate', lib, '--backend', 'openai', '--json'], env));
    const doneSoFar = catalogOf(
      dataDir,
      (c) => c.results.summary().find((r) => r.stage === 'caption')?.n ?? 0,
    );
    expect(est).toMatchObject({ photos: 26, done: doneSoFar, remaining: 26 - doneSoFar });
    expect(doneSoFar).toBeGreaterThanOrEqual(4);
    expect(doneSoFar).toBeLessThan(26);
    expect(est.totalUsd).toBeGreaterThan(0);

    const second = await runPcc([...args, '--max-cost-usd', '1'], env);
    expect(second).toMatch(/Attached to the run in flight/);
    expect(second).toMatch(/spend \$0\.0\d+/);
    expect(latestRun(dataDir).counts).toMatchObject({ success: 26 });
    const stats = await runPcc(['stats'], env);
    expect(stats).toMatch(/openai\/gpt-4\.1-mini: \$0\.0\d+ for 26 photos/);
    const after = JSON.parse(await runPcc(['estimate', lib, '--backend', 'openai', '--json'], env));
    expect(after).toMatchObject({ done: 26, remaining: 0 });
  });
});
