import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { PccConfig } from '../../config';
import { asUsageError, cliConfig, info, toInt } from '../context';
import { ensureTemporal } from '../../temporal/dev-server';
import { RunClient } from '../../temporal/run-client';
import { createWorkers } from '../../workers/create-workers';
import { startRoles } from '../../workers/start-role';
import { startApi } from '../../api/server';
import { parseQueueRoles, type QueueRole } from '../../shared/queues';
import { getBackend, knownBackends } from '../../backends/registry';
import { handleInterrupts, once } from '../shutdown';

export function registerServices(program: Command): void {
  program
    .command('server')
    .description(
      'everything in one process: Temporal dev server (unless TEMPORAL_ADDRESS), all workers, the HTTP API',
    )
    .option('--host <host>', 'API bind address (default PCC_API_HOST, else 127.0.0.1)')
    .option('--port <port>', 'API port (default PCC_API_PORT, else 3000)')
    .option(
      '--queues <roles>',
      'worker roles to run (default: io,cpu,gpu and every cloud provider whose key is set)',
    )
    .action((opts: ServeOptions) => serve(opts));

  program
    .command('worker')
    .description(
      'run workers for some queue roles only (e.g. on a GPU box): --queues io,cpu,gpu,api-openai,…',
    )
    .requiredOption('--queues <roles>', 'comma-separated roles')
    .option('--max-workers <n>', 'activities this process runs at once per queue')
    .option('--rps <n>', 'rate limit of the api-* queues in requests/s, across all workers (server-side)')
    .option(
      '--recycle-after <n>',
      'gpu: drop and reload model sessions after N photos (slow GPU memory growth)',
    )
    .option(
      '--path-map <FROM=TO...>',
      "on another machine: the catalog host's path FROM (library, data folder) is TO here; repeatable",
    )
    .action(async (opts: WorkerOptions) => {
      const roles = parseQueues(opts.queues);
      if (opts.recycleAfter) process.env.PCC_RECYCLE_AFTER = opts.recycleAfter;
      // Read and validated with the rest of the config (readConfig), after PCC_PATH_MAP's own entries.
      if (opts.pathMap?.length)
        process.env.PCC_PATH_MAP = [process.env.PCC_PATH_MAP ?? '', ...opts.pathMap]
          .filter(Boolean)
          .join(';');
      const tuning = {
        maxWorkers: opts.maxWorkers ? Number(opts.maxWorkers) : undefined,
        rps: opts.rps ? Number(opts.rps) : undefined,
      };
      await startRoles(roles, Object.fromEntries(roles.map((r) => [r, tuning])));
    });
}

/** Cloud queues join `pcc server` only when their key is configured. */
function defaultServerRoles(): QueueRole[] {
  const roles: QueueRole[] = ['io', 'cpu', 'gpu'];
  for (const b of knownBackends().map(getBackend)) {
    if (!b.queue.startsWith('api-') || roles.includes(b.queue)) continue;
    try {
      b.checkConfig(process.env);
      roles.push(b.queue);
    } catch {
      /* no key: that provider's queue is not served here */
    }
  }
  return roles;
}

function parseQueues(csv: string) {
  return asUsageError(() => parseQueueRoles(csv));
}

interface WorkerOptions {
  queues: string;
  maxWorkers?: string;
  rps?: string;
  recycleAfter?: string;
  pathMap?: string[];
}

interface ServeOptions {
  host?: string;
  port?: string;
  queues?: string;
}

/** Where the API (and the studio) listens: flags, then PCC_API_HOST / PCC_API_PORT. */
function apiAddress(config: PccConfig, opts: ServeOptions): { host: string; port: number; url: string } {
  const host = opts.host ?? config.api.host;
  const port = opts.port ? (toInt('--port', opts.port) ?? config.api.port) : config.api.port;
  return { host, port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/` };
}

/** The studio's address when a pcc server already answers there. */
async function runningStudio(url: string, token?: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}studio`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(1500),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/** Opens a URL in the desktop's browser; the URL is pcc's own, passed as one argument. */
function openBrowser(url: string): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    spawn(command, [url], { stdio: 'ignore', detached: true })
      .on('error', () => undefined)
      .unref();
  } catch {
    // No desktop: the printed address is enough.
  }
}

export function registerReview(program: Command): void {
  program
    .command('review')
    .description(
      'the review studio in your browser: starts `pcc server` unless one is running, prints its address',
    )
    .option('--host <host>', 'API bind address (default PCC_API_HOST, else 127.0.0.1)')
    .option('--port <port>', 'API port (default PCC_API_PORT, else 3000)')
    .option('--open', 'open it in the default browser')
    .action(async (opts: ServeOptions & { open?: boolean }) => {
      const config = cliConfig();
      const { url } = apiAddress(config, opts);
      if (await runningStudio(url, config.api.token)) {
        info(`Review studio ${url} (pcc server is already running)`);
        if (opts.open) openBrowser(url);
        return;
      }
      await serve(opts, (listening) => {
        if (opts.open) openBrowser(listening);
      });
    });
}

async function serve(
  opts: ServeOptions,
  onListening: (studioUrl: string) => void = () => undefined,
): Promise<void> {
  const config = cliConfig();
  const { host, port, url } = apiAddress(config, opts);
  const roles = parseQueues(opts.queues ?? defaultServerRoles().join(','));
  const endpoint = await ensureTemporal(config, { log: (m) => info(m) });
  const workers = await createWorkers(config, endpoint, roles);
  const running = workers.run();
  const client = await RunClient.connect(endpoint, config);
  const app = await startApi(client, {
    host,
    port,
    token: config.api.token,
    dataDir: config.dataDir,
    allowedHosts: config.apiAllowedHosts,
    corsOrigins: config.apiCorsOrigins,
    roots: config.photosDir ? [config.photosDir] : [],
    temporalUiUrl: endpoint.uiUrl,
  });
  info(`Review studio ${url} · API ${url} (OpenAPI at /docs)`);
  onListening(url);
  info(`Temporal ${endpoint.address}${endpoint.uiUrl ? ` — UI ${endpoint.uiUrl}` : ''}`);
  info(`workers polling ${roles.map((r) => `pcc-${r}`).join(', ')}; Ctrl-C stops everything`);
  // Everything this process started, in order: no new requests, workers drain, then the server.
  const stop = once(async () => {
    await app.close();
    await workers.shutdown();
    await running.catch(() => undefined);
    await client.close();
    await endpoint.stop();
  });
  handleInterrupts({ graceful: stop, force: () => endpoint.kill() });
  // Workers that end on their own (a fatal error) still take the rest down before the exit.
  await running.finally(stop);
}
