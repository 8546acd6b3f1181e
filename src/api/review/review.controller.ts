import { Body, Controller, Get, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ReviewService } from './review.service';
import { ClusterQueryDto, DecisionDto, MoveDto, UndoDto, WriteDto } from './review.dto';

@ApiTags('review')
@Controller()
export class ReviewController {
  constructor(private readonly review: ReviewService) {}

  @Get('studio')
  @ApiOperation({
    summary: 'what the review studio needs to start: library roots, Temporal UI, runs with clusters',
  })
  about() {
    return this.review.about();
  }

  @Get('runs/:id/review/clusters')
  @ApiOperation({
    summary: 'a page of cluster cards: medoid, size, label, keyword chips, badges; filters and sort',
  })
  clusters(@Param('id') id: string, @Query() query: ClusterQueryDto) {
    return this.review.clusters(id, query);
  }

  @Get('runs/:id/review/clusters/:cluster')
  @ApiOperation({ summary: 'one cluster: every chip and every member with its keywords' })
  cluster(@Param('id') id: string, @Param('cluster', ParseIntPipe) cluster: number) {
    return this.review.cluster(id, cluster);
  }

  @Get('photos/:photoId')
  @ApiOperation({
    summary: 'one photo: paths, metadata, resolved date, captions, keywords with provenance, history',
  })
  photo(@Param('photoId', ParseIntPipe) photoId: number, @Query('run') run?: string) {
    return this.review.photo(photoId, run);
  }

  @Get('thumbnails/:sha1')
  @ApiOperation({ summary: 'the 512 px thumbnail of a photo (content-addressed: cached for a year)' })
  thumbnail(@Param('sha1') sha1: string, @Res() res: Response) {
    return this.review.thumbnail(sha1, res);
  }

  @Get('photos/:photoId/image')
  @ApiOperation({
    summary: 'the photo page image: its proxy (≤ 1024 px, metadata-free) or else its thumbnail',
  })
  image(@Param('photoId', ParseIntPipe) photoId: number, @Res() res: Response) {
    return this.review.image(photoId, res);
  }

  @Get('audit/xmp.csv')
  @ApiOperation({ summary: 'the XMP audit CSV: every keyword written, with its source and time' })
  audit(@Res() res: Response) {
    return this.review.audit(res);
  }

  @Post('runs/:id/decisions')
  @ApiOperation({
    summary: 'approve or reject a keyword for a cluster (default) or photos; logged, undoable',
  })
  decide(@Param('id') id: string, @Body() body: DecisionDto) {
    return this.review.decide(id, body);
  }

  @Post('runs/:id/moves')
  @ApiOperation({ summary: 'move photos to another cluster (never their files); logged, undoable' })
  move(@Param('id') id: string, @Body() body: MoveDto) {
    return this.review.move(id, body);
  }

  @Get('decisions')
  @ApiOperation({ summary: 'the decision log, newest first' })
  decisions(@Query('limit') limit?: string, @Query('run') run?: string) {
    return this.review.decisions(limit, run);
  }

  @Post('decisions/:decisionId/undo')
  @ApiOperation({
    summary: 'take a decision back (refused while a later decision on the same photos stands)',
  })
  undo(@Param('decisionId', ParseIntPipe) decisionId: number, @Body() body: UndoDto) {
    return this.review.undo(decisionId, body?.client);
  }

  @Get('runs/:id/sidecars/plan')
  @ApiOperation({ summary: 'dry run: the sidecars a write would change, with each keyword and its source' })
  plan(@Param('id') id: string, @Query() query: WriteDto) {
    return this.review.plan(id, query.naming ?? 'photo.xmp');
  }

  @Post('runs/:id/sidecars/write')
  @ApiOperation({ summary: 'write approved keywords to sidecars as a workflow on the io queue' })
  write(@Param('id') id: string, @Body() body: WriteDto) {
    return this.review.write(id, body?.naming ?? 'photo.xmp');
  }

  @Get('writes/:workflowId')
  @ApiOperation({ summary: 'progress (or result) of a sidecar write' })
  writeProgress(@Param('workflowId') workflowId: string) {
    return this.review.writeProgress(workflowId);
  }
}
