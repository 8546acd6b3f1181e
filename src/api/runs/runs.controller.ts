import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RunsService } from './runs.service';
import { ResumeRunDto, StartRunDto } from './start-run.dto';

@ApiTags('runs')
@Controller('runs')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Post()
  @ApiOperation({ summary: 'start a library run (or attach to the identical run in flight)' })
  start(@Body() body: StartRunDto) {
    return this.runs.start(body);
  }

  @Get()
  @ApiOperation({ summary: 'list runs, newest first' })
  list() {
    return this.runs.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'status and progress of one run (live from the workflow query)' })
  get(@Param('id') id: string) {
    return this.runs.get(id);
  }

  @Post(':id/pause')
  @HttpCode(202)
  pause(@Param('id') id: string) {
    return this.runs.act(id, 'pause');
  }

  @Post(':id/resume')
  @HttpCode(202)
  @ApiOperation({ summary: 'resume a paused run; maxCostUsd raises the spending cap first' })
  resume(@Param('id') id: string, @Body() body: ResumeRunDto) {
    return this.runs.act(id, 'resume', { maxCostUsd: body?.maxCostUsd });
  }

  @Post(':id/cancel')
  @HttpCode(202)
  cancel(@Param('id') id: string) {
    return this.runs.act(id, 'cancel');
  }
}
