import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS, type Migration } from './migrations';

export type Db = Database.Database;

export const CATALOG_FILE = 'catalog.sqlite';

/**
 * Opens (creating if needed) the catalog under `dataDir` and applies pending migrations.
 * WAL lets several worker processes read while one writes; busy_timeout makes writers queue
 * instead of failing when two io workers persist at the same moment.
 */
export function openDatabase(dataDir: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, CATALOG_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 15000');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations);
  cachePreparedStatements(db);
  return db;
}

/** Statements kept per connection (the repositories' SQL is a few dozen texts, plus IN-list sizes). */
const STATEMENT_CACHE_SIZE = 512;

/**
 * Repositories prepare their SQL where they use it; compiling the same text again on every call
 * costs more than running it (a 100k-photo view made 300k compilations). Memoizing `prepare` per
 * connection keeps the code readable and the calls cheap. No repository iterates a statement while
 * reusing the same text, so sharing a compiled statement is safe.
 */
function cachePreparedStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, ReturnType<Db['prepare']>>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql);
    } else {
      statement = prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    }
    cache.set(sql, statement);
    return statement;
  }) as Db['prepare'];
}

export function migrate(db: Db, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    db
      .prepare('SELECT version FROM schema_migrations')
      .all()
      .map((r) => (r as { version: number }).version),
  );
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    throw new Error(
      `catalog schema version ${newest} is newer than this pcc understands (${known}); upgrade pcc`,
    );
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    // IMMEDIATE: two processes opening a fresh catalog at once must not both migrate.
    db.transaction(() => {
      const again = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
      if (again) return;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    }).immediate();
  }
}

export function schemaVersion(db: Db): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}
