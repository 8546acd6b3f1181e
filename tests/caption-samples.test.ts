/**
 * `pcc samples` end to end: the built CLI against the real sample photos, the mock backend, OpenAI's
 * SDK against the loopback fake (a hostile caption included), a refused key, a missing key, a
 * server that is not there, and a stand-in local model that must not pass for a real one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FakeProviderServer } from '../src/fakes/provider-server';
import { SAMPLE_SET } from '../src/services/caption-samples';
import { SAMPLE_LIBRARY, tempDir } from './helpers/fixtures';
import { runPcc, testEnv } from './helpers/processes';
import { STAND_IN_CAPTIONERS, writeStandIn } from './helpers/vlm-stand-ins';

const REFUSED_KEY = 'sk-ant-refused-key-0123456789';
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const HOSTILE = '<img src=x onerror=alert(1)> | ## not a heading [link](http://evil) `code`';

describe('pcc samples', () => {
  const fake = new FakeProviderServer();
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it('captions the five sample photos with every available backend and says why the others are missing', async () => {
    const modelsDir = tempDir('pcc-samples-models-');
    writeStandIn(modelsDir, STAND_IN_CAPTIONERS[0]);
    const { env } = testEnv({
      PCC_MODELS_DIR: modelsDir,
      OPENAI_API_KEY: 'sk-test-key',
      OPENAI_BASE_URL: `${fake.url}/v1`,
      ANTHROPIC_API_KEY: REFUSED_KEY,
      ANTHROPIC_BASE_URL: fake.url,
      // Nothing listens on port 9 (discard) on loopback: the Ollama-style server is "not there".
      OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:9/v1',
    });
    delete env.XAI_API_KEY;
    delete env.GEMINI_API_KEY;
    fake.captionTexts = [HOSTILE, 'A red barn under a clear sky.'];
    const out = path.join(tempDir('pcc-samples-out-'), 'caption_samples.md');

    const log = await runPcc(['samples', '--out', out, '--sample-dir', SAMPLE_LIBRARY], env);
    expect(log).toMatch(
      /openai \/ gpt-[\w.-]+: captioning 5 photos \(sent resized to 1024 px, without metadata\)/,
    );
    const md = fs.readFileSync(out, 'utf8');

    // Five photo sections, in the sample set's order, each naming its file.
    const sections = md.split('\n').filter((l) => /^## \d\. /.test(l));
    expect(sections).toHaveLength(5);
    SAMPLE_SET.forEach((s, i) => expect(sections[i]).toContain(s.relPath));

    // The mock captions each photo (deterministic text), free.
    const mockRows = md.split('\n').filter((l) => l.startsWith('| mock · `mock-v1`'));
    expect(mockRows).toHaveLength(1 + 5);
    expect(mockRows[0]).toMatch(/\| free \(this machine\) \| 5\/5 \| deterministic fake captions/);
    for (const row of mockRows.slice(1)) expect(row).toMatch(/\| [A-Z][a-z]* .+\. \| \d+\.\d\d s \|$/);

    // OpenAI through its SDK: five requests, each one small JPEG, cost from the reported tokens.
    expect(fake.captionRequests().filter((r) => r.provider === 'openai')).toHaveLength(5);
    expect(md).toMatch(/\| openai · `gpt-[\w.-]+` \| \d+\.\d\d s \| \$\d+\.\d\d \(measured\) \| 5\/5 \| /);
    expect(md).toContain('A red barn under a clear sky.');
    // The hostile caption is text: no tag, no table cell break, no heading, no link.
    expect(md).not.toContain('<img');
    expect(md).toContain(
      '&lt;img src=x onerror=alert(1)&gt; \\| ## not a heading \\[link\\](http://evil) \\`code\\`',
    );

    // The rest are listed with the reason (Markdown-escaped), and no key is written anywhere.
    const why = (backend: string) => md.split('\n').find((l) => l.startsWith(`| ${backend} · `)) ?? '';
    expect(why('anthropic')).toMatch(/ANTHROPIC\\_API\\_KEY was rejected/);
    expect(why('xai')).toMatch(/XAI\\_API\\_KEY is not set/);
    expect(why('gemini')).toMatch(/GEMINI\\_API\\_KEY is not set/);
    expect(why('openai-compatible')).toMatch(/cannot reach openai-compatible at http:\/\/127\.0\.0\.1:9\/v1/);
    expect(why('local')).toMatch(/Florence-2-base-ft` \| a stand-in with random weights/);
    expect(md).not.toContain(REFUSED_KEY);
    expect(md).not.toContain('sk-test-key');
    expect(log).not.toContain(REFUSED_KEY);
  });

  it('--stand-ins runs a local stand-in through the real local path, labelled as random words', async () => {
    const modelsDir = tempDir('pcc-samples-models-');
    writeStandIn(modelsDir, STAND_IN_CAPTIONERS[0]);
    const { env } = testEnv({ PCC_MODELS_DIR: modelsDir, PCC_DTYPE: 'q4' });
    const out = path.join(tempDir('pcc-samples-local-'), 'local.md');
    const photos = SAMPLE_SET.slice(0, 2).map((s) => path.join(SAMPLE_LIBRARY, s.relPath));
    await runPcc(['samples', ...photos, '--backends', 'local', '--stand-ins', '--out', out], env);
    const md = fs.readFileSync(out, 'utf8');
    const name = '| local · `onnx-community/Florence-2-base-ft` (q4) — stand-in, random words |';
    // Load timed apart from the per-photo time; free; both photos captioned with (random) words.
    expect(md).toMatch(
      new RegExp(
        `${escape(name)} \\d+\\.\\d\\d s \\(load \\d+\\.\\d s\\) \\| free \\(this machine\\) \\| 2/2 \\|`,
      ),
    );
    const rows = md.split('\n').filter((l) => l.startsWith(name));
    expect(rows).toHaveLength(1 + 2);
    for (const row of rows.slice(1)) expect(row.slice(name.length)).toMatch(/^ \S.* \| \d+\.\d\d s \|$/);
  });

  it('takes your own photos and refuses bad flags with a clear message', async () => {
    const { env } = testEnv({ PCC_MODELS_DIR: tempDir('pcc-samples-none-') });
    const out = path.join(tempDir('pcc-samples-own-'), 'own.md');
    const own = path.join(SAMPLE_LIBRARY, SAMPLE_SET[0].relPath);
    await runPcc(['samples', own, '--backends', 'mock,local', '--out', out], env);
    const md = fs.readFileSync(out, 'utf8');
    expect(md).toContain('## 1. your photo: `thompson-springs.jpg`');
    expect(md).toMatch(/\| local \| no local caption model is installed/);
    expect(md).not.toMatch(/openai|anthropic/);

    const usage = await runPcc(['samples', '--backends', 'mock,nope', '--out', out], env, 2);
    expect(usage).toMatch(/unknown caption backend "nope"; known backends: mock, openai/);
    const missing = await runPcc(['samples', '--sample-dir', tempDir('pcc-empty-'), '--out', out], env, 2);
    expect(missing).toMatch(/is not there: pass --sample-dir \(or PCC_SAMPLE_PHOTOS\)/);
    const pair = await runPcc(['samples', '--model', 'openai', '--out', out], env, 2);
    expect(pair).toMatch(/--model takes backend=id, got "openai"/);
  });
});
