import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import type { Catalog } from '../../catalog/catalog';
import { readConfig } from '../../config';
import { consoleLine } from '../../logging/logger';
import { CATALOG } from '../clusters/clusters.service';
import { STUDIO_OPTIONS, type StudioOptions } from '../review/review.service';
import { PhotoSearch, type SearchPage } from '../../services/search';
import { parseSearchQuery, SearchQueryError } from '../../search/search-query';

/**
 * `GET /search`: one PhotoSearch per server process, so the vectors are loaded into typed arrays
 * once and reused by every query until the catalog's vectors change.
 */
@Injectable()
export class SearchService {
  private readonly search: PhotoSearch;

  constructor(@Inject(CATALOG) catalog: Catalog, @Inject(STUDIO_OPTIONS) options: StudioOptions) {
    this.search = new PhotoSearch(catalog, { ...readConfig(), dataDir: options.dataDir });
    // Load the vectors soon after start rather than on the first query (seconds at 100k photos).
    setTimeout(() => {
      try {
        const { vectors, ms } = this.search.warm();
        if (vectors) consoleLine('info', `search ready: ${vectors} vectors in memory (${ms} ms)`);
      } catch (err) {
        consoleLine(
          'warn',
          `search: could not load the vectors yet (${(err as Error).message}); the first query will`,
        );
      }
    }, 1500).unref();
  }

  async query(raw: Record<string, unknown>): Promise<SearchPage> {
    try {
      const { q, ...rest } = raw;
      if (q !== undefined && typeof q !== 'string') throw new SearchQueryError('q may be given once');
      return await this.search.search(parseSearchQuery(q, rest, 'api'));
    } catch (err) {
      if (err instanceof SearchQueryError) throw new BadRequestException(err.message);
      throw err;
    }
  }
}
