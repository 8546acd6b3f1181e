import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Inject,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Catalog } from '../../catalog/catalog';
import { CATALOG } from '../clusters/clusters.service';
import type { DuplicateOptions } from '../../duplicates/group';
import {
  DuplicatesError,
  findDuplicates,
  markDuplicates,
  unmarkDuplicates,
  type DuplicateReport,
} from '../../services/duplicates';
import { DuplicatesQueryDto, MarkDto, UnmarkDto } from './duplicates.dto';

/** A page of a duplicate report: the whole report's counts and notes, some of its groups. */
export type DuplicatesPage = DuplicateReport & { total: number; offset: number; limit: number };

/** Asking for something that is not there (a run, a photo) or out of range is the client's mistake. */
function clientError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DuplicatesError)
      throw /^no run /.test(err.message)
        ? new NotFoundException(err.message)
        : new BadRequestException(err.message);
    throw err;
  }
}

/** Duplicate groups and keep/discard marks (services/duplicates.ts). No route deletes or moves a file. */
@ApiTags('duplicates')
@Controller('duplicates')
export class DuplicatesController {
  constructor(@Inject(CATALOG) private readonly catalog: Catalog) {}

  @Get()
  @ApiOperation({
    summary:
      'exact copies, visually identical photos and bursts, each group with its reason, members, marks and a suggested keeper',
  })
  list(@Query() query: DuplicatesQueryDto): DuplicatesPage {
    const thresholds: Partial<DuplicateOptions> = {};
    for (const key of [
      'maxHashDistance',
      'minCosine',
      'burstSeconds',
      'burstMaxHashDistance',
      'burstMinCosine',
    ] as const)
      if (query[key] !== undefined) thresholds[key] = query[key];
    const report = clientError(() =>
      findDuplicates(this.catalog, {
        ...(query.run !== undefined ? { runId: query.run } : {}),
        ...(query.kind ? { kinds: [query.kind] } : {}),
        ...(query.model !== undefined ? { imageModel: query.model } : {}),
        thresholds,
      }),
    );
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 500;
    return {
      ...report,
      total: report.groups.length,
      offset,
      limit,
      groups: report.groups.slice(offset, offset + limit),
    };
  }

  @Post('marks')
  @ApiOperation({
    summary:
      'mark photos keep or discard (optionally adding AI|duplicate to discarded ones); no file is touched',
  })
  mark(@Body() body: MarkDto) {
    return clientError(() =>
      markDuplicates(this.catalog, {
        keep: body.keep ?? [],
        discard: body.discard ?? [],
        keyword: body.keyword ?? false,
        client: body.client ?? 'api',
        ...(body.kind ? { kind: body.kind } : {}),
      }),
    );
  }

  @Delete('marks/:photoId')
  @ApiOperation({ summary: 'remove one photo’s mark and the AI|duplicate keyword it added' })
  unmarkOne(@Param('photoId', ParseIntPipe) photoId: number) {
    return clientError(() => unmarkDuplicates(this.catalog, [photoId]));
  }

  @Post('unmark')
  @ApiOperation({ summary: 'remove the marks of several photos and the AI|duplicate keyword they added' })
  unmark(@Body() body: UnmarkDto) {
    return clientError(() => unmarkDuplicates(this.catalog, body.photoIds));
  }
}
