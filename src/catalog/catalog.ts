import { openDatabase, type Db } from './database';
import { PhotosRepository } from './photos.repository';
import { ResultsRepository } from './results.repository';
import { RunsRepository } from './runs.repository';
import { MetadataRepository } from './metadata.repository';
import { EmbeddingsRepository } from './embeddings.repository';
import { ClustersRepository } from './clusters.repository';
import { KeywordsRepository } from './keywords.repository';
import { DecisionsRepository } from './decisions.repository';
import { TextsRepository } from './texts.repository';
import { DuplicatesRepository } from './duplicates.repository';
import { SearchRepository } from './search.repository';

/** The only door to the database: everything else in pcc talks to these repositories. */
export class Catalog {
  readonly photos: PhotosRepository;
  readonly results: ResultsRepository;
  readonly runs: RunsRepository;
  readonly metadata: MetadataRepository;
  readonly embeddings: EmbeddingsRepository;
  readonly clusters: ClustersRepository;
  readonly keywords: KeywordsRepository;
  readonly decisions: DecisionsRepository;
  readonly texts: TextsRepository;
  readonly duplicates: DuplicatesRepository;
  readonly search: SearchRepository;

  private constructor(private readonly db: Db) {
    this.photos = new PhotosRepository(db);
    this.results = new ResultsRepository(db);
    this.runs = new RunsRepository(db);
    this.metadata = new MetadataRepository(db);
    this.embeddings = new EmbeddingsRepository(db);
    this.clusters = new ClustersRepository(db);
    this.keywords = new KeywordsRepository(db);
    this.decisions = new DecisionsRepository(db);
    this.texts = new TextsRepository(db);
    this.duplicates = new DuplicatesRepository(db);
    this.search = new SearchRepository(db);
  }

  static open(dataDir: string): Catalog {
    return new Catalog(openDatabase(dataDir));
  }

  /** Runs `fn` in one write transaction (many small upserts are far faster together). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * Like `transaction`, but on disk before it returns, even through a power cut: results that cost
   * money (cloud captions) are written this way. The catalog's default, WAL with synchronous=NORMAL,
   * survives a crash of any process but may lose the last commits when the machine loses power.
   */
  durableTransaction<T>(fn: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      return this.db.transaction(fn)();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  close(): void {
    this.db.close();
  }
}
