/**
 * Local models on the stand-in weights in ../shared/models (real configs and tokenizers, random
 * graphs: shapes only, never quality): embeddings, zero-shot ranking, offline errors, Hub pulls.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readConfig } from '../src/config';
import { embedImages, embedSentences } from '../src/models/embedder';
import { cpuSessionOptions } from '../src/models/session-options';
import { ModelMissingError, modelFolder, pullModel, requireModel } from '../src/models/model-store';
import { ZeroShotScorer } from '../src/models/zero-shot';
import { parseVocabulary } from '../src/tags/vocabulary';
import { SAMPLE_LIBRARY, SHARED, tempDir } from './helpers/fixtures';

const MODELS = path.join(SHARED, 'models');
const options = { modelsDir: MODELS, dtype: 'fp32' as const, device: 'cpu' as const };

describe('local models (stand-in weights)', () => {
  it('CLIP image embeddings are 512-d and unit length; MiniLM caption embeddings are 384-d', async () => {
    const files = ['Canon_40D.jpg', 'Nikon_D70.jpg', 'Sony_HDR-HC3.jpg'].map((f) =>
      path.join(SAMPLE_LIBRARY, 'cameras', f),
    );
    const vectors = await embedImages('Xenova/clip-vit-base-patch32', files, { ...options, batchSize: 2 });
    expect(vectors.map((v) => v.length)).toEqual([512, 512, 512]);
    for (const v of vectors) expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    const text = await embedSentences(
      'Xenova/all-MiniLM-L6-v2',
      ['a dog on a beach', 'two children'],
      options,
    );
    expect(text.map((v) => v.length)).toEqual([384, 384]);
    expect(Math.hypot(...text[0])).toBeCloseTo(1, 4);
  });

  it('CPU sessions take their threads and spinning from PCC_INFERENCE_THREADS / PCC_INFERENCE_SPIN', async () => {
    const quiet = cpuSessionOptions(readConfig({ PCC_DATA_DIR: tempDir('pcc-cfg-') }).tuning);
    expect(quiet).toEqual({
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
    const tuned = readConfig({ PCC_INFERENCE_THREADS: '3', PCC_INFERENCE_SPIN: '1' }).tuning;
    expect(cpuSessionOptions(tuned)).toEqual({
      intraOpNumThreads: 3,
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: '1' }, inter_op: { allow_spinning: '1' } } },
    });
    expect(() => readConfig({ PCC_INFERENCE_SPIN: 'yes' })).toThrow(/PCC_INFERENCE_SPIN must be one of 0, 1/);
    expect(() => readConfig({ PCC_INFERENCE_THREADS: '0' })).toThrow(
      /PCC_INFERENCE_THREADS must be a whole number ≥ 1/,
    );
    // onnxruntime-node takes them (an option it did not know would fail the session).
    const file = path.join(modelFolder(MODELS, 'Xenova/clip-vit-base-patch32'), 'onnx', 'vision_model.onnx');
    const session = await ort.InferenceSession.create(file, cpuSessionOptions(tuned) as never);
    const out = await session.run({
      pixel_values: new ort.Tensor('float32', new Float32Array(3 * 224 * 224).fill(0.5), [1, 3, 224, 224]),
    });
    expect(Object.values(out)[0].dims.at(-1)).toBe(512);
    await session.release();
  });

  it('the zero-shot scorer returns the whole vocabulary ranked, as probabilities', async () => {
    const labels = parseVocabulary('# clothing\n- T-Shirt\n- dress\n  - Shoes\nhat\ndress\n"Pants"\n');
    expect(labels).toEqual(['t-shirt', 'dress', 'shoes', 'hat', 'pants']);
    const scorer = await ZeroShotScorer.create('Xenova/clip-vit-base-patch32', labels, options);
    const [image] = await embedImages(
      'Xenova/clip-vit-base-patch32',
      [path.join(SAMPLE_LIBRARY, 'cameras', 'Canon_40D.jpg')],
      { ...options, batchSize: 1 },
    );
    const ranked = scorer.rank(image);
    expect(ranked.map((r) => r.label).sort()).toEqual([...labels].sort());
    for (let i = 1; i < ranked.length; i++)
      expect(ranked[i - 1].score).toBeGreaterThanOrEqual(ranked[i].score);
    expect(ranked.reduce((a, r) => a + r.score, 0)).toBeCloseTo(1, 5);
  });

  it('offline: a missing model names the folder it expected and no network call is attempted', async () => {
    const empty = tempDir('pcc-models-');
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    try {
      expect(() => requireModel(empty, 'Xenova/clip-vit-base-patch32', 'fp32')).toThrow(
        new RegExp(
          `not in ${modelFolder(empty, 'Xenova/clip-vit-base-patch32').replace(/[/.]/g, '\\$&')}: missing config\\.json`,
        ),
      );
      await expect(
        embedImages('Xenova/clip-vit-base-patch32', [path.join(SAMPLE_LIBRARY, 'cameras', 'Canon_40D.jpg')], {
          ...options,
          modelsDir: empty,
          batchSize: 1,
        }),
      ).rejects.toThrow();
      await expect(
        pullModel(empty, 'Xenova/all-MiniLM-L6-v2', 'fp32', undefined, { PCC_OFFLINE: '1' }),
      ).rejects.toThrow(ModelMissingError);
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });

  describe('pull from a Hub', () => {
    // A loopback stand-in for the Hugging Face Hub API (model info with LFS sizes and hashes, resolve URLs).
    const source = path.join(MODELS, 'Xenova', 'all-MiniLM-L6-v2');
    let server: http.Server;
    let endpoint = '';
    let corrupt = false;
    const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        const url = req.url ?? '';
        if (url.startsWith('/api/models/Xenova/all-MiniLM-L6-v2')) {
          const siblings = files.map((f) => {
            const bytes = fs.readFileSync(path.join(source, f));
            return {
              rfilename: f,
              size: bytes.length,
              lfs: { size: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') },
            };
          });
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ id: 'Xenova/all-MiniLM-L6-v2', siblings }));
          return;
        }
        const m = /^\/Xenova\/all-MiniLM-L6-v2\/resolve\/main\/(.+)$/.exec(url);
        if (!m) return void res.writeHead(404).end();
        const bytes = Buffer.from(fs.readFileSync(path.join(source, m[1])));
        if (corrupt && m[1].endsWith('.onnx')) bytes[bytes.length - 1] ^= 0xff;
        res.writeHead(200, { 'content-length': String(bytes.length) }).end(bytes);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('downloads every file, checks size and SHA-256, and the pulled model runs', async () => {
      const dir = tempDir('pcc-pull-');
      const seen: string[] = [];
      const written = await pullModel(dir, 'Xenova/all-MiniLM-L6-v2', 'fp32', (p) => seen.push(p.file), {
        HF_ENDPOINT: endpoint,
      });
      expect(written.sort()).toEqual([...files].sort());
      expect(new Set(seen)).toEqual(new Set(files));
      expect(() => requireModel(dir, 'Xenova/all-MiniLM-L6-v2', 'fp32')).not.toThrow();
      const [v] = await embedSentences('Xenova/all-MiniLM-L6-v2', ['hello'], { ...options, modelsDir: dir });
      expect(v).toHaveLength(384);
      expect(
        await pullModel(dir, 'Xenova/all-MiniLM-L6-v2', 'fp32', undefined, { HF_ENDPOINT: endpoint }),
      ).toEqual([]);
    });

    it('refuses a file whose SHA-256 differs and leaves nothing half-written', async () => {
      const dir = tempDir('pcc-pull-');
      corrupt = true;
      try {
        await expect(
          pullModel(dir, 'Xenova/all-MiniLM-L6-v2', 'fp32', undefined, { HF_ENDPOINT: endpoint }),
        ).rejects.toThrow(/SHA-256 does not match/);
      } finally {
        corrupt = false;
      }
      const onnx = path.join(modelFolder(dir, 'Xenova/all-MiniLM-L6-v2'), 'onnx');
      expect(fs.readdirSync(onnx)).toEqual([]);
    });
  });
});
