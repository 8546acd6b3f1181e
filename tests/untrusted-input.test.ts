/**
 * Untrusted strings are data, never code or options: file names with any bytes, and text from
 * models, pushed through every ExifTool entry point and every CSV/Markdown writer (fast-check
 * property tests against the real ExifTool), plus the exploit this closes shown to be real.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { endExiftool, exiftoolScript } from '../src/images/exiftool';
import { readInventoryBatch } from '../src/images/inventory';
import { decodePhoto } from '../src/images/loader';
import { assertSafeArguments, ExiftoolAliases, isSafeArgument, xmpText } from '../src/images/exiftool-safe';
import { applySidecars, readSidecar, type SidecarPlan } from '../src/library/sidecars';
import { csvDocument, neutraliseCell } from '../src/reports/csv';
import { mdCode, mdText } from '../src/reports/markdown';
import { SAMPLE_LIBRARY, tempDir } from './helpers/fixtures';
import { hostileFileName, hostileNames, hostileText, perlCanary, xmlCapable } from './helpers/hostile';

const JPEG = path.join(SAMPLE_LIBRARY, 'orientation', 'Landscape_1.jpg');
const CANARY = 'pcc-canary-untrusted';

afterAll(() => endExiftool());

/** Runs `fn` with the process in `dir`, so that anything ExifTool creates by a relative name lands there. */
async function inDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(before);
  }
}

describe('ExifTool arguments', () => {
  it('a safe argument is one line that ExifTool reads back unchanged', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        if (!isSafeArgument(text)) {
          expect(() => assertSafeArguments([text])).toThrow(/unsafe argument/);
          return;
        }
        expect(text).not.toMatch(/[\r\n\u2028\u2029]/);
        expect(text).toBe(text.trim());
        expect(text.startsWith('#')).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('the hole is real: a raw name in an argfile runs Perl, and the inventory reads the same file safely', async () => {
    const dir = tempDir('pcc-exploit-');
    const name = hostileNames(CANARY)[0];
    fs.copyFileSync(JPEG, path.join(dir, name));
    // What pcc used to do: one argument per line, the name as it is.
    fs.writeFileSync(path.join(dir, 'args.txt'), `-json\n${path.join(dir, name)}\n`);
    spawnSync('perl', [exiftoolScript(), '-@', path.join(dir, 'args.txt')], { cwd: dir });
    expect(fs.existsSync(path.join(dir, CANARY))).toBe(true);
    fs.rmSync(path.join(dir, CANARY));

    const found = await inDir(dir, () => readInventoryBatch([{ photoId: 1, absPath: path.join(dir, name) }]));
    expect(found.get(1)?.width).toBe(1800);
    expect(fs.existsSync(path.join(dir, CANARY))).toBe(false);
  });
});

describe('hostile file names through every ExifTool entry point', () => {
  it('inventory reads every named file, runs nothing (fixed hostile names)', async () => {
    const dir = tempDir('pcc-names-');
    const names = hostileNames(CANARY);
    names.forEach((n) => fs.copyFileSync(JPEG, path.join(dir, n)));
    const items = names.map((n, i) => ({ photoId: i + 1, absPath: path.join(dir, n) }));
    const found = await inDir(dir, () => readInventoryBatch(items));
    for (const item of items)
      expect([item.absPath, found.get(item.photoId)?.width]).toEqual([item.absPath, 1800]);
    expect(fs.readdirSync(dir).sort()).toEqual([...names].sort());
  });

  it('inventory of random names: every file read, no file created (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(hostileFileName, { minLength: 1, maxLength: 12 }), async (names) => {
        const dir = tempDir('pcc-fcnames-');
        const files = names.filter((n) => !/^\.pcc-/.test(n));
        files.forEach((n) => fs.copyFileSync(JPEG, path.join(dir, n)));
        const items = files.map((n, i) => ({ photoId: i + 1, absPath: path.join(dir, n) }));
        const found = await inDir(dir, () => readInventoryBatch(items));
        expect(items.filter((i) => found.get(i.photoId)?.width !== 1800)).toEqual([]);
        expect(fs.readdirSync(dir).sort()).toEqual([...files].sort());
        fs.rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 15 },
    );
  });

  it('sidecars: random names and values are written exactly where planned and read back exactly (property)', async () => {
    const plan = fc.record({
      name: hostileFileName,
      subject: fc.uniqueArray(hostileText, { minLength: 1, maxLength: 4 }),
      description: hostileText,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(plan, { minLength: 1, maxLength: 6, selector: (p) => p.name }),
        async (specs) => {
          const dir = tempDir('pcc-fcxmp-');
          const plans: SidecarPlan[] = specs.map((s) => ({
            photoPath: path.join(dir, s.name),
            sidecarPath: path.join(dir, `${s.name}.xmp`),
            add: s.subject.map((t) => ({ layer: 'CK', term: t, path: `CK|${t}`, source: 'test' })),
            description: s.description,
            subject: s.subject,
            hierarchical: s.subject.map((t) => `CK|${t}`),
            tagsList: s.subject.map((t) => `CK/${t}`),
            exists: false,
          }));
          const results = await inDir(dir, () => applySidecars(plans, { chunkSize: 3 }));
          expect(results.filter((r) => r.status !== 'written')).toEqual([]);
          expect(fs.readdirSync(dir).sort()).toEqual(plans.map((p) => path.basename(p.sidecarPath)).sort());
          for (const p of plans) {
            const back = await readSidecar(p.sidecarPath);
            // Exactly the text, less what XML cannot hold; a value left empty is not written.
            const want = (values: string[]) => values.map(xmpText).filter(Boolean);
            expect(back.Description).toBe(xmpText(p.description!) || undefined);
            expect([back.Subject ?? []].flat()).toEqual(want(p.subject));
            expect([back.HierarchicalSubject ?? []].flat()).toEqual(want(p.hierarchical));
            expect([back.TagsList ?? []].flat()).toEqual(want(p.tagsList));
          }
          fs.rmSync(dir, { recursive: true, force: true });
        },
      ),
      {
        numRuns: Number(process.env.PCC_FC_RUNS) || 12,
        // Values that are nothing but characters XML cannot hold: nothing is written for them.
        examples: [[[{ name: 'controls', subject: ['\u0001', 'ok'], description: '\u0005\u0006' }]]],
      },
    );
  });

  it('sidecars with unsafe names written at the same time into one folder each keep their own content', async () => {
    // Found by the property above: two chunks committing into one folder shared a temp name.
    const dir = tempDir('pcc-commit-');
    const targets = [`a\n.xmp`, `b\u001e.xmp`, `c\r.xmp`].map((n) => path.join(dir, n));
    const aliases = targets.map(() => new ExiftoolAliases());
    const writes = await Promise.all(targets.map((t, i) => aliases[i].forWrite(t)));
    writes.forEach((w, i) => fs.writeFileSync(w.exiftoolPath, `content ${i}`));
    await Promise.all(writes.map((w) => w.commit()));
    expect(targets.map((t) => fs.readFileSync(t, 'utf8'))).toEqual(['content 0', 'content 1', 'content 2']);
    expect(fs.readdirSync(dir).sort()).toEqual(targets.map((t) => path.basename(t)).sort());
    aliases.forEach((a) => a.dispose());
  });

  it('text XMP can hold is written unchanged', () => {
    fc.assert(fc.property(hostileText, (t) => !xmlCapable(t) || xmpText(t) === t));
  });

  it('RAW previews are extracted through a safe name', async () => {
    const dir = tempDir('pcc-rawname-');
    const name = `raw\n-if\n${perlCanary(CANARY)}\n.dng`;
    fs.copyFileSync(path.join(SAMPLE_LIBRARY, 'raw', 'canon_eos_6d.dng'), path.join(dir, name));
    const info = await inDir(dir, () => decodePhoto(path.join(dir, name), { longEdge: 256, raw: true }));
    expect(info.sourceFormat).toBe('raw-preview');
    expect(fs.readdirSync(dir)).toEqual([name]);
  });
});

