import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  Min,
} from 'class-validator';
import { PHOTO_STATUSES, type PhotoStatus } from '../../shared/status';
import type { RunRequest } from '../../shared/run-request';

export class StartRunDto implements RunRequest {
  @ApiProperty({ type: [String], description: 'library folders on the server machine', example: ['/photos'] })
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  roots!: string[];

  @ApiPropertyOptional({ default: 'mock' })
  @IsOptional()
  @IsString()
  backend?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  model?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  prompt?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  include?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  exclude?: string[];

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  force?: boolean;

  @ApiPropertyOptional({ enum: PHOTO_STATUSES, isArray: true })
  @IsOptional()
  @IsArray()
  @IsIn(PHOTO_STATUSES, { each: true })
  retryStatus?: PhotoStatus[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 512, default: 32 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(512)
  batchSize?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 256, default: 4 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(256)
  maxConcurrentBatches?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  mockErrorRate?: number;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  mockLatencyMs?: number;

  @ApiPropertyOptional({
    minimum: 64,
    maximum: 4096,
    default: 1024,
    description: 'long edge of what a remote model receives',
  })
  @IsOptional()
  @IsInt()
  @Min(64)
  @Max(4096)
  maxEdge?: number;

  @ApiPropertyOptional({ minimum: 100, default: 120000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  requestTimeoutMs?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 8 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  apiMaxAttempts?: number;

  @ApiPropertyOptional({ type: [String], description: 'globs of folders/files never sent to a cloud model' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  localOnly?: string[];

  @ApiPropertyOptional({ description: 'local backend for local-only photos of a cloud run' })
  @IsOptional()
  @IsString()
  privateBackend?: string;

  @ApiPropertyOptional({ description: 'endpoint of an openai-compatible server' })
  @IsOptional()
  @IsString()
  baseUrl?: string;

  @ApiPropertyOptional({ minimum: 0, description: 'pause the run when its spend reaches this' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  maxCostUsd?: number;
}

export class ResumeRunDto {
  @ApiPropertyOptional({ minimum: 0, description: 'new spending cap' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  maxCostUsd?: number;
}
