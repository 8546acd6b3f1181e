import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { TokenGuard } from './token.guard';
import { localOriginGuard } from './local-origin';
import { isLoopbackHost } from '../net/access';
import type { RunClient } from '../temporal/run-client';

export interface ApiOptions {
  host: string;
  port: number;
  token?: string;
  /** Catalog folder (clusters are read from it). */
  dataDir: string;
  /** Host names answered besides loopback and the bind address. */
  allowedHosts?: string[];
  /** Origins allowed cross-site (CORS); none by default. */
  corsOrigins?: string[];
  /** Library folders the studio may start runs on. */
  roots?: string[];
  temporalUiUrl?: string;
}

/** The built review studio (dist/web, from `npm run build`), when present. */
export function studioDir(): string | undefined {
  const dir = path.resolve(__dirname, '..', 'web');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}

/** Builds and starts the HTTP API. Refuses a non-loopback bind without a token. */
export async function startApi(client: RunClient, options: ApiOptions): Promise<INestApplication> {
  if (!isLoopbackHost(options.host) && !options.token) {
    throw new Error(`binding the API to ${options.host} exposes it to the network: set PCC_API_TOKEN first`);
  }
  const app = await NestFactory.create(
    AppModule.forClient(client, options.dataDir, {
      roots: options.roots ?? [],
      temporalUiUrl: options.temporalUiUrl,
    }),
    {
      logger: ['error', 'warn'],
    },
  );
  // Before every route: foreign Host names and cross-site writes never reach a controller.
  app.use(
    localOriginGuard({
      bindHost: options.host,
      allowedHosts: options.allowedHosts ?? [],
      corsOrigins: options.corsOrigins ?? [],
    }),
  );
  if (options.corsOrigins?.length) app.enableCors({ origin: options.corsOrigins });
  // The review studio: static files on the API's own origin (no token needed to load the page; it
  // asks for the token when the API wants one).
  const studio = studioDir();
  if (studio) {
    app.use(
      express.static(studio, {
        index: 'index.html',
        setHeaders: (res, file) =>
          res.setHeader(
            'Cache-Control',
            file.includes(`${path.sep}assets${path.sep}`)
              ? 'public, max-age=31536000, immutable'
              : 'no-cache',
          ),
      }),
    );
  }
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
