import fs from 'node:fs';
import type { Command } from 'commander';
import { cliConfig, info, toInt, UsageError } from '../context';
import { handleInterrupts, once } from '../shutdown';
import { serverStatePath } from '../../temporal/dev-server';
import { newCodecKey } from '../../temporal/codec-keys';
import { createCodecServer } from '../../temporal/codec-server';
import { isLoopbackHost, isWebOrigin } from '../../net/access';
import { DEFAULT_CODEC_SERVER_PORT, dataConverterFor } from '../../temporal/payload-codec';

/** The embedded dev server's Web UI origins, when this data folder runs one. */
function embeddedUiOrigins(dataDir: string): string[] {
  try {
    const { uiPort } = JSON.parse(fs.readFileSync(serverStatePath(dataDir), 'utf8')) as { uiPort: number };
    return [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
  } catch {
    return [];
  }
}

interface CodecServerFlags {
  host: string;
  port: string;
  origin?: string[];
  newKey?: boolean;
  /** false with --no-token-required */
  tokenRequired: boolean;
}

export function registerCodecServer(program: Command): void {
  program
    .command('codec-server')
    .description(
      "decrypts run histories for Temporal's Web UI and CLI (Settings → Codec Server, or temporal --codec-endpoint)",
    )
    .option('--host <host>', 'bind address (a non-loopback one needs PCC_CODEC_SERVER_TOKEN)', '127.0.0.1')
    .option('--port <port>', 'port', String(DEFAULT_CODEC_SERVER_PORT))
    .option(
      '--origin <url...>',
      'origins of the Temporal Web UI allowed to call it (default: the embedded server’s UI, http://localhost:8233)',
    )
    .option(
      '--no-token-required',
      'serve a non-loopback bind without PCC_CODEC_SERVER_TOKEN (a container whose port is published on loopback only)',
    )
    .option('--new-key', 'print a fresh key for PCC_CODEC_KEYS and exit')
    .action(async (opts: CodecServerFlags) => {
      if (opts.newKey) {
        process.stdout.write(`${newCodecKey()}\n`);
        return;
      }
      const config = cliConfig();
      const codec = dataConverterFor(config).payloadCodecs?.[0];
      if (!codec) throw new UsageError('PCC_CODEC=off: history is not encrypted, there is nothing to decode');
      const port = toInt('--port', opts.port) as number;
      if (port < 1 || port > 65535) throw new UsageError(`--port must be a port number, got ${opts.port}`);
      for (const o of opts.origin ?? []) {
        if (!isWebOrigin(o))
          throw new UsageError(`--origin takes origins like http://nas.local:8233, got "${o}"`);
      }
      const origins = opts.origin ?? [
        ...embeddedUiOrigins(config.dataDir),
        'http://localhost:8233',
        'http://127.0.0.1:8233',
      ];
      let server;
      try {
        server = createCodecServer(codec, {
          host: opts.host,
          port,
          origins,
          token: config.codecServerToken,
          tokenRequired: opts.tokenRequired,
        });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, opts.host, resolve);
      });
      const where = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
      info(
        `Codec server ${where} for ${origins.join(', ')}${config.codecServerToken ? ' (bearer token required)' : ''}`,
      );
      if (!isLoopbackHost(opts.host))
        info('reachable from the network: only callers with the token get an answer');
      const stop = once(async () => {
        await new Promise((r) => server.close(r));
      });
      handleInterrupts({ graceful: stop, force: () => undefined });
      await new Promise((r) => server.once('close', r));
    });
}
