import { type DynamicModule, Module } from '@nestjs/common';
import { RunsController } from './runs/runs.controller';
import { RUN_CLIENT, RunsService } from './runs/runs.service';
import type { RunClient } from '../temporal/run-client';

@Module({})
export class AppModule {
  static forClient(client: RunClient): DynamicModule {
    return {
      module: AppModule,
      controllers: [RunsController],
      providers: [{ provide: RUN_CLIENT, useValue: client }, RunsService],
    };
  }
}
