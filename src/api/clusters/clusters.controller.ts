import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ClustersService } from './clusters.service';

@ApiTags('clusters')
@Controller('runs')
export class ClustersController {
  constructor(private readonly clusters: ClustersService) {}

  @Get(':id/clusters')
  @ApiOperation({
    summary:
      "a run's clusters, largest first: label, size, medoid, local-only flag, the 5 photos nearest the centre",
  })
  list(@Param('id') id: string) {
    return this.clusters.clustersOf(id);
  }
}