describe('CSV and Markdown writers', () => {
  it('CSV cells round-trip exactly, with formula starts neutralised (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(hostileText, hostileText, fc.integer({ min: -5, max: 5 }))), (rows) => {
        const parsed = parse(csvDocument(['a', 'b', 'n'], rows), { columns: true }) as Array<
          Record<string, string>
        >;
        expect(parsed.map((r) => [r.a, r.b, Number(r.n)])).toEqual(
          rows.map(([a, b, n]) => [neutraliseCell(a), neutraliseCell(b), n]),
        );
        for (const r of parsed) for (const cell of [r.a, r.b]) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      }),
      { numRuns: 500 },
    );
  });

  it('neutralising only ever adds one leading quote', () => {
    fc.assert(
      fc.property(hostileText, (t) => {
        const n = neutraliseCell(t);
        expect(n === t || n === `'${t}`).toBe(true);
      }),
    );
  });

  it('Markdown text and code spans stay on one line and carry no raw HTML', () => {
    fc.assert(
      fc.property(hostileText, (t) => {
        for (const out of [mdText(t), mdCode(t)]) expect(out).not.toMatch(/[\r\n]/);
        expect(mdText(t)).not.toMatch(/[<>]/);
        const code = mdCode(t);
        const fence = /^`+/.exec(code)![0];
        expect(code.endsWith(fence)).toBe(true);
        expect(code.slice(fence.length, code.length - fence.length)).not.toContain(fence);
      }),
      { numRuns: 1000 },
    );
  });
});
