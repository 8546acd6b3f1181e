import { buildRegistry, getBackend, knownBackends } from '../src/backends/registry';
import { mockBackend } from '../src/backends/mock';
import { DEFAULT_PROMPT, type CaptionBackend } from '../src/backends/backend';
import { redactSecrets } from '../src/backends/keys';

const ctx = (
  over: Partial<Parameters<CaptionBackend['caption']>[1]> = {},
): Parameters<CaptionBackend['caption']>[1] => ({
  runId: 'run-1',
  model: 'mock-v1',
  prompt: DEFAULT_PROMPT,
  mockErrorRate: 0,
  mockLatencyMs: 0,
  maxEdge: 1024,
  requestTimeoutMs: 1000,
  signal: new AbortController().signal,
  ...over,
});
const photo = (i: number) => ({
  photoId: i,
  sha1: String(i).padStart(40, '0'),
  relPath: `${i}.jpg`,
  proxyPath: '/x',
});

describe('caption backends', () => {
  it('the registry names the known backends when asked for an unknown one', () => {
    expect(knownBackends()).toContain('mock');
    expect(() => getBackend('gpt-17')).toThrow('unknown caption backend "gpt-17"; known backends: mock');
  });

  it('secrets from the environment never survive into text meant to be shared', () => {
    const env = {
      OPENAI_API_KEY: 'sk-live-0123456789',
      MY_TOKEN: 'tok-abcdefgh',
      PATH: '/usr/bin',
      SHORT_KEY: 'abc',
    };
    const text =
      'refused sk-live-0123456789 (again: sk-live-0123456789), token tok-abcdefgh, path /usr/bin, abc';
    expect(redactSecrets(text, env)).toBe(
      'refused [redacted] (again: [redacted]), token [redacted], path /usr/bin, abc',
    );
  });

  it('the registry refuses duplicate names and unknown queues at startup', () => {
    expect(() => buildRegistry([mockBackend, mockBackend])).toThrow(/registered twice/);
    expect(() => buildRegistry([{ ...mockBackend, queue: 'tpu' as never }])).toThrow(
      /unknown queue role "tpu"/,
    );
  });

  it('mock captions are deterministic per photo and prompt', async () => {
    const a = await mockBackend.caption(photo(1), ctx());
    const b = await mockBackend.caption(photo(1), ctx({ runId: 'another run' }));
    const c = await mockBackend.caption(photo(2), ctx());
    expect(a.status).toBe('success');
    expect(a.caption).toBe(b.caption);
    expect(a.caption).toMatch(/^[A-Z].+\.$/);
    expect(c.caption).not.toBe(a.caption);
  });

  it('--mock-error-rate fails about that fraction of photos with error_api, differently per run', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 400 }, (_, i) => mockBackend.caption(photo(i), ctx({ mockErrorRate: 0.25 }))),
    );
    const failed = outcomes.filter((o) => o.status === 'error_api');
    expect(failed.length).toBeGreaterThan(60);
    expect(failed.length).toBeLessThan(140);
    expect(failed[0].reason).toMatch(/simulated API error/);
    const otherRun = await Promise.all(
      failed.map((o) => mockBackend.caption(photo(o.photoId), ctx({ mockErrorRate: 0.25, runId: 'run-2' }))),
    );
    expect(otherRun.filter((o) => o.status === 'success').length).toBeGreaterThan(failed.length / 2);
  });
});
