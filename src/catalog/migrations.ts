/**
 * Versioned schema migrations. Append only: a released migration is never edited, a change is a new
 * entry. `openCatalog` applies the pending ones in one transaction each.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'photos, paths, stage results, runs',
    sql: `
      CREATE TABLE photos (
        id          INTEGER PRIMARY KEY,
        sha1        TEXT NOT NULL UNIQUE,
        size        INTEGER NOT NULL,
        format      TEXT NOT NULL,
        is_raw      INTEGER NOT NULL DEFAULT 0,
        first_seen  TEXT NOT NULL,
        last_seen   TEXT NOT NULL
      );
      CREATE TABLE photo_paths (
        abs_path    TEXT PRIMARY KEY,
        photo_id    INTEGER NOT NULL REFERENCES photos(id),
        root        TEXT NOT NULL,
        rel_path    TEXT NOT NULL,
        size        INTEGER NOT NULL,
        mtime_ms    INTEGER NOT NULL,
        last_seen   TEXT NOT NULL
      );
      CREATE INDEX photo_paths_photo ON photo_paths(photo_id);
      CREATE INDEX photo_paths_root ON photo_paths(root);
      CREATE TABLE stage_results (
        photo_id    INTEGER NOT NULL REFERENCES photos(id),
        stage       TEXT NOT NULL,
        backend     TEXT NOT NULL,
        model       TEXT NOT NULL,
        prompt_hash TEXT NOT NULL,
        status      TEXT NOT NULL,
        reason      TEXT,
        output      TEXT,
        run_id      TEXT,
        attempts    INTEGER NOT NULL DEFAULT 1,
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (photo_id, stage, backend, model, prompt_hash)
      );
      CREATE INDEX stage_results_key ON stage_results(stage, backend, model, prompt_hash, status);
      CREATE TABLE runs (
        id           TEXT PRIMARY KEY,
        workflow_id  TEXT NOT NULL,
        config_json  TEXT NOT NULL,
        status       TEXT NOT NULL,
        scan_json    TEXT,
        counts_json  TEXT,
        created_at   TEXT NOT NULL,
        finished_at  TEXT
      );
      CREATE INDEX runs_workflow ON runs(workflow_id);
      CREATE TABLE run_photos (
        run_id    TEXT NOT NULL REFERENCES runs(id),
        ordinal   INTEGER NOT NULL,
        photo_id  INTEGER NOT NULL REFERENCES photos(id),
        abs_path  TEXT NOT NULL,
        rel_path  TEXT NOT NULL,
        PRIMARY KEY (run_id, ordinal)
      );
      CREATE TABLE scan_issues (
        run_id    TEXT NOT NULL,
        abs_path  TEXT NOT NULL,
        kind      TEXT NOT NULL,
        reason    TEXT,
        PRIMARY KEY (run_id, abs_path)
      );
    `,
  },
  {
    version: 2,
    name: 'token usage and cost per result',
    sql: `
      ALTER TABLE stage_results ADD COLUMN input_tokens INTEGER;
      ALTER TABLE stage_results ADD COLUMN output_tokens INTEGER;
      ALTER TABLE stage_results ADD COLUMN cost_usd REAL;
    `,
  },
  {
    version: 3,
    name: 'photo metadata inventory, resolved dates, keywords',
    sql: `
      CREATE TABLE photo_metadata (
        photo_id        INTEGER PRIMARY KEY REFERENCES photos(id),
        make            TEXT,
        model           TEXT,
        lens            TEXT,
        date_original   TEXT,
        create_date     TEXT,
        modify_date     TEXT,
        file_mtime      TEXT,
        iso             REAL,
        f_number        REAL,
        exposure_time   TEXT,
        orientation     INTEGER,
        has_gps         INTEGER NOT NULL DEFAULT 0,
        width           INTEGER,
        height          INTEGER,
        keywords_json   TEXT NOT NULL DEFAULT '[]',
        hierarchical_json TEXT NOT NULL DEFAULT '[]',
        description     TEXT,
        phash           TEXT,
        resolved_date   TEXT,
        date_trust      REAL,
        date_source     TEXT,
        inventoried_at  TEXT NOT NULL
      );
      CREATE TABLE photo_keywords (
        photo_id  INTEGER NOT NULL REFERENCES photos(id),
        kind      TEXT NOT NULL CHECK (kind IN ('CK', 'AI')),
        term      TEXT NOT NULL,
        source    TEXT NOT NULL,
        run_id    TEXT,
        PRIMARY KEY (photo_id, kind, term)
      );
    `,
  },
  {
    version: 4,
    name: 'embeddings (compact float32 blobs)',
    sql: `
      CREATE TABLE embeddings (
        photo_id  INTEGER NOT NULL REFERENCES photos(id),
        kind      TEXT NOT NULL CHECK (kind IN ('image', 'caption')),
        model     TEXT NOT NULL,
        dim       INTEGER NOT NULL,
        vector    BLOB NOT NULL,
        run_id    TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (photo_id, kind, model)
      );
    `,
  },
  {
    version: 5,
    name: 'clusterings, cluster members, vocabulary scores',
    sql: `
      CREATE TABLE clusterings (
        run_id        TEXT PRIMARY KEY REFERENCES runs(id),
        params_json   TEXT NOT NULL,
        space         TEXT NOT NULL,
        cluster_count INTEGER NOT NULL,
        noise         INTEGER NOT NULL,
        seconds       REAL,
        folders_json  TEXT NOT NULL DEFAULT '[]',
        created_at    TEXT NOT NULL
      );
      CREATE TABLE cluster_members (
        run_id    TEXT NOT NULL,
        photo_id  INTEGER NOT NULL REFERENCES photos(id),
        cluster   INTEGER NOT NULL,
        distance  REAL,
        PRIMARY KEY (run_id, photo_id)
      );
      CREATE INDEX cluster_members_by_cluster ON cluster_members (run_id, cluster);
      CREATE TABLE vocabulary_scores (
        run_id        TEXT NOT NULL,
        photo_id      INTEGER NOT NULL REFERENCES photos(id),
        model         TEXT NOT NULL,
        top_json      TEXT NOT NULL,
        approved_json TEXT NOT NULL,
        PRIMARY KEY (run_id, photo_id)
      );
    `,
  },
  {
    version: 6,
    name: 'keywords with provenance and a review state; the decision log',
    sql: `
      CREATE TABLE keywords (
        photo_id     INTEGER NOT NULL REFERENCES photos(id),
        layer        TEXT NOT NULL CHECK (layer IN ('CK', 'AI', 'USER')),
        term         TEXT NOT NULL,
        source       TEXT NOT NULL,
        source_kind  TEXT NOT NULL CHECK (source_kind IN
                       ('vocabulary', 'caption', 'concept', 'vision', 'ocr', 'exif', 'heuristic', 'date', 'user')),
        score        REAL,
        state        TEXT NOT NULL CHECK (state IN ('proposed', 'approved', 'rejected')),
        decided_by   TEXT NOT NULL CHECK (decided_by IN ('policy', 'person', 'import')),
        path         TEXT NOT NULL,
        mapped_from  TEXT,
        run_id       TEXT,
        from_cluster INTEGER,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (photo_id, layer, term, source)
      );
      CREATE INDEX keywords_by_term ON keywords (layer, term);
      CREATE INDEX keywords_by_run ON keywords (run_id, source_kind);
      INSERT INTO keywords (photo_id, layer, term, source, source_kind, score, state, decided_by, path,
                            run_id, created_at, updated_at)
        SELECT photo_id, kind, term, source,
               CASE source WHEN 'vocabulary' THEN 'vocabulary' WHEN 'date-resolver' THEN 'date' ELSE 'heuristic' END,
               NULL, 'approved', 'policy', kind || '|' || term, run_id,
               strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        FROM photo_keywords;
      DROP TABLE photo_keywords;
      CREATE TABLE keyword_decisions (
        id         INTEGER PRIMARY KEY,
        at         TEXT NOT NULL,
        client     TEXT NOT NULL,
        action     TEXT NOT NULL CHECK (action IN ('approve', 'reject')),
        run_id     TEXT,
        layer      TEXT NOT NULL,
        term       TEXT NOT NULL,
        cluster    INTEGER,
        photos_json TEXT NOT NULL,
        before_json TEXT NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'one append-only decision log for keyword decisions, moves and undos',
    sql: `
      CREATE TABLE decisions (
        id          INTEGER PRIMARY KEY,
        at          TEXT NOT NULL,
        client      TEXT NOT NULL,
        action      TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'move', 'undo')),
        run_id      TEXT,
        layer       TEXT,
        term        TEXT,
        cluster     INTEGER,
        photos_json TEXT NOT NULL,
        before_json TEXT NOT NULL,
        undoes      INTEGER REFERENCES decisions(id)
      );
      CREATE INDEX decisions_undoes ON decisions (undoes);
      INSERT INTO decisions (id, at, client, action, run_id, layer, term, cluster, photos_json, before_json)
        SELECT id, at, client, action, run_id, layer, term, cluster, photos_json, '[]' FROM keyword_decisions;
      DROP TABLE keyword_decisions;
    `,
  },
  {
    version: 8,
    name: 'privacy signals per photo (NSFW score)',
    sql: `
      CREATE TABLE photo_privacy (
        photo_id    INTEGER PRIMARY KEY REFERENCES photos(id),
        nsfw_score  REAL,
        nsfw_model  TEXT,
        scored_at   TEXT NOT NULL
      );
    `,
  },
  {
    version: 9,
    name: 'text read in photos (OCR), kept for search',
    sql: `
      CREATE TABLE photo_text (
        photo_id    INTEGER NOT NULL REFERENCES photos(id),
        source      TEXT NOT NULL,
        model       TEXT NOT NULL,
        text        TEXT NOT NULL,
        lines_json  TEXT NOT NULL,
        read_at     TEXT NOT NULL,
        PRIMARY KEY (photo_id, source, model)
      );
    `,
  },
  {
    version: 10,
    name: 'luma histogram per photo (studio black vs night)',
    sql: `
      CREATE TABLE photo_light (
        photo_id     INTEGER PRIMARY KEY REFERENCES photos(id),
        histogram    BLOB NOT NULL,
        measured_at  TEXT NOT NULL
      );
    `,
  },
  {
    version: 11,
    name: 'person presence per photo (people sets)',
    sql: `
      ALTER TABLE photo_privacy ADD COLUMN person_score REAL;
      ALTER TABLE photo_privacy ADD COLUMN person_model TEXT;
    `,
  },
  {
    version: 12,
    name: 'full-text search over captions and OCR text (FTS5, porter stemming), kept in step by triggers',
    // One FTS table per source. Its rowid encodes the photo: photo_id · 2^32 + the source row's
    // rowid, so a word's photos come out of the index alone (group_concat(rowid) never reads a
    // stored row) and a trigger can replace exactly one entry. Only successful captions count.
    // `search_counters` holds document counts (for idf) and change counters for the caches
    // search keeps in memory (vectors, keywords, photo facts): one row read instead of a scan.
    sql: `
      CREATE VIRTUAL TABLE caption_fts USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2');
      CREATE VIRTUAL TABLE ocr_fts USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2');
      CREATE TABLE search_counters (what TEXT PRIMARY KEY, n INTEGER NOT NULL);
      INSERT INTO caption_fts (rowid, body)
        SELECT photo_id * 4294967296 + rowid, output FROM stage_results
        WHERE stage = 'caption' AND status = 'success' AND output IS NOT NULL;
      INSERT INTO ocr_fts (rowid, body) SELECT photo_id * 4294967296 + rowid, text FROM photo_text WHERE text <> '';
      INSERT INTO search_counters (what, n) VALUES
        ('caption_docs', (SELECT COUNT(*) FROM caption_fts)), ('ocr_docs', (SELECT COUNT(*) FROM ocr_fts)),
        ('embeddings', 0), ('keywords', 0), ('photos', 0);

      CREATE TRIGGER caption_fts_insert AFTER INSERT ON stage_results
        WHEN NEW.stage = 'caption' AND NEW.status = 'success' AND NEW.output IS NOT NULL
        BEGIN
          INSERT INTO caption_fts (rowid, body) VALUES (NEW.photo_id * 4294967296 + NEW.rowid, NEW.output);
          UPDATE search_counters SET n = n + 1 WHERE what = 'caption_docs';
        END;
      CREATE TRIGGER caption_fts_update AFTER UPDATE OF status, output ON stage_results
        WHEN NEW.stage = 'caption'
        BEGIN
          UPDATE search_counters SET n = n - (SELECT COUNT(*) FROM caption_fts WHERE rowid = OLD.photo_id * 4294967296 + OLD.rowid)
            WHERE what = 'caption_docs';
          DELETE FROM caption_fts WHERE rowid = OLD.photo_id * 4294967296 + OLD.rowid;
          INSERT INTO caption_fts (rowid, body)
            SELECT NEW.photo_id * 4294967296 + NEW.rowid, NEW.output WHERE NEW.status = 'success' AND NEW.output IS NOT NULL;
          UPDATE search_counters SET n = n + (NEW.status = 'success' AND NEW.output IS NOT NULL) WHERE what = 'caption_docs';
        END;
      CREATE TRIGGER caption_fts_delete AFTER DELETE ON stage_results WHEN OLD.stage = 'caption'
        BEGIN
          UPDATE search_counters SET n = n - (SELECT COUNT(*) FROM caption_fts WHERE rowid = OLD.photo_id * 4294967296 + OLD.rowid)
            WHERE what = 'caption_docs';
          DELETE FROM caption_fts WHERE rowid = OLD.photo_id * 4294967296 + OLD.rowid;
        END;
      CREATE TRIGGER ocr_fts_insert AFTER INSERT ON photo_text WHEN NEW.text <> ''
        BEGIN
          INSERT INTO ocr_fts (rowid, body) VALUES (NEW.photo_id * 4294967296 + NEW.rowid, NEW.text);
          UPDATE search_counters SET n = n + 1 WHERE what = 'ocr_docs';
        END;
      CREATE TRIGGER ocr_fts_update AFTER UPDATE OF text ON photo_text
        BEGIN
          UPDATE search_counters SET n = n - (SELECT COUNT(*) FROM ocr_fts WHERE rowid = OLD.photo_id * 4294967296 + OLD.rowid)
            WHERE what = 'ocr_docs';
          DELETE FROM ocr_fts WHERE rowid = OLD.photo_id * 4294967296 + OLD.rowid;
          INSERT INTO ocr_fts (rowid, body) SELECT NEW.photo_id * 4294967296 + NEW.rowid, NEW.text WHERE NEW.text <> '';
          UPDATE search_counters SET n = n + (NEW.text <> '') WHERE what = 'ocr_docs';
        END;
      CREATE TRIGGER ocr_fts_delete AFTER DELETE ON photo_text
        BEGIN
          UPDATE search_counters SET n = n - (SELECT COUNT(*) FROM ocr_fts WHERE rowid = OLD.photo_id * 4294967296 + OLD.rowid)
            WHERE what = 'ocr_docs';
          DELETE FROM ocr_fts WHERE rowid = OLD.photo_id * 4294967296 + OLD.rowid;
        END;

      CREATE TRIGGER embeddings_changed_insert AFTER INSERT ON embeddings
        BEGIN UPDATE search_counters SET n = n + 1 WHERE what = 'embeddings'; END;
      CREATE TRIGGER embeddings_changed_update AFTER UPDATE ON embeddings
        BEGIN UPDATE search_counters SET n = n + 1 WHERE what = 'embeddings'; END;
      CREATE TRIGGER embeddings_changed_delete AFTER DELETE ON embeddings
        BEGIN UPDATE search_counters SET n = n + 1 WHERE what = 'embeddings'; END;
      CREATE TRIGGER keywords_changed_insert AFTER INSERT ON keywords
        BEGIN UPDATE search_counters SET n = n + 1 WHERE what = 'keywords'; END;
      CREATE TRIGGER keywords_changed_update AFTER UPDATE ON keywords
        BEGIN UPDATE search_counters SET n = n + 1 WHERE what = 'keywords'; END;
      CREATE TRIGGER keywords_changed_delete AFTER DELETE ON keywords
        BEGIN UPDATE search_counters SET n = n + 1 WHERE what = 'keywords'; END;
      CREATE TRIGGER metadata_changed_insert AFTER INSERT ON photo_metadata
        BEGIN UPDATE search_counters SET n = n + 1 WHERE what = 'photos'; END;
      CREATE TRIGGER metadata_changed_update AFTER UPDATE ON photo_metadata
        BEGIN UPDATE search_counters SET n = n + 1 WHERE what = 'photos'; END;
      CREATE TRIGGER paths_changed_insert AFTER INSERT ON photo_paths
        BEGIN UPDATE search_counters SET n = n + 1 WHERE what = 'photos'; END;
      CREATE TRIGGER paths_changed_delete AFTER DELETE ON photo_paths
        BEGIN UPDATE search_counters SET n = n + 1 WHERE what = 'photos'; END;
      CREATE TRIGGER paths_changed_update AFTER UPDATE OF photo_id, rel_path ON photo_paths
        BEGIN UPDATE search_counters SET n = n + 1 WHERE what = 'photos'; END;
    `,
  },
  {
    version: 13,
    name: 'duplicate marks: keep or discard per photo (never a file operation)',
    sql: `
      CREATE TABLE duplicate_marks (
        photo_id    INTEGER PRIMARY KEY REFERENCES photos(id),
        state       TEXT NOT NULL CHECK (state IN ('keep', 'discard')),
        group_kind  TEXT CHECK (group_kind IN ('exact', 'identical', 'burst')),
        marked_at   TEXT NOT NULL,
        client      TEXT NOT NULL
      );
    `,
  },
  {
    version: 14,
    name: 'the manual clustering queue: renames, exclusions and auto-moves in the decision log',
    // SQLite cannot widen a CHECK: the log is rebuilt with the new actions and a details column
    // (an auto-move's per-photo targets and scores, a rename's names). Renaming the old table first
    // keeps the self-reference of `undoes` pointing at the new one.
    sql: `
      ALTER TABLE decisions RENAME TO decisions_v7;
      CREATE TABLE decisions (
        id           INTEGER PRIMARY KEY,
        at           TEXT NOT NULL,
        client       TEXT NOT NULL,
        action       TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'move', 'undo', 'rename', 'exclude', 'include')),
        run_id       TEXT,
        layer        TEXT,
        term         TEXT,
        cluster      INTEGER,
        photos_json  TEXT NOT NULL,
        before_json  TEXT NOT NULL,
        undoes       INTEGER REFERENCES decisions(id),
        details_json TEXT
      );
      INSERT INTO decisions (id, at, client, action, run_id, layer, term, cluster, photos_json, before_json, undoes)
        SELECT id, at, client, action, run_id, layer, term, cluster, photos_json, before_json, undoes
        FROM decisions_v7 ORDER BY id;
      DROP TABLE decisions_v7;
      CREATE INDEX decisions_undoes ON decisions (undoes);
      CREATE INDEX decisions_by_run ON decisions (run_id, id);
      CREATE TABLE cluster_names (
        run_id    TEXT NOT NULL,
        cluster   INTEGER NOT NULL,
        name      TEXT NOT NULL,
        named_at  TEXT NOT NULL,
        PRIMARY KEY (run_id, cluster)
      );
      CREATE TABLE photo_exclusions (
        photo_id     INTEGER PRIMARY KEY REFERENCES photos(id),
        excluded_at  TEXT NOT NULL,
        client       TEXT NOT NULL
      );
    `,
  },
];
