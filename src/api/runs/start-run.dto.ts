/**
 * The body of `POST /runs`, derived from the option table (src/runs/run-options.ts): every run
 * option of the CLI and of pcc.yaml is accepted here with the same name, type, bounds and help,
 * validated by class-validator and described in the OpenAPI schema.
 */
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
import { RUN_OPTIONS, type RunOption } from '../../runs/run-options';

export class StartRunDto {
  @ApiProperty({ type: [String], description: 'library folders on the server machine', example: ['/photos'] })
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  roots!: string[];

  [option: string]: unknown;
}

type PropertyDecorator = (target: object, key: string) => void;

function decoratorsFor(o: RunOption): PropertyDecorator[] {
  const doc = {
    description: `${o.help} (CLI --${o.flag}, pcc.yaml ${o.section}.${o.configKey})`,
    ...(o.default !== undefined ? { default: o.default } : {}),
    ...(o.min !== undefined ? { minimum: o.min } : {}),
    ...(o.max !== undefined ? { maximum: o.max } : {}),
    ...(o.choices ? { enum: [...o.choices] } : {}),
  };
  const bounds = [...(o.min !== undefined ? [Min(o.min)] : []), ...(o.max !== undefined ? [Max(o.max)] : [])];
  switch (o.type) {
    case 'boolean':
      return [ApiPropertyOptional({ ...doc, type: Boolean }), IsOptional(), IsBoolean()];
    case 'int':
      return [ApiPropertyOptional({ ...doc, type: 'integer' }), IsOptional(), IsInt(), ...bounds];
    case 'number':
      return [ApiPropertyOptional({ ...doc, type: Number }), IsOptional(), IsNumber(), ...bounds];
    case 'string':
    case 'modelOrNone':
      return [
        ApiPropertyOptional({ ...doc, type: String }),
        IsOptional(),
        IsString(),
        ...(o.choices ? [IsIn([...o.choices])] : []),
      ];
    case 'list':
      return [
        ApiPropertyOptional({ ...doc, type: [String] }),
        IsOptional(),
        IsArray(),
        IsString({ each: true }),
      ];
    case 'statuses':
      return [
        ApiPropertyOptional({ ...doc, type: [String], isArray: true }),
        IsOptional(),
        IsArray(),
        IsIn([...(o.choices ?? [])], { each: true }),
      ];
  }
}

// The table's rows become the DTO's properties, with their validation and OpenAPI metadata.
for (const option of RUN_OPTIONS) {
  for (const decorate of decoratorsFor(option)) decorate(StartRunDto.prototype, option.key);
}

export class ResumeRunDto {
  @ApiPropertyOptional({ minimum: 0, description: 'new spending cap' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  maxCostUsd?: number;
}
