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

/** Who acts, for the decision log. */
class ClientDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) client?: string;
}

/** Photos an action applies to, and who acts. */
class PhotosDto extends ClientDto {
  @ApiProperty({ type: [Number] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsInt({ each: true })
  photoIds!: number[];
}

export class AssignDto extends PhotosDto {
  @ApiProperty({ description: 'target cluster (−1: unclustered)' }) @IsInt() @Min(-1) toCluster!: number;
}

export class NewClusterDto extends PhotosDto {
  @ApiProperty() @IsString() @Length(1, 200) name!: string;
}

export class RenameDto extends ClientDto {
  @ApiProperty() @IsString() @Length(1, 200) name!: string;
}

export class ExcludeDto extends PhotosDto {
  @ApiPropertyOptional({ description: 'include them again instead' })
  @IsOptional()
  @IsBoolean()
  include?: boolean;
}

export class AutoMoveDto extends ClientDto {
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
}
