import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
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
  Min,
} from 'class-validator';
import { KEYWORD_LAYERS, KEYWORD_STATES } from '../../catalog/keywords.repository';
import { CLUSTER_SORTS } from '../../services/review-views';

export class ClusterQueryDto {
  @ApiPropertyOptional({ minimum: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit?: number;
  @ApiPropertyOptional({ enum: CLUSTER_SORTS })
  @IsOptional()
  @IsIn(CLUSTER_SORTS)
  sort?: (typeof CLUSTER_SORTS)[number];
  @ApiPropertyOptional({ enum: KEYWORD_LAYERS })
  @IsOptional()
  @IsIn(KEYWORD_LAYERS)
  layer?: (typeof KEYWORD_LAYERS)[number];
  @ApiPropertyOptional({ description: 'source kind (vision, caption, …) or exact source' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  source?: string;
  @ApiPropertyOptional({ enum: KEYWORD_STATES })
  @IsOptional()
  @IsIn(KEYWORD_STATES)
  state?: (typeof KEYWORD_STATES)[number];
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsNumber() minScore?: number;
  @ApiPropertyOptional({ description: 'folder (relative to the library)' })
  @IsOptional()
  @IsString()
  folder?: string;
  @ApiPropertyOptional({ description: 'words of the label or a chip' })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  q?: string;
  @ApiPropertyOptional({ description: 'YYYY-MM-DD' }) @IsOptional() @IsString() dateFrom?: string;
  @ApiPropertyOptional({ description: 'YYYY-MM-DD' }) @IsOptional() @IsString() dateTo?: string;
}

export class DecisionDto {
  @ApiProperty({ enum: ['approve', 'reject'] }) @IsIn(['approve', 'reject']) action!: 'approve' | 'reject';
  @ApiProperty({ enum: KEYWORD_LAYERS }) @IsIn(KEYWORD_LAYERS) layer!: (typeof KEYWORD_LAYERS)[number];
  @ApiProperty() @IsString() @Length(1, 200) term!: string;
  @ApiPropertyOptional({ description: 'the chip of this cluster' }) @IsOptional() @IsInt() cluster?: number;
  @ApiPropertyOptional({ type: [Number], description: 'these photos (with or without their cluster)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100_000)
  @IsInt({ each: true })
  photoIds?: number[];
  @ApiPropertyOptional({ default: true, description: 'decide for the whole cluster of each photo' })
  @IsOptional()
  @IsBoolean()
  applyToCluster?: boolean;
  @ApiPropertyOptional({ description: 'who decides, for the decision log' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  client?: string;
}

export class MoveDto {
  @ApiProperty({ type: [Number] })
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsInt({ each: true })
  photoIds!: number[];
  @ApiProperty({ description: 'target cluster (−1: unclustered)' }) @IsInt() toCluster!: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) client?: string;
}

export class UndoDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) client?: string;
}

export class WriteDto {
  @ApiPropertyOptional({ enum: ['photo.xmp', 'photo.ext.xmp'], default: 'photo.xmp' })
  @IsOptional()
  @IsIn(['photo.xmp', 'photo.ext.xmp'])
  naming?: 'photo.xmp' | 'photo.ext.xmp';
}
