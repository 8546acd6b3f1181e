/**
 * Each cloud backend through its official SDK against a loopback fake of the provider's wire
 * protocol: what comes back (caption, usage, cost), how failures are classified for Temporal's retry
 * policy, and what bytes leave the machine.
 */
import path from 'node:path';
import fs from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ExifTool } from 'exiftool-vendored';
import sharp from 'sharp';
import { createCaptionActivities } from '../src/activities/caption';
import { getBackend } from '../src/backends/registry';
import type { TagResult } from '../src/backends/backend';
import { writeProxy } from '../src/images/loader';
import type { CaptionOutcome, CaptionSettings } from '../src/shared/payloads';
import { FakeProviderServer, type Behavior } from '../src/fakes/provider-server';
import { SAMPLE_LIBRARY, tempDir } from './helpers/fixtures';

const PROVIDERS = [
  {
    backend: 'openai',
    env: { OPENAI_API_KEY: 'sk-test-key' },
    base: 'OPENAI_BASE_URL',
    suffix: '/v1',
    keyVar: 'OPENAI_API_KEY',
  },
  {
    backend: 'xai',
    env: { XAI_API_KEY: 'xai-test-key' },
    base: 'XAI_BASE_URL',
    suffix: '/v1',
    keyVar: 'XAI_API_KEY',
  },
  {
    backend: 'anthropic',
    env: { ANTHROPIC_API_KEY: 'sk-ant-test-key' },
    base: 'ANTHROPIC_BASE_URL',
    suffix: '',
    keyVar: 'ANTHROPIC_API_KEY',
  },
  {
    backend: 'gemini',
    env: { GEMINI_API_KEY: 'AIzaFakeGeminiKeyForTests0000000000000' },
    base: 'GEMINI_BASE_URL',
    suffix: '',
    keyVar: 'GEMINI_API_KEY',
  },
] as const;

const GPS_PHOTO = path.join(SAMPLE_LIBRARY, 'immich', 'metadata', 'gps-position', 'thompson-springs.jpg');
const BIG_PHOTO = path.join(SAMPLE_LIBRARY, 'immich', 'albums', 'text', 'craft-beer.jpg');

