import 'reflect-metadata';
import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { TokenGuard } from './token.guard';
import type { RunClient } from '../temporal/run-client';

export interface ApiOptions {
  host: string;
  port: number;
  token?: string;
  /** Catalog folder (clusters are read from it). */
  dataDir: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Builds and starts the HTTP API. Refuses a non-loopback bind without a token. */
export async function startApi(client: RunClient, options: ApiOptions): Promise<INestApplication> {
  if (!LOOPBACK.has(options.host) && !options.token) {
    throw new Error(`binding the API to ${options.host} exposes it to the network: set PCC_API_TOKEN first`);
  }
  const app = await NestFactory.create(AppModule.forClient(client, options.dataDir), {
    logger: ['error', 'warn'],
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalGuards(new TokenGuard(options.token));
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('pcc API')
      .setDescription(
        'Start, list, inspect, pause, resume and cancel photo library runs; read their clusters',
      )
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  await app.listen(options.port, options.host);
  return app;
}
