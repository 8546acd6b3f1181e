/**
 * Local vision-language captioners on stand-ins built here (src/stand-ins: random weights, the real
 * graph names, input/output names and processor files): the real transformers.js loading,
 * preprocessing and generation code runs offline for every supported architecture.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { resolveCaptionPrompt } from '../src/models/captioner';
import { knownModel, KNOWN_MODELS } from '../src/models/known-models';
import { requireModel } from '../src/models/model-store';
import { DEFAULT_PROMPT } from '../src/backends/backend';
import { STAND_IN_WORDS } from '../src/stand-ins/stand-in-files';
import { REPO_ROOT, tempDir } from './helpers/fixtures';
import { STAND_IN_CAPTIONERS, writeStandIn } from './helpers/vlm-stand-ins';

const PHOTO = path.join(__dirname, '..', '..', 'shared', 'photos', 'keywords', 'iptc-2014.jpg');
const WORDS = new Set(STAND_IN_WORDS);

/** Every word of a stand-in caption is one of its vocabulary's words. */
export function expectStandInWords(caption: string): void {
  const words = caption.split(/\s+/).filter(Boolean);
  expect(words.length).toBeGreaterThan(0);
  for (const w of words) expect(WORDS.has(w)).toBe(true);
}

describe('local caption models: prompts and precisions', () => {
  it('Florence-2 takes its tasks by name or token; the default prompt means a detailed caption; free text is refused', () => {
    const florence = knownModel('onnx-community/Florence-2-base-ft')!;
    expect(resolveCaptionPrompt(florence, DEFAULT_PROMPT)).toBe('<DETAILED_CAPTION>');
    expect(resolveCaptionPrompt(florence, undefined)).toBe('<DETAILED_CAPTION>');
    expect(resolveCaptionPrompt(florence, 'more-detailed')).toBe('<MORE_DETAILED_CAPTION>');
    expect(resolveCaptionPrompt(florence, '<caption>')).toBe('<CAPTION>');
    expect(() => resolveCaptionPrompt(florence, 'Describe the dog')).toThrow(
      /takes a task.*caption, detailed, more-detailed/,
    );
  });

  it('chat VLMs and Moondream take the prompt as written; vit-gpt2 refuses one', () => {
    for (const id of [
      'HuggingFaceTB/SmolVLM-256M-Instruct',
      'onnx-community/Qwen2-VL-2B-Instruct',
      'Xenova/moondream2',
    ])
      expect(resolveCaptionPrompt(knownModel(id)!, 'What breed is the dog?')).toBe('What breed is the dog?');
    const vit = knownModel('Xenova/vit-gpt2-image-captioning')!;
    expect(resolveCaptionPrompt(vit, DEFAULT_PROMPT)).toBe('');
    expect(() => resolveCaptionPrompt(vit, 'What breed?')).toThrow(/takes no prompt/);
  });

  it('every caption model lists its precisions; an unpublished one fails naming the ones there are', () => {
    for (const m of KNOWN_MODELS.filter((x) => x.task === 'caption')) {
      expect(Object.keys(m.sizeMb).length).toBeGreaterThan(0);
      expect(m.family).toBeDefined();
    }
    const dir = tempDir();
    expect(() => requireModel(dir, 'onnx-community/Qwen2-VL-2B-Instruct', 'fp32')).toThrow(
      /not published in fp32; it comes in fp16, q8, q4/,
    );
  });
});

/**
 * Captions `photos` with the built captioner in a plain node process: the same code as under jest,
 * where transformers.js's image processing runs ~25× slower (SmolVLM: ~14 s against ~0.5 s).
 */
function captionInNode(
  id: string,
  modelsDir: string,
  photos: Array<{ file: string; dtype: string }>,
): string[] {
  const script =
    "const { captionFile } = require('./dist/models/captioner');" +
    '(async () => { const out = [];' +
    `for (const p of ${JSON.stringify(photos)})` +
    `out.push(await captionFile(${JSON.stringify(id)}, p.file, { modelsDir: ${JSON.stringify(modelsDir)}, dtype: p.dtype, device: 'cpu' }));` +
    'process.stdout.write(JSON.stringify(out)); process.exit(0); })().catch((e) => { console.error(e); process.exit(1); });';
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT }).toString(),
  ) as string[];
}

describe('local caption models: every architecture generates on its stand-in', () => {
  const models = tempDir();

  it.each(STAND_IN_CAPTIONERS.map((s) => [s.id, s]))('%s', (_id, standIn) => {
    writeStandIn(models, standIn);
    const model = requireModel(models, standIn.id, 'q4');
    expect(model.family).toBe(standIn.family);
    // The image reaches the model: another photo gets a caption too (fp32 files this time).
    const other = path.join(
      path.dirname(PHOTO),
      fs.readdirSync(path.dirname(PHOTO)).find((f) => f.endsWith('.jpg') && !PHOTO.endsWith(f))!,
    );
    const captions = captionInNode(standIn.id, models, [
      { file: PHOTO, dtype: 'q4' },
      { file: other, dtype: 'fp32' },
    ]);
    expect(captions).toHaveLength(2);
    for (const caption of captions) expectStandInWords(caption);
  });
});