describe('cloud caption backends against fake provider servers', () => {
  const fake = new FakeProviderServer();
  const saved = { ...process.env };
  const exiftool = new ExifTool({ taskTimeoutMillis: 20_000 });
  let proxy: string;
  let gpsProxy: string;

  beforeAll(async () => {
    await fake.start();
    const dir = tempDir('pcc-cloud-');
    proxy = path.join(dir, 'big.jpg');
    gpsProxy = path.join(dir, 'gps.jpg');
    await writeProxy(BIG_PHOTO, proxy, { longEdge: 1024 });
    await writeProxy(GPS_PHOTO, gpsProxy, { longEdge: 1024 });
  });
  afterAll(async () => {
    await fake.stop();
    await exiftool.end();
  });
  // The SDKs keep sockets alive; the fake closes them on stop.
  afterEach(() => {
    process.env = { ...saved };
    fake.script = [];
    fake.defaultBehavior = 'ok';
  });

  const activities = createCaptionActivities();
  const settings = (backend: string, over: Partial<CaptionSettings> = {}): CaptionSettings => ({
    backend,
    model: getBackend(backend).defaultModel,
    prompt: 'Describe this photo.',
    mockErrorRate: 0,
    mockLatencyMs: 0,
    maxEdge: 512,
    requestTimeoutMs: 5000,
    ...over,
  });
  const photo = (proxyPath = proxy) => ({ photoId: 1, sha1: 'a'.repeat(40), relPath: 'x.jpg', proxyPath });
  const caption = (
    backend: string,
    over: Partial<CaptionSettings> = {},
    proxyPath?: string,
  ): Promise<CaptionOutcome> =>
    new MockActivityEnvironment().run(activities.captionPhoto, {
      runId: 'r',
      settings: settings(backend, over),
      photo: photo(proxyPath),
    });
  const failureOf = async (promise: Promise<unknown>): Promise<ApplicationFailure> => {
    try {
      await promise;
    } catch (err) {
      expect(err).toBeInstanceOf(ApplicationFailure);
      return err as ApplicationFailure;
    }
    throw new Error('expected a failure');
  };

  describe.each(PROVIDERS)('$backend', (p) => {
    beforeEach(() => {
      Object.assign(process.env, p.env, { [p.base]: `${fake.url}${p.suffix}` });
    });
    const script = (...b: Behavior[]) => (fake.script = b);

    it('captions, records usage and cost, and sends only a small metadata-free JPEG', async () => {
      const before = fake.captionRequests().length;
      const outcome = await caption(p.backend, {}, gpsProxy);
      expect(outcome.status).toBe('success');
      expect(outcome.caption).toMatch(/^A fake caption of photo [0-9a-f]{8}\.$/);
      expect(outcome.usage?.inputTokens).toBeGreaterThan(0);
      expect(outcome.usage?.costUsd).toBeGreaterThan(0);
      const sent = fake.captionRequests().slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0].prompt).toBe('Describe this photo.');
      const file = path.join(tempDir(), 'sent.jpg');
      fs.writeFileSync(file, sent[0].image!);
      const tags = (await exiftool.readRaw(file, ['-G', '-a'])) as Record<string, unknown>;
      const groups = new Set(Object.keys(tags).map((k) => k.split(':')[0]));
      for (const g of ['EXIF', 'GPS', 'XMP', 'IPTC', 'MakerNotes', 'ICC_Profile', 'Photoshop'])
        expect(groups.has(g)).toBe(false);
      expect(JSON.stringify(tags)).not.toMatch(/GPS|Latitude|Longitude/i);
      const meta = await sharp(sent[0].image!).metadata();
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(512);
    });

    it('429 with Retry-After becomes a retryable failure that waits what the provider asked', async () => {
      script({ status: 429, message: 'slow down', retryAfter: '2' });
      const f = await failureOf(caption(p.backend));
      expect(f.nonRetryable).toBe(false);
      expect(f.type).toBe('TransientApiError');
      expect(f.nextRetryDelay).toBe(2000);
    });

    it('500 and a malformed body are retryable; a hang past the timeout is retryable', async () => {
      script({ status: 500 });
      expect((await failureOf(caption(p.backend))).nonRetryable).toBe(false);
      script('malformed');
      expect((await failureOf(caption(p.backend))).type).toBe('TransientApiError');
      script({ hangMs: 1500 });
      const t = await failureOf(caption(p.backend, { requestTimeoutMs: 300 }));
      expect(t.type).toBe('TransientApiError');
    });

    it("400 is recorded as error_api with the provider's message, not retried", async () => {
      script({ status: 400, message: 'Invalid image: unsupported aspect ratio' });
      const outcome = await caption(p.backend);
      expect(outcome).toMatchObject({ status: 'error_api' });
      expect(outcome.reason).toMatch(/400.*Invalid image: unsupported aspect ratio/);
    });

    it('a refused key (401) is a non-retryable AuthFailed that pauses the run', async () => {
      process.env[p.keyVar] =
        p.keyVar === 'GEMINI_API_KEY'
          ? 'AIzaRevokedKeyForTests00000000000000000'
          : `${p.env[p.keyVar as keyof typeof p.env]}-revoked`;
      const f = await failureOf(caption(p.backend));
      expect(f.type).toBe('AuthFailed');
      expect(f.nonRetryable).toBe(true);
    });

    it('startup: a missing key names the variable; a refused key fails verify before any photo', async () => {
      const backend = getBackend(p.backend);
      expect(() => backend.checkConfig({})).toThrow(
        new RegExp(`${p.keyVar} is not set: add ${p.keyVar}=.+ to config.env`),
      );
      expect(() => backend.checkConfig({ [p.keyVar]: 'has spaces in it' })).toThrow(
        /does not look like a key/,
      );
      await expect(backend.verify!(process.env, { timeoutMs: 5000 })).resolves.toBeUndefined();
      const before = fake.captionRequests().length;
      const bad = {
        ...process.env,
        [p.keyVar]:
          p.keyVar === 'GEMINI_API_KEY'
            ? 'AIzaRevokedKeyForTests00000000000000000'
            : `${p.env[p.keyVar as keyof typeof p.env]}-revoked`,
      };
      await expect(backend.verify!(bad, { timeoutMs: 5000 })).rejects.toThrow(
        new RegExp(`${p.keyVar} was rejected`),
      );
      expect(fake.captionRequests().length).toBe(before);
    });

    it('tags a photo as compact JSON (the vision call issue 12 schedules on cluster medoids)', async () => {
      const backend = getBackend(p.backend);
      const tags: TagResult = await backend.tag!(photo(), {
        ...settings(p.backend),
        runId: 'r',
        signal: new AbortController().signal,
      });
      expect(tags.tags).toEqual(['dog', 'beach', 'sunset']);
    });
  });

  it('openai-compatible talks to a local server at --base-url without a key', async () => {
    fake.validKeys.add('not-needed'); // local servers ignore the key; the SDK insists on sending one
    const outcome = await caption('openai-compatible', { baseUrl: `${fake.url}/v1` });
    expect(outcome.status).toBe('success');
    expect(getBackend('openai-compatible')).toMatchObject({ queue: 'gpu', remote: false });
  });
});
