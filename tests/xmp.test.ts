/**
 * XMP sidecars end to end: a real run, keywords in the catalog, `pcc xmp` (dry run, --apply, again),
 * read back with ExifTool. Originals stay byte-identical; existing sidecars keep what they had.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import { parse } from 'csv-parse/sync';
import { Catalog } from '../src/catalog/catalog';
import { AUDIT_HEADER } from '../src/library/sidecars';
import type { TemporalEndpoint } from '../src/temporal/dev-server';
import { SAMPLE_LIBRARY, SHARED, listFiles, tempDir } from './helpers/fixtures';
import { runPcc, startTestServer, testEnv } from './helpers/processes';

function sha256Tree(root: string, filter: (f: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of listFiles(root).filter(filter))
    out[f] = crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  return out;
}

describe('XMP sidecars', () => {
  let server: TemporalEndpoint;
  const et = new ExifTool({ taskTimeoutMillis: 20_000 });
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await et.end();
    await server?.stop();
  });

  it('writes approved keywords only (dc:subject, lr:hierarchicalSubject, digiKam:TagsList) and captions, merges existing sidecars, is idempotent, never touches originals', async () => {
    const lib = tempDir('pcc-xmplib-');
    fs.cpSync(path.join(SAMPLE_LIBRARY, 'orientation'), path.join(lib, '2016-05-04 Trip'), {
      recursive: true,
    });
    fs.mkdirSync(path.join(lib, 'kw'));
    for (const f of ['keywords.jpg', 'digikam.jpg'])
      fs.copyFileSync(path.join(SHARED, 'photos', 'keywords', f), path.join(lib, 'kw', f));
    fs.copyFileSync(path.join(SAMPLE_LIBRARY, 'raw', 'canon_eos_6d.dng'), path.join(lib, 'canon_eos_6d.dng'));
    const existing = path.join(lib, '2016-05-04 Trip', 'Landscape_1.xmp');
    await et.write(
      existing,
      { Subject: ['family', 'holiday'], HierarchicalSubject: ['People|family'], Rating: 4 } as never,
      { writeArgs: ['-overwrite_original'] },
    );
    const isOriginal = (f: string) => !f.endsWith('.xmp');
    const originals = sha256Tree(lib, isOriginal);

    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address });
    await runPcc(['run', lib], env);
    const photoIds = (() => {
      const c = Catalog.open(dataDir);
      try {
        const run = c.runs.latestRun()!;
        const items = c.runs.workList(run.id);
        const proposal = (
          photoId: number,
          layer: 'CK' | 'AI',
          term: string,
          state: 'approved' | 'proposed',
        ) =>
          ({
            photoId,
            layer,
            term,
            source: 'test-tagger',
            sourceKind: 'heuristic',
            score: 0.5,
            state,
          }) as const;
        c.keywords.propose(
          items.flatMap((w) => [
            proposal(w.photoId, 'CK', 'mountain', 'approved'),
            proposal(w.photoId, 'AI', 'statue', 'proposed'),
            proposal(w.photoId, 'AI', 'blue glass', 'proposed'),
          ]),
        );
        // A person rejects "blue glass" everywhere: it must never reach a sidecar.
        c.keywords.decide({
          photoIds: items.map((w) => w.photoId),
          layer: 'AI',
          term: 'blue glass',
          action: 'reject',
        });
        // The user's own keywords were imported from the sidecar and the files, approved.
        const landscape = items.find((w) => w.relPath.endsWith('Landscape_1.jpg'))!;
        expect(
          c.keywords.keywordsOf(landscape.photoId).map((k) => `${k.path}:${k.state}:${k.decidedBy}`),
        ).toEqual([
          'AI|blue glass:rejected:person',
          'AI|statue:proposed:policy',
          'CK|mountain:approved:policy',
          'People|family:approved:import',
          'holiday:approved:import',
        ]);
        return items.length;
      } finally {
        c.close();
      }
    })();
    expect(photoIds).toBe(21);

    const dry = await runPcc(['xmp'], env);
    expect(dry).toMatch(/dry run: 21 sidecars would change; nothing written/);
    // People|family is in the sidecar's hierarchical list but not yet in digiKam's TagsList.
    expect(dry).toMatch(
      /merge .*Landscape_1\.xmp: \+CK\|mountain \(test-tagger\) \+People\|family \(user\) \+holiday \(user\)/,
    );
    expect(dry).not.toMatch(/statue|blue glass/);
    expect(listFiles(lib).filter((f) => f.endsWith('.xmp'))).toEqual([existing]);

    const applied = await runPcc(['xmp', '--apply'], env);
    expect(applied).toMatch(/21 sidecars written, 0 unchanged, 0 errors/);
    const sidecars = listFiles(lib).filter((f) => f.endsWith('.xmp'));
    expect(sidecars).toHaveLength(21);
    const read = async (f: string) => (await et.read(f)) as Record<string, unknown>;
    const asList = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

    const merged = await read(existing);
    expect(asList(merged.Subject).sort()).toEqual(['family', 'holiday', 'mountain']);
    // "holiday" was only flat: immich ignores dc:subject once lr:hierarchicalSubject exists.
    expect(asList(merged.HierarchicalSubject).sort()).toEqual(['CK|mountain', 'People|family', 'holiday']);
    expect(asList(merged.TagsList).sort()).toEqual(['CK/mountain', 'People/family', 'holiday']);
    expect(merged.Rating).toBe(4);
    expect(String(merged.Description)).toMatch(/\w+/);
    for (const f of sidecars) expect(JSON.stringify(await read(f))).not.toMatch(/statue|blue glass/);

    // digikam.jpg carries GPS and camera tags: none of them may travel into its sidecar. Its own
    // keywords do (a sidecar-first reader would lose them otherwise).
    const kw = await read(path.join(lib, 'kw', 'digikam.xmp'));
    expect(asList(kw.HierarchicalSubject).sort()).toEqual(['Berlin', 'CK|mountain', 'Shop']);
    expect(asList(kw.TagsList).sort()).toEqual(['Berlin', 'CK/mountain', 'Shop']);
    expect(JSON.stringify(kw)).not.toMatch(/GPS|Latitude|HUAWEI/);
    const dng = await read(path.join(lib, 'canon_eos_6d.xmp'));
    expect(asList(dng.Subject)).toEqual(['mountain']);

    const before = Object.fromEntries(sidecars.map((f) => [f, fs.readFileSync(f, 'utf8')]));
    const audit = parse(fs.readFileSync(path.join(dataDir, 'xmp_audit.csv'), 'utf8'), {
      columns: true,
    }) as Array<Record<string, string>>;
    expect(Object.keys(audit[0])).toEqual(AUDIT_HEADER.split(','));
    const landscapeRows = audit.filter((r) => r.sidecar_path === existing);
    expect(landscapeRows.map((r) => `${r.field}:${r.value}:${r.source}`).sort()).toEqual([
      expect.stringMatching(/^description:.+:mock\/mock-v1$/),
      'keyword:CK|mountain:test-tagger',
      'keyword:People|family:user',
      'keyword:holiday:user',
    ]);
    expect(landscapeRows[0].photo_path).toBe(path.join(lib, '2016-05-04 Trip', 'Landscape_1.jpg'));
    const auditSize = audit.length;

    const again = await runPcc(['xmp', '--apply'], env);
    expect(again).toMatch(/0 sidecars written, 21 unchanged, 0 errors/);
    for (const f of sidecars) expect(fs.readFileSync(f, 'utf8')).toBe(before[f]);
    expect(fs.readFileSync(path.join(dataDir, 'xmp_audit.csv'), 'utf8').trim().split('\n')).toHaveLength(
      auditSize + 1,
    );

    const darktable = await runPcc(['xmp', '--apply', '--naming', 'photo.ext.xmp'], env);
    expect(darktable).toMatch(/21 sidecars written/);
    expect(fs.existsSync(path.join(lib, 'canon_eos_6d.dng.xmp'))).toBe(true);

    expect(sha256Tree(lib, isOriginal)).toEqual(originals);
  });

  it('a read-only folder gives a clear error for its photos and the others are written', async () => {
    const lib = tempDir('pcc-xmpro-');
    for (const sub of ['ok', 'locked']) {
      fs.mkdirSync(path.join(lib, sub));
      for (const f of ['Landscape_1.jpg', 'Portrait_1.jpg'])
        fs.copyFileSync(path.join(SAMPLE_LIBRARY, 'orientation', f), path.join(lib, sub, f));
    }
    const { dataDir, env } = testEnv({ TEMPORAL_ADDRESS: server.address });
    await runPcc(['run', lib], env);
    const locked = path.join(lib, 'locked');
    // Root ignores permission bits; the immutable attribute refuses even root.
    execFileSync('chattr', ['+i', locked]);
    try {
      const out = await runPcc(['xmp', '--apply'], env, 4);
      expect(out).toMatch(/2 sidecars written, 0 unchanged, 2 errors/);
      expect(out).toMatch(/cannot write .*locked\/Landscape_1\.xmp: the folder is read-only/);
      expect(fs.existsSync(path.join(lib, 'ok', 'Portrait_1.xmp'))).toBe(true);
    } finally {
      execFileSync('chattr', ['-i', locked]);
    }
    expect(dataDir).toBeTruthy();
  });
});
