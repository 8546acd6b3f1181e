/**
 * The embedded Temporal server: `temporal server start-dev` with its history in a SQLite file under
 * PCC_DATA_DIR, so a crash of any process (this one included) loses nothing. A server left running by
 * an earlier pcc process (or by `pcc server`) is found through a state file and reused.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { PccConfig } from '../config';
import { resolveTemporalCli } from './cli-binary';
import { DEFAULT_CODEC_SERVER_PORT } from './payload-codec';
import { devServerSearchAttributeArgs } from './search-attributes';

export interface TemporalEndpoint {
  address: string;
  namespace: string;
  /** Temporal Web UI, when pcc knows it. */
  uiUrl?: string;
  /** True when pcc runs the embedded dev server (started now or reused). */
  embedded: boolean;
  /** True when this process started the server and will stop it in stop(). */
  owned: boolean;
  pid?: number;
  stop(): Promise<void>;
  /** Kills a server this process started, at once and synchronously (a forced exit); else nothing. */
  kill(): void;
}

interface ServerState {
  pid: number;
  port: number;
  uiPort: number;
  dbFile: string;
  startedAt: string;
}

export function serverStatePath(dataDir: string): string {
  return path.join(dataDir, 'temporal-server.json');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function choosePorts(preferred: number | undefined): Promise<{ port: number; uiPort: number }> {
  const base = preferred ?? 7233;
  if ((await isPortFree(base)) && (await isPortFree(base + 1000))) return { port: base, uiPort: base + 1000 };
  if (preferred)
    throw new Error(`PCC_TEMPORAL_PORT=${preferred}: port ${base} or ${base + 1000} is already in use`);
  return { port: await freePort(), uiPort: await freePort() };
}

/** Waits until the server answers for the namespace (the dev server registers it a moment after listening). */
export async function waitForServer(
  address: string,
  namespace: string,
  timeoutMs: number,
  isDead?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    const dead = isDead?.();
    if (dead) throw new Error(dead);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`Temporal at ${address} did not become ready in ${timeoutMs / 1000}s: ${lastError}`);
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

async function stopProcessGroup(pid: number): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
}

export interface EnsureOptions {
  install?: boolean;
  log?: (message: string) => void;
}

/** Connects to TEMPORAL_ADDRESS, or reuses / starts the embedded dev server. */
export async function ensureTemporal(
  config: PccConfig,
  options: EnsureOptions = {},
): Promise<TemporalEndpoint> {
  const namespace = config.temporalNamespace;
  if (config.temporalAddress) {
    await waitForServer(config.temporalAddress, namespace, 15_000);
    return {
      address: config.temporalAddress,
      namespace,
      embedded: false,
      owned: false,
      stop: async () => undefined,
      kill: () => undefined,
    };
  }
  const stateFile = serverStatePath(config.dataDir);
  if (fs.existsSync(stateFile)) {
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as ServerState;
    if (isAlive(state.pid) && (await canConnect(state.port))) {
      const address = `127.0.0.1:${state.port}`;
      await waitForServer(address, namespace, 30_000);
      return {
        address,
        namespace,
        uiUrl: `http://127.0.0.1:${state.uiPort}`,
        embedded: true,
        owned: false,
        pid: state.pid,
        stop: async () => undefined,
        kill: () => undefined,
      };
    }
    fs.rmSync(stateFile, { force: true });
  }
  return startDevServer(config, options);
}

/** How long a freshly started server must stay up before pcc trusts the port is its own. */
const PORT_SETTLE_MS = 750;

class PortTakenError extends Error {}

export async function startDevServer(
  config: PccConfig,
  options: EnsureOptions = {},
  attempt = 1,
): Promise<TemporalEndpoint> {
  const log = options.log ?? (() => undefined);
  const binary = resolveTemporalCli(config, { install: options.install ?? true, log });
  const { port, uiPort } = await choosePorts(config.temporalPort);
  const dbFile = path.join(config.dataDir, 'temporal.db');
  const logFile = path.join(config.dataDir, 'logs', 'temporal-server.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--log-level',
    'warn',
    // Write-ahead log, synced at checkpoints: a killed server or pcc loses nothing committed; a
    // power cut may lose the last moments of history, which the run then does again (every
    // result is keyed in the catalog). Measured: the server's CPU per photo fell by a third
    // (4.3 → 2.5 core-ms in a mock run on 2 cores), every event being a SQLite transaction.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    ...devServerSearchAttributeArgs(),
  ];
  // The UI asks `pcc codec-server` to show the encrypted history in clear text.
  if (config.codec.mode !== 'off')
    args.push('--ui-codec-endpoint', `http://127.0.0.1:${DEFAULT_CODEC_SERVER_PORT}`);
  if (config.temporalNamespace !== 'default') args.push('--namespace', config.temporalNamespace);
  // Own process group: the server outlives a crashed pcc (and is reused by the next one),
  // and stop() can end it with everything it spawned.
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.unref();
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `the Temporal dev server exited (${signal ?? `code ${code}`}); see ${logFile}`;
  });
  const pid = child.pid as number;
  const state: ServerState = { pid, port, uiPort, dbFile, startedAt: new Date().toISOString() };
  fs.writeFileSync(serverStatePath(config.dataDir), JSON.stringify(state, null, 2));
  const address = `127.0.0.1:${port}`;
  const started = Date.now();
  try {
    await waitForServer(address, config.temporalNamespace, 60_000, () => exited);
    // Two pcc processes starting at once can both find 7233 free: the loser's server exits on the
    // taken port while the winner's answers the loser's readiness probe. A server that is not
    // ours must not be used (its workers would take our tasks), so look again after a moment.
    await new Promise((r) => setTimeout(r, Math.max(0, PORT_SETTLE_MS - (Date.now() - started))));
    if (exited) throw new PortTakenError(exited);
  } catch (err) {
    await stopProcessGroup(pid);
    fs.rmSync(serverStatePath(config.dataDir), { force: true });
    if (err instanceof PortTakenError && !config.temporalPort && attempt < 3)
      return startDevServer(config, options, attempt + 1);
    throw err;
  }
  const forgetState = () => {
    const file = serverStatePath(config.dataDir);
    try {
      const current = JSON.parse(fs.readFileSync(file, 'utf8')) as ServerState;
      if (current.pid === pid) fs.rmSync(file, { force: true });
    } catch {
      /* no state file, or another server's */
    }
  };
  return {
    address,
    namespace: config.temporalNamespace,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    embedded: true,
    owned: true,
    pid,
    stop: async () => {
      await stopProcessGroup(pid);
      forgetState();
    },
    kill: () => {
      signalGroup(pid, 'SIGKILL');
      forgetState();
    },
  };
}
