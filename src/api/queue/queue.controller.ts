import { Body, Controller, Get, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AssignDto, AutoMoveDto, ExcludeDto, NewClusterDto, QueueQueryDto, RenameDto } from './queue.dto';
import { QueueService } from './queue.service';

@ApiTags('queue')
@Controller('runs/:id')
export class QueueController {
  constructor(private readonly queue: QueueService) {}

  @Get('queue')
  @ApiOperation({
    summary:
      'a page of the photos to sort (noise, a cluster, a folder, a search) with top-3 suggestions and counts',
  })
  page(@Param('id') id: string, @Query() query: QueueQueryDto) {
    return this.queue.page(id, query);
  }

  @Post('queue/assign')
  @ApiOperation({ summary: 'put photos into a cluster by hand (never their files); logged, undoable' })
  assign(@Param('id') id: string, @Body() body: AssignDto) {
    return this.queue.assign(id, body);
  }

  @Post('queue/new-cluster')
  @ApiOperation({ summary: 'a new, named cluster from photos; logged, undoable' })
  newCluster(@Param('id') id: string, @Body() body: NewClusterDto) {
    return this.queue.newCluster(id, body);
  }

  @Post('clusters/:cluster/rename')
  @ApiOperation({ summary: 'name a cluster; logged, undoable' })
  rename(@Param('id') id: string, @Param('cluster', ParseIntPipe) cluster: number, @Body() body: RenameDto) {
    return this.queue.rename(id, cluster, body);
  }

  @Post('queue/exclude')
  @ApiOperation({
    summary: 'hide photos from the library views and the queue (or include them again); never touches files',
  })
  exclude(@Param('id') id: string, @Body() body: ExcludeDto) {
    return this.queue.exclude(id, body);
  }

  @Post('queue/auto')
  @ApiOperation({
    summary: 'assign every queued photo whose best suggestion reaches the threshold: one decision, one undo',
  })
  auto(@Param('id') id: string, @Body() body: AutoMoveDto) {
    return this.queue.autoMove(id, body);
  }

  @Get('queue/log')
  @ApiOperation({
    summary: 'the action log as JSON lines (photos by SHA-1), replayable with `pcc clusters replay`',
  })
  log(@Param('id') id: string, @Res() res: Response) {
    res.type('application/x-ndjson');
    res.setHeader('Content-Disposition', 'attachment; filename="actions.jsonl"');
    res.send(`${this.queue.log(id)}\n`);
  }
}
