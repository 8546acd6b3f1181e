import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { DUPLICATE_KINDS, type DuplicateKind } from '../../duplicates/group';

export class DuplicatesQueryDto {
  @ApiPropertyOptional({ enum: DUPLICATE_KINDS, description: 'only one kind of group' })
  @IsOptional()
  @IsIn(DUPLICATE_KINDS)
  kind?: DuplicateKind;
  @ApiPropertyOptional({ description: 'only the photos under this run’s folders (run id or workflow id)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  run?: string;
  @ApiPropertyOptional({ description: 'CLIP image vectors of this model (default: the run’s)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  model?: string;
  @ApiPropertyOptional({ description: 'identical: dHash bits that may differ', default: 4 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  maxHashDistance?: number;
  @ApiPropertyOptional({ description: 'identical: CLIP cosine at least', default: 0.97 })
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  minCosine?: number;
  @ApiPropertyOptional({ description: 'burst: seconds between shots at most', default: 3 })
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  burstSeconds?: number;
  @ApiPropertyOptional({ description: 'burst: dHash bits that may differ', default: 12 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  burstMaxHashDistance?: number;
  @ApiPropertyOptional({ description: 'burst: or CLIP cosine at least', default: 0.9 })
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  burstMinCosine?: number;
  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 5000, default: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit?: number;
}

export class MarkDto {
  @ApiPropertyOptional({ type: [Number], description: 'photo ids to keep' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100_000)
  @IsInt({ each: true })
  keep?: number[];
  @ApiPropertyOptional({ type: [Number], description: 'photo ids to discard (no file is touched)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100_000)
  @IsInt({ each: true })
  discard?: number[];
  @ApiPropertyOptional({
    default: false,
    description: 'give discarded photos the approved keyword AI|duplicate',
  })
  @IsOptional()
  @IsBoolean()
  keyword?: boolean;
  @ApiPropertyOptional({ enum: DUPLICATE_KINDS, description: 'the kind of group they were marked in' })
  @IsOptional()
  @IsIn(DUPLICATE_KINDS)
  kind?: DuplicateKind;
  @ApiPropertyOptional({ description: 'who marks, for the record' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  client?: string;
}

export class UnmarkDto {
  @ApiProperty({ type: [Number] })
  @IsArray()
  @ArrayMaxSize(100_000)
  @IsInt({ each: true })
  photoIds!: number[];
}
