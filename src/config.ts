import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';

/** Settings shared by every pcc process, read from the environment and an optional `config.env`. */
export interface PccConfig {
  dataDir: string;
  /** Unset: pcc starts (or reuses) its embedded Temporal dev server. */
  temporalAddress?: string;
  temporalNamespace: string;
  /** Explicit path of the `temporal` CLI binary. */
  temporalCli?: string;
  /** Port for the embedded dev server (the UI listens on port + 1000). */
  temporalPort?: number;
  /** Where pcc installs tools it fetches itself (the Temporal CLI). */
  toolsDir: string;
  logLevel: string;
  /** Host names the API answers besides the loopback names and its bind address (PCC_API_ALLOWED_HOSTS). */
  apiAllowedHosts: string[];
  /** Origins allowed to call the API from another site (PCC_API_CORS_ORIGINS); none by default. */
  apiCorsOrigins: string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The pcc package folder (this file lives in src/ or dist/). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..');

/**
 * Loads `config.env` from the working directory (if any) into process.env without overriding
 * variables already set, so the shell always wins over the file.
 */
export function loadConfigEnvFile(file = path.resolve('config.env')): void {
  if (!fs.existsSync(file)) return;
  const parsed = util.parseEnv(fs.readFileSync(file, 'utf8'));
  for (const [k, v] of Object.entries(parsed)) {
    if (process.env[k] === undefined) process.env[k] = v;
  }
}

function defaultDataDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'pcc');
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): PccConfig {
  let temporalPort: number | undefined;
  if (env.PCC_TEMPORAL_PORT) {
    temporalPort = Number(env.PCC_TEMPORAL_PORT);
    if (!Number.isInteger(temporalPort) || temporalPort < 1 || temporalPort > 64535) {
      throw new ConfigError(
        `PCC_TEMPORAL_PORT must be a port number below 64536, got "${env.PCC_TEMPORAL_PORT}"`,
      );
    }
  }
  const address = env.TEMPORAL_ADDRESS?.trim();
  if (address && !/^[\w.-]+:\d+$/.test(address)) {
    throw new ConfigError(
      `TEMPORAL_ADDRESS must look like host:port (e.g. 127.0.0.1:7233), got "${address}"`,
    );
  }
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  const apiCorsOrigins = list(env.PCC_API_CORS_ORIGINS);
  for (const origin of apiCorsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        `PCC_API_CORS_ORIGINS takes origins like http://nas.local:8080 (scheme, host, optional port), got "${origin}"`,
      );
    }
  }
  const apiAllowedHosts = list(env.PCC_API_ALLOWED_HOSTS).map((h) => h.toLowerCase());
  for (const host of apiAllowedHosts) {
    if (!/^[a-z0-9.-]+$|^\[[0-9a-f:]+\]$/.test(host)) {
      throw new ConfigError(`PCC_API_ALLOWED_HOSTS takes host names without ports, got "${host}"`);
    }
  }
  return {
    apiAllowedHosts,
    apiCorsOrigins,
    dataDir: path.resolve(env.PCC_DATA_DIR || defaultDataDir(env)),
    temporalAddress: address || undefined,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    temporalCli: env.TEMPORAL_CLI || undefined,
    temporalPort,
    toolsDir: path.resolve(env.PCC_TOOLS_DIR || path.join(PACKAGE_ROOT, '.tools')),
    logLevel: env.PCC_LOG_LEVEL || 'info',
  };
}
