import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
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
import { SUGGEST_SPACES, type SuggestSpace } from '../../services/cluster-queue';

export class QueueQueryDto {
  @ApiPropertyOptional({ description: 'noise (default), cluster:N, folder:GLOB or search:WORDS' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  source?: string;
  @ApiPropertyOptional({ minimum: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
  @ApiPropertyOptional({ description: 'a seed: the same seed, the same shuffled order' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  shuffle?: number;
  @ApiPropertyOptional({ description: 'hide suggestions (gathering seed examples by hand)' })
  @IsOptional()
  @Transform(({ value }) => value === true || value === 'true' || value === '1')
  @IsBoolean()
  manual?: boolean;
  @ApiPropertyOptional({ enum: SUGGEST_SPACES }) @IsOptional() @IsIn(SUGGEST_SPACES) space?: SuggestSpace;
}

export class AssignDto {
  @ApiProperty({ type: [Number] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsInt({ each: true })
  photoIds!: number[];
  @ApiProperty({ description: 'target cluster (−1: unclustered)' }) @IsInt() @Min(-1) toCluster!: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) client?: string;
}

export class NewClusterDto {
  @ApiProperty({ type: [Number] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsInt({ each: true })
  photoIds!: number[];
  @ApiProperty() @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) client?: string;
}

export class RenameDto {
  @ApiProperty() @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) client?: string;
}

export class ExcludeDto {
  @ApiProperty({ type: [Number] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsInt({ each: true })
  photoIds!: number[];
  @ApiPropertyOptional({ description: 'include them again instead' })
  @IsOptional()
  @IsBoolean()
  include?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) client?: string;
}

export class AutoMoveDto {
  @ApiProperty({
    description: 'cosine at or above which a photo moves to its best suggestion',
    minimum: 0,
    maximum: 1,
  })
  @IsNumber()
  @Min(0)
  @Max(1)
  threshold!: number;
  @ApiPropertyOptional({ description: 'noise (default), cluster:N, folder:GLOB or search:WORDS' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  source?: string;
  @ApiPropertyOptional({ enum: SUGGEST_SPACES }) @IsOptional() @IsIn(SUGGEST_SPACES) space?: SuggestSpace;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) client?: string;
}
