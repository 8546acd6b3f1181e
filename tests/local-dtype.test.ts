/** The run's --dtype reaches the local caption backend (it used to read only the worker's PCC_DTYPE). */
import { localBackend } from '../src/backends/local';
import type { CaptionContext } from '../src/backends/backend';
import { tempDir } from './helpers/fixtures';

describe('local caption backend precision', () => {
  const saved = { dir: process.env.PCC_MODELS_DIR, dtype: process.env.PCC_DTYPE };
  beforeAll(() => {
    process.env.PCC_MODELS_DIR = tempDir('pcc-no-models-'); // empty: the error names the precision looked for
    delete process.env.PCC_DTYPE;
  });
  afterAll(() => {
    if (saved.dir === undefined) delete process.env.PCC_MODELS_DIR;
    else process.env.PCC_MODELS_DIR = saved.dir;
    if (saved.dtype !== undefined) process.env.PCC_DTYPE = saved.dtype;
  });

  const ctx = (dtype?: 'fp32' | 'q8'): CaptionContext => ({
    runId: 'r',
    signal: new AbortController().signal,
    model: 'Xenova/vit-gpt2-image-captioning',
    prompt: '',
    mockErrorRate: 0,
    mockLatencyMs: 0,
    maxEdge: 1024,
    requestTimeoutMs: 1000,
    ...(dtype ? { dtype } : {}),
  });
  const input = { photoId: 1, sha1: 'a'.repeat(40), relPath: 'x.jpg', proxyPath: '/nonexistent.jpg' };

  it('looks for the precision the run asked for, and fp32 by default', async () => {
    const q8 = await localBackend.caption(input, ctx('q8'));
    expect(q8.status).toBe('error_model');
    expect(q8.reason).toMatch(/\(q8\) is not in/);
    const plain = await localBackend.caption(input, ctx());
    expect(plain.reason).toMatch(/\(fp32\) is not in/);
    await expect(localBackend.verify!(process.env, { timeoutMs: 1, dtype: 'q8' })).rejects.toThrow(/\(q8\)/);
  });
});
