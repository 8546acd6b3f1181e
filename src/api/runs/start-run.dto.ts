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
import { CLUSTER_MODES } from '../../clustering/cluster';
import { CLUSTER_SPACES } from '../../shared/payloads';

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

  @ApiPropertyOptional({ description: 'caption files that end early instead of recording them as corrupt' })
  @IsOptional()
  @IsBoolean()
  acceptTruncated?: boolean;

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

  @ApiPropertyOptional({
    description: 'also compute image (CLIP) and caption-text embeddings on the gpu queue',
  })
  @IsOptional()
  @IsBoolean()
  embed?: boolean;

  @ApiPropertyOptional({ description: 'cluster the embeddings and write reports at the end (implies embed)' })
  @IsOptional()
  @IsBoolean()
  cluster?: boolean;

  @ApiPropertyOptional({ enum: CLUSTER_MODES, default: 'umap-hdbscan' })
  @IsOptional()
  @IsIn(CLUSTER_MODES)
  clusterMode?: string;

  @ApiPropertyOptional({ enum: CLUSTER_SPACES, default: 'image' })
  @IsOptional()
  @IsIn(CLUSTER_SPACES)
  clusterSpace?: string;

  @ApiPropertyOptional({
    minimum: 2,
    description: 'smallest group (default 10 for umap-hdbscan, 2 otherwise)',
  })
  @IsOptional()
  @IsInt()
  @Min(2)
  minClusterSize?: number;

  @ApiPropertyOptional({ minimum: 0, default: 42, description: 'same seed and embeddings → same clusters' })
  @IsOptional()
  @IsInt()
  @Min(0)
  clusterSeed?: number;

  @ApiPropertyOptional({ description: 'vocabulary file on the server (YAML or one label per line)' })
  @IsOptional()
  @IsString()
  vocabulary?: string;

  @ApiPropertyOptional({ description: 'folder on the server for the reports' })
  @IsOptional()
  @IsString()
  reportDir?: string;
}

export class ResumeRunDto {
  @ApiPropertyOptional({ minimum: 0, description: 'new spending cap' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  maxCostUsd?: number;
}
