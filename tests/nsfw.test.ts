/**
 * The privacy gate's first signal: the real Open-NSFW weights (../shared/models-real) on the real
 * sample photos. None of them is NSFW; the weights are checked by their published SHA-256.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NsfwScorer, nsfwModelPath, requireNsfwModel } from '../src/models/nsfw';
import { SAMPLE_LIBRARY, SHARED, listFiles, tempDir } from './helpers/fixtures';

const REAL = path.join(SHARED, 'models-real', 'open-nsfw', 'open_nsfw.onnx');

describe('Open-NSFW (real weights)', () => {
  it('scores every sample photo below the private threshold (0.8), most far below', async () => {
    const files = listFiles(SAMPLE_LIBRARY).filter((f) => /\.(jpe?g|png)$/i.test(f));
    expect(files.length).toBeGreaterThan(40);
    const scorer = await NsfwScorer.create(REAL);
    try {
      const scores = await scorer.score(files);
      expect(scores).toHaveLength(files.length);
      for (const s of scores) expect(s).toBeGreaterThanOrEqual(0);
      expect(Math.max(...scores)).toBeLessThan(0.8);
      expect(scores.reduce((a, b) => a + b, 0) / scores.length).toBeLessThan(0.1);
      // The same photo scores the same every time (no randomness in the gate).
      expect(await scorer.score([files[0]])).toEqual([scores[0]]);
    } finally {
      await scorer.release();
    }
  });

  it('refuses weights that are missing or not the published ones, naming the override', () => {
    const dir = tempDir('pcc-nsfw-');
    expect(nsfwModelPath(dir, {})).toBe(path.join(dir, 'open-nsfw', 'open_nsfw.onnx'));
    expect(nsfwModelPath(dir, { PCC_NSFW_MODEL: REAL })).toBe(REAL);
    expect(() => requireNsfwModel(path.join(dir, 'nothing.onnx'))).toThrow(/PCC_NSFW_MODEL/);
    const fake = path.join(dir, 'open_nsfw.onnx');
    fs.writeFileSync(fake, 'not a model');
    expect(() => requireNsfwModel(fake)).toThrow(/not the Open-NSFW model pcc knows/);
  });
});
