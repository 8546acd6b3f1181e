import Database from 'better-sqlite3';
import path from 'node:path';
import { Catalog } from '../src/catalog/catalog';
import { CATALOG_FILE, migrate, openDatabase, schemaVersion } from '../src/catalog/database';
import { MIGRATIONS } from '../src/catalog/migrations';
import { tempDir } from './helpers/fixtures';

const KEY = { backend: 'mock', model: 'mock-v1', promptHash: 'abc' };

describe('catalog', () => {
  it('applies versioned migrations once, and refuses a catalog newer than this pcc', () => {
    const dir = tempDir();
    const db = openDatabase(dir);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    migrate(db, MIGRATIONS); // second time: no-op, no "table exists" error
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, ?)').run(
      'future',
      'now',
    );
    db.close();
    expect(() => openDatabase(dir)).toThrow(/schema version 99 is newer than this pcc understands/);
  });

  it('applies a new migration on top of an existing catalog without losing rows', () => {
    const dir = tempDir();
    const c = Catalog.open(dir);
    c.photos.upsertPhoto({ sha1: 'a'.repeat(40), size: 1, format: 'jpg', isRaw: false });
    c.close();
    const db = new Database(path.join(dir, CATALOG_FILE));
    migrate(db, [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'test column', sql: 'ALTER TABLE photos ADD COLUMN note TEXT' },
    ]);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length + 1);
    expect((db.prepare('SELECT COUNT(*) AS n FROM photos').get() as { n: number }).n).toBe(1);
    db.close();
  });

  it('keys photos by content hash with every path they were seen at; upserts are idempotent', () => {
    const c = Catalog.open(tempDir());
    const sha1 = 'b'.repeat(40);
    const id1 = c.photos.upsertPhoto({ sha1, size: 10, format: 'jpg', isRaw: false });
    const id2 = c.photos.upsertPhoto({ sha1, size: 10, format: 'jpg', isRaw: false });
    expect(id2).toBe(id1);
    const seen = (p: string) => ({ absPath: `/lib/${p}`, root: '/lib', relPath: p, size: 10, mtimeMs: 1 });
    c.photos.upsertPath(id1, seen('a.jpg'));
    c.photos.upsertPath(id1, seen('copy/a.jpg'));
    c.photos.upsertPath(id1, seen('a.jpg'));
    expect(c.photos.pathsOf(id1).map((p) => p.relPath)).toEqual(['a.jpg', 'copy/a.jpg']);
    expect(c.photos.photosUnderRoots(['/lib'])).toHaveLength(1);
    c.close();
  });

  it('stores one stage result per (photo, stage, backend, model, prompt hash), whatever the retries', () => {
    const c = Catalog.open(tempDir());
    const id = c.photos.upsertPhoto({ sha1: 'c'.repeat(40), size: 1, format: 'jpg', isRaw: false });
    c.results.upsert({
      photoId: id,
      stage: 'caption',
      key: KEY,
      status: 'error_api',
      reason: '503',
      runId: 'r1',
    });
    c.results.upsert({
      photoId: id,
      stage: 'caption',
      key: KEY,
      status: 'success',
      output: 'a dog',
      runId: 'r2',
    });
    c.results.upsert({
      photoId: id,
      stage: 'caption',
      key: KEY,
      status: 'success',
      output: 'a dog',
      runId: 'r2',
    });
    c.results.upsert({
      photoId: id,
      stage: 'caption',
      key: { ...KEY, promptHash: 'other' },
      status: 'success',
      runId: 'r3',
    });
    const row = c.results.get(id, 'caption', KEY)!;
    expect(row).toMatchObject({ status: 'success', output: 'a dog', reason: null, attempts: 2 });
    expect(c.results.summary()).toEqual([
      { stage: 'caption', backend: 'mock', model: 'mock-v1', status: 'success', n: 2 },
    ]);
    c.close();
  });

  it('keeps a run and its work list; rewriting the list (a retried scan) replaces it', () => {
    const c = Catalog.open(tempDir());
    const ids = ['d', 'e', 'f'].map((ch) =>
      c.photos.upsertPhoto({ sha1: ch.repeat(40), size: 1, format: 'jpg', isRaw: false }),
    );
    const config = { roots: ['/lib'] } as never;
    c.runs.ensure('run-1', 'wf-1', config);
    c.runs.ensure('run-1', 'wf-1', config);
    const items = ids.map((photoId, i) => ({ photoId, absPath: `/lib/${i}.jpg`, relPath: `${i}.jpg` }));
    c.runs.setWorkList('run-1', items);
    c.runs.setWorkList('run-1', items.slice(0, 2));
    expect(c.runs.workList('run-1')).toHaveLength(2);
    expect(c.runs.batch('run-1', 1, 1).map((w) => w.relPath)).toEqual(['1.jpg']);
    expect(c.runs.find('wf-1')?.id).toBe('run-1');
    c.close();
  });
});
