import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { RunsController } from './runs/runs.controller';
import { RUN_CLIENT, RunsService } from './runs/runs.service';
import type { RunClient } from '../temporal/run-client';
import { ClustersController } from './clusters/clusters.controller';
import { CATALOG, ClustersService } from './clusters/clusters.service';
import { Catalog } from '../catalog/catalog';
import { ReviewController } from './review/review.controller';
import { ReviewService, STUDIO_OPTIONS, type StudioOptions } from './review/review.service';
import { DuplicatesController } from './duplicates/duplicates.controller';
import { SearchController } from './search/search.controller';
import { SearchService } from './search/search.service';
import { QueueController } from './queue/queue.controller';
import { QueueService } from './queue/queue.service';

/** Closes the API's catalog connection when the server stops. */
@Injectable()
class CatalogCloser implements OnApplicationShutdown {
  constructor(@Inject(CATALOG) private readonly catalog: Catalog) {}

  onApplicationShutdown(): void {
    this.catalog.close();
  }
}

@Module({})
export class AppModule {
  static forClient(
    client: RunClient,
    dataDir: string,
    studio: Omit<StudioOptions, 'dataDir'> = { roots: [] },
  ): DynamicModule {
    return {
      module: AppModule,
      controllers: [
        RunsController,
        ClustersController,
        ReviewController,
        SearchController,
        DuplicatesController,
        QueueController,
      ],
      providers: [
        { provide: RUN_CLIENT, useValue: client },
        { provide: CATALOG, useFactory: () => Catalog.open(dataDir) },
        { provide: STUDIO_OPTIONS, useValue: { ...studio, dataDir } },
        CatalogCloser,
        RunsService,
        ClustersService,
        ReviewService,
        SearchService,
        QueueService,
      ],
    };
  }
}
