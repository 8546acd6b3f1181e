import { type DynamicModule, Module } from '@nestjs/common';
import { RunsController } from './runs/runs.controller';
import { RUN_CLIENT, RunsService } from './runs/runs.service';
import type { RunClient } from '../temporal/run-client';
import { ClustersController } from './clusters/clusters.controller';
import { CATALOG_DIR, ClustersService } from './clusters/clusters.service';

@Module({})
export class AppModule {
  static forClient(client: RunClient, dataDir: string): DynamicModule {
    return {
      module: AppModule,
      controllers: [RunsController, ClustersController],
      providers: [
        { provide: RUN_CLIENT, useValue: client },
        { provide: CATALOG_DIR, useValue: dataDir },
        RunsService,
        ClustersService,
      ],
    };
  }
}
