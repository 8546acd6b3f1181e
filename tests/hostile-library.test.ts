/**
 * A hostile or messy library end to end (real Temporal, ExifTool, sharp): names that carry
 * ExifTool options and Perl, shell metacharacters, quotes and odd Unicode; warning-only and half
 * JPEGs; identical copies; and a model whose captions try to be options, markup and formulas.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Catalog } from '../src/catalog/catalog';
import { LOAD_KEY } from '../src/catalog/results.repository';
import { readSidecar } from '../src/library/sidecars';
import { xmpText } from '../src/images/exiftool-safe';
import { endExiftool } from '../src/images/exiftool';
import { FakeProviderServer } from '../src/fakes/provider-server';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { SAMPLE_LIBRARY, listFiles, tempDir } from './helpers/fixtures';
import { hostileNames } from './helpers/hostile';
import { truncatedCopy, warningJpeg } from './helpers/images';
import { runPcc, startTestServer, testEnv } from './helpers/processes';

const CANARY = 'pcc-canary-e2e';
const ORIENTATION = path.join(SAMPLE_LIBRARY, 'orientation');

/** Distinct JPEGs (each name must be its own photo to go through load and inventory itself). */
function distinctJpegs(): string[] {
  return fs
    .readdirSync(ORIENTATION)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .map((f) => path.join(ORIENTATION, f));
}

function readJsonl(file: string): Array<Record<string, string>> {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, string>);
}

