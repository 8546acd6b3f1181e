import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { SEARCH_OPTIONS } from '../../search/search-query';
import { SearchService } from './search.service';

/** The query parameters are documented from the same table the CLI flags come from. */
function documented(): MethodDecorator {
  const decorators = [
    ApiQuery({ name: 'q', required: false, description: 'what to look for; may be empty with filters' }),
    ...SEARCH_OPTIONS.map((o) =>
      ApiQuery({
        name: o.name,
        required: false,
        description: o.help,
        example: o.example,
        ...(o.choices ? { enum: [...o.choices] } : {}),
      }),
    ),
  ];
  return (target, key, descriptor) => {
    for (const d of decorators) d(target, key, descriptor);
  };
}

@ApiTags('search')
@Controller()
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Get('search')
  @ApiOperation({
    summary:
      'hybrid search: caption meaning, image meaning, caption and OCR full text, keywords; filters; each result with its score and why',
  })
  @documented()
  query(@Query() raw: Record<string, unknown>) {
    return this.search.query(raw);
  }
}
