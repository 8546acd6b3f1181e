import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { readConfig } from '../../src/config';
import { startDevServer, type TemporalEndpoint } from '../../src/temporal/dev-server';
import { REPO_ROOT, tempDir } from './fixtures';

export const PCC_BIN = path.join(REPO_ROOT, 'bin', 'pcc.js');

export interface TestEnv {
  dataDir: string;
  env: NodeJS.ProcessEnv;
}

/** Environment for pcc child processes: own data dir; TEMPORAL_ADDRESS when a test server is shared. */
let environments = 0;

/**
 * The Temporal port of a test's own dev server: each jest worker has its own range (ui ports
 * 1000 above), so files running in parallel never race for the default 7233.
 */
function workerTemporalPort(): string {
  const worker = Number(process.env.JEST_WORKER_ID) || 1;
  return String(20_000 + worker * 2000 + (environments++ % 1000));
}

export function testEnv(extra: NodeJS.ProcessEnv = {}, dataDir = tempDir('pcc-data-')): TestEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PCC_DATA_DIR: dataDir,
    FORCE_COLOR: '0',
    PCC_TEMPORAL_PORT: workerTemporalPort(),
    ...extra,
  };
  delete env.TEMPORAL_ADDRESS;
  if (extra.TEMPORAL_ADDRESS) env.TEMPORAL_ADDRESS = extra.TEMPORAL_ADDRESS;
  return { dataDir, env };
}

/** A real Temporal dev server with its own SQLite history, as pcc itself starts it. */
export async function startTestServer(
  dataDir = tempDir('pcc-temporal-'),
  port?: number,
): Promise<TemporalEndpoint> {
  const config = readConfig({
    ...process.env,
    PCC_DATA_DIR: dataDir,
    PCC_TEMPORAL_PORT: port ? String(port) : workerTemporalPort(),
  });
  return startDevServer(config, { install: true });
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

export function startPcc(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Proc {
  return procOf(spawn(process.execPath, [PCC_BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
}

function procOf(child: ChildProcess): Proc {
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/**
 * Another machine's view of this one, as far as files go: pcc runs in its own mount namespace
 * where `hide` is an empty folder and its contents appear at `at` instead. Needs unshare(1) and
 * the right to mount (root, as in CI); `mountNamespaces()` says whether this machine allows it.
 */
export function startPccElsewhere(args: string[], env: NodeJS.ProcessEnv, hide: string, at: string): Proc {
  fs.mkdirSync(at, { recursive: true });
  const script = 'mount --bind "$1" "$2" && mount -t tmpfs none "$1" && shift 2 && exec "$@"';
  return procOf(
    spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        script,
        'sh',
        hide,
        at,
        process.execPath,
        PCC_BIN,
        ...args,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
}

let namespaces: boolean | undefined;

export function mountNamespaces(): boolean {
  namespaces ??=
    spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs none /mnt'], {
      stdio: 'ignore',
    }).status === 0;
  return namespaces;
}

/** Runs pcc to completion; fails the test with its output when the exit code differs. */
export async function runPcc(
  args: string[],
  env: NodeJS.ProcessEnv,
  expectCode = 0,
  cwd?: string,
): Promise<string> {
  const p = startPcc(args, env, cwd);
  const code = await p.exited;
  if (code !== expectCode)
    throw new Error(`pcc ${args.join(' ')} exited ${code}, expected ${expectCode}:\n${p.output()}`);
  return p.output();
}

export function killHard(p: Proc | number): void {
  const pid = typeof p === 'number' ? p : (p.child.pid as number);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Stops a dev server left running by a pcc process (found through its state file). */
export function stopLeftoverServer(dataDir: string): void {
  const state = path.join(dataDir, 'temporal-server.json');
  if (!fs.existsSync(state)) return;
  const { pid } = JSON.parse(fs.readFileSync(state, 'utf8')) as { pid: number };
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    killHard(pid);
  }
}

/** One line of `pcc export captions` (the fields tests read). */
export interface CaptionRow {
  rel_path: string;
  status: string;
  caption: string | null;
  model?: string;
  reason?: string | null;
  duplicate_of?: string | null;
}

/** `pcc export captions` of the env's data folder, one parsed row per line. */
export async function exportedCaptions(env: NodeJS.ProcessEnv, dataDir: string): Promise<CaptionRow[]> {
  const file = path.join(dataDir, `captions-${Date.now()}.jsonl`);
  await runPcc(['export', 'captions', '--out', file], env);
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CaptionRow);
}

/** A port nothing listens on right now (for servers a test starts and restarts on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