describe('a hostile library', () => {
  let server: TemporalEndpoint;
  const fake = new FakeProviderServer();
  beforeAll(async () => {
    server = await startTestServer();
    await fake.start();
  });
  afterAll(async () => {
    await endExiftool();
    await fake.stop();
    await server?.stop();
  });

  it('runs no code from names, records every photo, exports every file, writes sidecars only beside their photos', async () => {
    const lib = tempDir('pcc-hostile-');
    const cwd = tempDir('pcc-cwd-');
    const names = hostileNames(CANARY);
    const sources = distinctJpegs();
    names.forEach((n, i) => fs.copyFileSync(sources[i], path.join(lib, n)));
    fs.mkdirSync(path.join(lib, 'messy'));
    warningJpeg(sources[16], path.join(lib, 'messy', 'warning.jpg'));
    truncatedCopy(sources[17], path.join(lib, 'messy', 'half.jpg'));
    fs.copyFileSync(sources[0], path.join(lib, 'messy', 'copy-a.jpg'));
    fs.copyFileSync(sources[0], path.join(lib, 'messy', 'copy-b.jpg'));
    const originals = listFiles(lib);
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address });

    const out = await runPcc(['run', lib, '--backend', 'mock'], env, 0, cwd);
    expect(out).toMatch(/success 17 · error_corrupt 1/);
    const canaries = [cwd, lib, dataDir]
      .flatMap((d) => listFiles(d))
      .filter((f) => f.includes(CANARY) && !originals.includes(f));
    expect(canaries).toEqual([]);
    expect(fs.readdirSync(cwd)).toEqual([]);

    const photos = (() => {
      const c = Catalog.open(dataDir);
      try {
        return c.photos.photosUnderRoots([lib]).map((p) => ({
          rel: p.relPath,
          load: c.results.get(p.photoId, 'load', LOAD_KEY),
          inventoried: c.metadata.has(p.photoId),
        }));
      } finally {
        c.close();
      }
    })();
    // Every hostile name went through ExifTool's inventory too.
    for (const n of names) expect([n, photos.find((p) => p.rel === n)?.inventoried]).toEqual([n, true]);

    const exported = path.join(dataDir, 'captions.jsonl');
    await runPcc(['export', 'captions', '--out', exported], env, 0, cwd);
    const lines = readJsonl(exported);
    expect(lines.map((l) => l.rel_path).sort()).toEqual(originals.map((f) => path.relative(lib, f)).sort());
    const byRel = new Map(lines.map((l) => [l.rel_path, l]));
    expect(byRel.get('messy/warning.jpg')).toMatchObject({
      status: 'success',
      note: expect.stringMatching(/^decoded past a warning: /),
    });
    expect(byRel.get('messy/half.jpg')).toMatchObject({
      status: 'error_corrupt',
      reason: expect.stringMatching(/^truncated: .*about \d+% of the picture decoded/),
    });
    const copies = ['messy/copy-a.jpg', 'messy/copy-b.jpg', names[0]].map((r) => byRel.get(r)!);
    expect(new Set(copies.map((c) => c.caption)).size).toBe(1);
    expect(copies.filter((c) => c.duplicate_of).length).toBe(2);

    const stats = await runPcc(['stats'], env, 0, cwd);
    expect(stats).toMatch(/Decoded with a note: 1 photos[\s\S]*messy\/warning\.jpg — decoded past a warning/);

    const xmp = await runPcc(['xmp', '--apply'], env, 0, cwd);
    // Every file, the half one too (its keyword AI|date-uncertain needs no picture).
    expect(xmp).toMatch(/20 sidecars written, 0 unchanged, 0 errors/);
    const created = listFiles(lib).filter((f) => !originals.includes(f));
    const expected = originals.map((f) => `${f.slice(0, f.length - path.extname(f).length)}.xmp`);
    expect(created.sort()).toEqual(expected.sort());
    for (const n of names) {
      const sidecar = await readSidecar(
        path.join(lib, `${n.slice(0, n.length - path.extname(n).length)}.xmp`),
      );
      expect(String(sidecar.Description)).toBe(byRel.get(n)?.caption);
    }
    expect(fs.readdirSync(cwd)).toEqual([]);

    // --accept-truncated brings the half file back and captions it, with a note.
    await runPcc(['run', lib, '--backend', 'mock', '--accept-truncated'], env, 0, cwd);
    await runPcc(['export', 'captions', '--out', exported], env, 0, cwd);
    expect(readJsonl(exported).find((l) => l.rel_path === 'messy/half.jpg')).toMatchObject({
      status: 'success',
      note: expect.stringMatching(/^truncated: .*accepted with --accept-truncated/),
    });
  });

  it('captions that try to be options, markup and formulas land in sidecars and exports as plain text', async () => {
    const lib = tempDir('pcc-hostilecap-');
    const sources = distinctJpegs().slice(0, 4);
    sources.forEach((s, i) => fs.copyFileSync(s, path.join(lib, `p${i}.jpg`)));
    fake.captionTexts = [
      `A cat.\n-if\nopen(F,">","${CANARY}");1\n-execute`,
      '=HYPERLINK("http://evil.example","click") <script>alert(1)</script> & "quotes"',
      '@SUM(A1:A9) base64:aGVsbG8= ]]> <x:xmpmeta>',
      '-leading dash\r\nsecond line\t with tab  ',
    ];
    try {
      const cwd = tempDir('pcc-cwd-');
      const { dataDir, env } = testEnv({
        TEMPORAL_ADDRESS: server.address,
        OPENAI_API_KEY: 'sk-test-key',
        OPENAI_BASE_URL: `${fake.url}/v1`,
      });
      await runPcc(['run', lib, '--backend', 'openai'], env, 0, cwd);
      const exported = path.join(dataDir, 'captions.jsonl');
      await runPcc(['export', 'captions', '--out', exported], env, 0, cwd);
      const lines = readJsonl(exported);
      expect(lines.map((l) => l.status)).toEqual(['success', 'success', 'success', 'success']);
      const applied = await runPcc(['xmp', '--apply'], env, 0, cwd);
      expect(applied).toMatch(/4 sidecars written/);
      for (const l of lines) {
        const sidecar = await readSidecar(path.join(lib, l.rel_path.replace(/\.jpg$/, '.xmp')));
        expect(String(sidecar.Description)).toBe(xmpText(l.caption));
      }
      expect(new Set(lines.map((l) => l.caption)).size).toBe(4);
      expect(fs.readdirSync(cwd)).toEqual([]);
      expect(listFiles(lib).filter((f) => !/p\d\.(jpg|xmp)$/.test(f))).toEqual([]);
    } finally {
      fake.captionTexts = [];
    }
  });
});
