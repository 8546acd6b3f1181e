/**
 * `pcc clusters export` (issue 16, item 5): clusters to folders as symlinks, copies or moves; a dry
 * run by default, a manifest per export, undo. A real catalog in a temp dir, with real files.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Catalog } from '../src/catalog/catalog';
import type { RunConfig } from '../src/shared/payloads';
import {
  applyClusterExport,
  ClusterExportError,
  listClusterExports,
  planClusterExport,
  readExportManifest,
  undoClusterExport,
  type ExportMode,
} from '../src/services/cluster-export';
import { hashTree, tempDir } from './helpers/fixtures';
import { runPcc, testEnv } from './helpers/processes';
import { KEY } from './helpers/seed-run';

interface SeedFile {
  /** Path under the library root. */
  rel: string;
  cluster: number;
  caption?: string;
  content?: string;
}

/** A clustered run over real files: the first member of each cluster is its medoid, so its caption is the label. */
function seedLibrary(files: SeedFile[]): {
  catalog: Catalog;
  dataDir: string;
  lib: string;
  runId: string;
  ids: number[];
} {
  const dataDir = tempDir('pcc-export-data-');
  const lib = tempDir('pcc-export-lib-');
  const catalog = Catalog.open(dataDir);
  const runId = 'run-1';
  catalog.runs.ensure(runId, 'wf', {
    roots: [lib],
    ...KEY,
    dryRun: false,
    localOnly: [],
  } as unknown as RunConfig);
  const seen = new Map<number, number>();
  const members = files.map((f, i) => {
    const abs = path.join(lib, f.rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const content = f.content ?? `photo ${i} ${f.rel}`;
    fs.writeFileSync(abs, content);
    const st = fs.statSync(abs);
    const photoId = catalog.photos.upsertPhoto({
      sha1: crypto.createHash('sha1').update(content).digest('hex'),
      size: st.size,
      format: 'jpg',
      isRaw: false,
    });
    catalog.photos.upsertPath(photoId, {
      absPath: abs,
      root: lib,
      relPath: f.rel,
      size: st.size,
      mtimeMs: st.mtimeMs,
    });
    catalog.results.upsert({
      photoId,
      stage: 'caption',
      key: KEY,
      status: 'success',
      output: f.caption ?? `caption ${i}`,
      runId,
    });
    const rank = seen.get(f.cluster) ?? 0;
    seen.set(f.cluster, rank + 1);
    return {
      photoId,
      absPath: abs,
      relPath: f.rel,
      cluster: f.cluster,
      distance: f.cluster < 0 ? null : rank / 10,
    };
  });
  catalog.runs.setWorkList(runId, members);
  catalog.clusters.replace(
    runId,
    { params: {}, space: 'image', clusterCount: seen.size, noise: 0, folders: [] },
    members.map((m) => ({ photoId: m.photoId, cluster: m.cluster, distance: m.distance })),
  );
  return { catalog, dataDir, lib, runId, ids: members.map((m) => m.photoId) };
}

/** Every entry under `root` (folders, files, links), relative, sorted. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      out.push(path.relative(root, p) + (e.isDirectory() ? '/' : e.isSymbolicLink() ? '@' : ''));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}

const BASIC: SeedFile[] = [
  { rel: 'trip/IMG_1.jpg', cluster: 0, caption: 'A red boat on a lake' },
  { rel: 'other/IMG_1.jpg', cluster: 0 },
  { rel: 'trip/img_1.JPG', cluster: 0 },
  { rel: 'home/cat.png', cluster: 1, caption: 'Ein Kätzchen schläft' },
  { rel: 'home/noise.jpg', cluster: -1 },
];

async function exportAs(
  seed: ReturnType<typeof seedLibrary>,
  as: ExportMode,
  to: string,
  extra: { includeUnclustered?: boolean } = {},
) {
  const plan = planClusterExport(seed.catalog, { runId: seed.runId, to, as, ...extra });
  return {
    plan,
    result: await applyClusterExport(plan, { dataDir: seed.dataDir, allowMove: as === 'move' }),
  };
}

describe('pcc clusters export', () => {
  const opened: Catalog[] = [];
  const seed = (files: SeedFile[]) => {
    const s = seedLibrary(files);
    opened.push(s.catalog);
    return s;
  };
  afterAll(() => opened.forEach((c) => c.close()));

  it('a dry run (the plan) changes nothing on disk', () => {
    const s = seed(BASIC);
    const to = path.join(tempDir('pcc-export-out-'), 'clusters');
    const before = hashTree(s.lib);
    const plan = planClusterExport(s.catalog, { runId: s.runId, to, as: 'copies' });
    expect(plan.folders.map((f) => [f.name, f.files])).toEqual([
      ['000-a-red-boat-on-a-lake', 3],
      ['001-ein-kätzchen-schläft', 1],
    ]);
    expect(plan.bytes).toBe(plan.files.reduce((n, f) => n + f.size, 0));
    expect(fs.existsSync(to)).toBe(false);
    expect(fs.existsSync(path.join(s.dataDir, 'exports'))).toBe(false);
    expect(hashTree(s.lib)).toEqual(before);
  });

  it('symlinks: one folder per cluster named from its label, collisions numbered, undo removes them', async () => {
    const s = seed(BASIC);
    const to = path.join(tempDir('pcc-export-out-'), 'clusters');
    const { result } = await exportAs(s, 'symlinks', to, { includeUnclustered: true });
    expect(result.done).toBe(5);
    expect(tree(to)).toEqual([
      '000-a-red-boat-on-a-lake/',
      '000-a-red-boat-on-a-lake/IMG_1 (2).jpg@',
      '000-a-red-boat-on-a-lake/IMG_1.jpg@',
      // Case-insensitive collisions too: the export may land on macOS or an exFAT stick.
      '000-a-red-boat-on-a-lake/img_1 (3).JPG@',
      '001-ein-kätzchen-schläft/',
      '001-ein-kätzchen-schläft/cat.png@',
      'unclustered/',
      'unclustered/noise.jpg@',
    ]);
    const link = path.join(to, '000-a-red-boat-on-a-lake', 'IMG_1.jpg');
    expect(path.isAbsolute(fs.readlinkSync(link))).toBe(true);
    expect(fs.readFileSync(link, 'utf8')).toBe(fs.readFileSync(fs.readlinkSync(link), 'utf8'));

    const manifest = readExportManifest(s.dataDir, result.exportId);
    expect(manifest).toMatchObject({ runId: s.runId, mode: 'symlinks', to, state: 'applied' });
    expect(manifest.files[0]).toEqual(
      expect.objectContaining({
        from: expect.any(String),
        to: expect.any(String),
        photoId: s.ids[0],
        state: 'done',
      }),
    );
    expect(manifest.files[0].sha1).toMatch(/^[0-9a-f]{40}$/);
    expect(listClusterExports(s.dataDir).map((e) => [e.id, e.files])).toEqual([[result.exportId, 5]]);

    const undo = await undoClusterExport(s.dataDir, result.exportId);
    expect(undo).toMatchObject({ undone: 5, kept: [], state: 'undone' });
    // The export folder itself was made by the export: gone too.
    expect(fs.existsSync(to)).toBe(false);
    expect(listClusterExports(s.dataDir)[0].state).toBe('undone');
  });

  it('copies: same bytes and mtime; undo removes only what it made and keeps a copy the user changed', async () => {
    const s = seed(BASIC);
    const to = tempDir('pcc-export-out-');
    const { plan, result } = await exportAs(s, 'copies', to);
    expect(result.done).toBe(4);
    for (const f of plan.files) {
      expect(fs.lstatSync(f.to).isFile()).toBe(true);
      expect(fs.readFileSync(f.to)).toEqual(fs.readFileSync(f.from));
      expect(Math.abs(fs.statSync(f.to).mtimeMs - fs.statSync(f.from).mtimeMs)).toBeLessThan(1);
    }
    const changed = path.join(to, '000-a-red-boat-on-a-lake', 'IMG_1 (2).jpg');
    fs.writeFileSync(changed, 'edited by the user');
    const mine = path.join(to, '001-ein-kätzchen-schläft', 'notes.txt');
    fs.writeFileSync(mine, 'mine');

    const undo = await undoClusterExport(s.dataDir, result.exportId);
    expect(undo.undone).toBe(3);
    expect(undo.kept).toEqual([
      { path: changed, reason: expect.stringContaining('changed since the export') },
    ]);
    expect(tree(to)).toEqual([
      '000-a-red-boat-on-a-lake/',
      '000-a-red-boat-on-a-lake/IMG_1 (2).jpg',
      '001-ein-kätzchen-schläft/',
      '001-ein-kätzchen-schläft/notes.txt',
    ]);
    expect(fs.readFileSync(changed, 'utf8')).toBe('edited by the user');
    expect(undo.state).toBe('undo-partial');
  });

  it('hostile labels and file names stay inside the export folder, as safe names', async () => {
    const s = seed([
      { rel: 'a/-rf\nevil.jpg', cluster: 0, caption: '../../etc/passwd\n\u001b[31m/..' },
      { rel: 'a/--help.jpg', cluster: 0 },
      { rel: 'a/..jpg', cluster: 0 },
      { rel: 'a/\u202egnp.exe', cluster: 0 },
      { rel: 'a/x'.padEnd(250, 'x') + '.jpg', cluster: 0 },
      { rel: 'b/ok.jpg', cluster: 1, caption: '..' },
      { rel: 'c/dots.jpg', cluster: 2, caption: '\n\t/' },
    ]);
    const parent = tempDir('pcc-export-out-');
    const to = path.join(parent, 'out');
    const { result } = await exportAs(s, 'copies', to);
    expect(result.done).toBe(7);
    expect(fs.readdirSync(parent)).toEqual(['out']);
    expect(fs.readdirSync(to).sort()).toEqual(['000-etc-passwd-31m', '001-cluster', '002-cluster']);
    expect(fs.readdirSync(path.join(to, '000-etc-passwd-31m')).sort()).toEqual([
      'gnp.exe',
      'help.jpg',
      'jpg',
      'rfevil.jpg',
      'x'.padEnd(200 - 4, 'x') + '.jpg',
    ]);
    for (const entry of tree(to)) {
      for (const part of entry.replace(/\/$/, '').split('/')) {
        expect(part).not.toMatch(/^[-.]|^$/);
        // eslint-disable-next-line no-control-regex -- asserting there are none
        expect(part).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
        expect(Buffer.byteLength(part)).toBeLessThanOrEqual(255);
      }
    }
  });

  it('--as move is refused without allowMove; move + undo restores the exact original tree', async () => {
    const s = seed(BASIC);
    const to = tempDir('pcc-export-out-');
    const plan = planClusterExport(s.catalog, { runId: s.runId, to, as: 'move', includeUnclustered: true });
    await expect(applyClusterExport(plan, { dataDir: s.dataDir })).rejects.toThrow(ClusterExportError);
    expect(fs.readdirSync(to)).toEqual([]);

    const before = hashTree(s.lib);
    const dirs = tree(s.lib).filter((e) => e.endsWith('/'));
    const result = await applyClusterExport(plan, { dataDir: s.dataDir, allowMove: true });
    expect(result.done).toBe(5);
    expect(tree(s.lib)).toEqual(dirs);
    // The manifest names every move before it happens: from, to, photo and hash.
    expect(
      readExportManifest(s.dataDir, result.exportId)
        .files.map((f) => f.from)
        .sort(),
    ).toEqual(
      Object.keys(before)
        .map((rel) => path.join(s.lib, rel))
        .sort(),
    );

    const undo = await undoClusterExport(s.dataDir, result.exportId);
    expect(undo).toMatchObject({ undone: 5, kept: [], state: 'undone' });
    expect(hashTree(s.lib)).toEqual(before);
    expect(tree(to)).toEqual([]);
  });

  it('move undo never overwrites a file that took an original path', async () => {
    const s = seed(BASIC.slice(0, 2));
    const to = tempDir('pcc-export-out-');
    const { result } = await exportAs(s, 'move', to);
    const original = path.join(s.lib, 'trip', 'IMG_1.jpg');
    fs.writeFileSync(original, 'a new photo at the old path');
    const undo = await undoClusterExport(s.dataDir, result.exportId);
    expect(undo.undone).toBe(1);
    expect(undo.kept).toEqual([
      {
        path: path.join(to, '000-a-red-boat-on-a-lake', 'IMG_1.jpg'),
        reason: expect.stringContaining('not overwritten'),
      },
    ]);
    expect(fs.readFileSync(original, 'utf8')).toBe('a new photo at the old path');
    expect(fs.existsSync(path.join(to, '000-a-red-boat-on-a-lake', 'IMG_1.jpg'))).toBe(true);
  });

  it('an existing file in the export folder is never overwritten; a missing original is reported', async () => {
    const s = seed(BASIC);
    fs.rmSync(path.join(s.lib, 'home', 'cat.png'));
    const to = tempDir('pcc-export-out-');
    const folder = path.join(to, '000-a-red-boat-on-a-lake');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'IMG_1.jpg'), 'already here');
    const { plan, result } = await exportAs(s, 'copies', to);
    expect(plan.skipped.map((f) => f.reason)).toEqual([
      `${path.join(folder, 'IMG_1.jpg')} already exists (never overwritten)`,
    ]);
    expect(plan.missing).toEqual([
      { photoId: s.ids[3], cluster: 1, paths: [path.join(s.lib, 'home', 'cat.png')] },
    ]);
    expect(result.done).toBe(2);
    expect(fs.readFileSync(path.join(folder, 'IMG_1.jpg'), 'utf8')).toBe('already here');

    // A file that appears between the plan and the apply is not overwritten either.
    const again = planClusterExport(s.catalog, {
      runId: s.runId,
      to: tempDir('pcc-export-out-'),
      as: 'symlinks',
    });
    const late = again.files[0].to;
    fs.mkdirSync(path.dirname(late));
    fs.writeFileSync(late, 'late');
    const r2 = await applyClusterExport(again, { dataDir: s.dataDir });
    expect(r2.skipped.map((f) => f.to)).toEqual([late]);
    expect(fs.readFileSync(late, 'utf8')).toBe('late');

    await undoClusterExport(s.dataDir, result.exportId);
    await undoClusterExport(s.dataDir, r2.exportId);
    expect(fs.readFileSync(path.join(folder, 'IMG_1.jpg'), 'utf8')).toBe('already here');
    expect(fs.readFileSync(late, 'utf8')).toBe('late');
  });

  it('the CLI prints the dry-run plan and changes nothing; --as move needs --allow-move', async () => {
    // bin/pcc.js runs dist/ (built by `npm test` before jest).
    const s = seed([...BASIC, { rel: 'x/evil.jpg', cluster: 2, caption: 'bad\u001b[2Jlabel' }]);
    s.catalog.close();
    opened.splice(opened.indexOf(s.catalog), 1);
    const { env } = testEnv({}, s.dataDir);
    const to = path.join(tempDir('pcc-export-out-'), 'clusters');
    const out = await runPcc(['clusters', 'export', '--to', to, '--as', 'symlinks'], env);
    expect(out).toContain(`dry run: would export 5 files`);
    expect(out).toContain('into 3 folders');
    expect(out).toContain('000-a-red-boat-on-a-lake/');
    expect(out).toContain(
      `${path.join(s.lib, 'trip', 'IMG_1.jpg')} → ${path.join(to, '000-a-red-boat-on-a-lake', 'IMG_1.jpg')}`,
    );
    expect(out).toContain('bad\\x1b[2Jlabel');
    expect(out).not.toContain('\u001b');
    expect(out).toContain('--apply');
    expect(fs.existsSync(to)).toBe(false);

    const refused = await runPcc(['clusters', 'export', '--to', to, '--as', 'move'], env, 2);
    expect(refused).toContain('--allow-move');
    expect(fs.existsSync(to)).toBe(false);
  });
});
