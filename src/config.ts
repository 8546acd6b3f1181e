import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { ConfigError } from './config-error';
import { isWebOrigin } from './net/access';
import { parseCodecKeys, type CodecKey } from './temporal/codec-keys';
import { parsePathMap, type PathMapEntry } from './workers/path-map';

export { ConfigError };

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
  api: { host: string; port: number; token?: string };
  /** The library `pcc run` takes when given no folder and pcc.yaml names none (PHOTOS_DIR). */
  photosDir?: string;
  /** The run options file named by PCC_CONFIG. */
  runConfigFile?: string;
  /** Per-process tuning knobs (PCC_* variables), validated here once. */
  tuning: Tuning;
  /**
   * Workflow-history encryption (src/temporal/payload-codec.ts): keys from PCC_CODEC_KEYS, the data
   * folder's own key file when none are given ('auto'), or off (PCC_CODEC=off).
   */
  codec: { mode: 'keys'; keys: CodecKey[] } | { mode: 'auto' } | { mode: 'off' };
  /**
   * A worker on another machine: the catalog host's paths (library, data folder) → this machine's
   * (PCC_PATH_MAP `FROM=TO;FROM=TO`, or `pcc worker --path-map`).
   */
  pathMap: PathMapEntry[];
  /** Bearer token `pcc codec-server` requires (PCC_CODEC_SERVER_TOKEN); none: loopback callers only. */
  codecServerToken?: string;
}

export interface Tuning {
  /** Long edge of the proxy JPEG compute stages read (PCC_PROXY_LONG_EDGE). */
  proxyLongEdge: number;
  /** Photos a load activity decodes at once (PCC_DECODE_CONCURRENCY). */
  decodeConcurrency: number;
  /** ExifTool processes of the exiftool-vendored pool (PCC_EXIFTOOL_PROCS). */
  exiftoolProcs: number;
  /** libvips threads per photo (PCC_SHARP_THREADS). */
  sharpThreads: number;
  /** HEIC/JXL/TIFF fallback decoder threads (PCC_WASM_DECODE_THREADS); undefined: min(2, cores). */
  wasmDecodeThreads?: number;
  /** UMAP layout threads (PCC_CLUSTER_THREADS); undefined: up to 4 cores. */
  clusterThreads?: number;
  /** Local models: auto, cpu or cuda (PCC_DEVICE), and which GPU (PCC_CUDA_DEVICE_ID). */
  device: 'auto' | 'cpu' | 'cuda';
  cudaDeviceId: number;
  /** Reload local model sessions after N photos; 0 = never (PCC_RECYCLE_AFTER, --recycle-after). */
  recycleAfter: number;
  /** Local models on the CPU: onnxruntime threads per session (PCC_INFERENCE_THREADS); undefined: one per core. */
  inferenceThreads?: number;
  /** Let onnxruntime's threads busy-wait between runs (PCC_INFERENCE_SPIN=1); off: they share the cores. */
  inferenceSpin: boolean;
  /** Temporal SDK log level on the console (PCC_TEMPORAL_LOG_LEVEL). */
  temporalLogLevel: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';
}

function readTuning(env: NodeJS.ProcessEnv): Tuning {
  const int = (name: string, fallback: number | undefined, min: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min)
      throw new ConfigError(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = raw.toUpperCase() === raw && allowed.includes(raw as T) ? raw : raw.toLowerCase();
    if (!allowed.includes(value as T))
      throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return value as T;
  };
  return {
    proxyLongEdge: int('PCC_PROXY_LONG_EDGE', 1024, 64) as number,
    decodeConcurrency: int('PCC_DECODE_CONCURRENCY', 4, 1) as number,
    exiftoolProcs: int('PCC_EXIFTOOL_PROCS', 2, 1) as number,
    sharpThreads: int('PCC_SHARP_THREADS', 1, 1) as number,
    wasmDecodeThreads: int('PCC_WASM_DECODE_THREADS', undefined, 1),
    clusterThreads: int('PCC_CLUSTER_THREADS', undefined, 1),
    device: oneOf('PCC_DEVICE', ['auto', 'cpu', 'cuda'] as const, 'auto'),
    cudaDeviceId: int('PCC_CUDA_DEVICE_ID', 0, 0) as number,
    recycleAfter: int('PCC_RECYCLE_AFTER', 0, 0) as number,
    inferenceThreads: int('PCC_INFERENCE_THREADS', undefined, 1),
    inferenceSpin: oneOf('PCC_INFERENCE_SPIN', ['0', '1'] as const, '0') === '1',
    temporalLogLevel: oneOf('PCC_TEMPORAL_LOG_LEVEL', ['ERROR', 'WARN', 'INFO', 'DEBUG'] as const, 'WARN'),
  };
}

let processWide: PccConfig | undefined;

/**
 * This process's config, read from its environment once. For code that runs where no config is
 * handed in (module setup, worker threads); everything else takes the config it is given.
 */
export function processConfig(): PccConfig {
  processWide ??= readConfig(process.env);
  return processWide;
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
    if (!isWebOrigin(origin)) {
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
  const apiPort = Number(env.PCC_API_PORT || 3000);
  if (!Number.isInteger(apiPort) || apiPort < 1 || apiPort > 65535)
    throw new ConfigError(`PCC_API_PORT must be a port number, got "${env.PCC_API_PORT}"`);
  const codecSwitch = (env.PCC_CODEC || 'on').toLowerCase();
  if (codecSwitch !== 'on' && codecSwitch !== 'off')
    throw new ConfigError(`PCC_CODEC must be on or off, got "${env.PCC_CODEC}"`);
  const codec: PccConfig['codec'] =
    codecSwitch === 'off'
      ? { mode: 'off' }
      : env.PCC_CODEC_KEYS?.trim()
        ? { mode: 'keys', keys: parseCodecKeys(env.PCC_CODEC_KEYS, 'PCC_CODEC_KEYS') }
        : { mode: 'auto' };
  // ';' separates entries: library paths may well hold commas.
  const pathMap = parsePathMap(
    (env.PCC_PATH_MAP ?? '')
      .split(';')
      .map((e) => e.trim())
      .filter(Boolean),
    'PCC_PATH_MAP',
  );
  return {
    pathMap,
    api: { host: env.PCC_API_HOST || '127.0.0.1', port: apiPort, token: env.PCC_API_TOKEN || undefined },
    tuning: readTuning(env),
    codec,
    codecServerToken: env.PCC_CODEC_SERVER_TOKEN || undefined,
    photosDir: env.PHOTOS_DIR ? path.resolve(env.PHOTOS_DIR.replace(/^~(?=$|\/)/, os.homedir())) : undefined,
    runConfigFile: env.PCC_CONFIG ? path.resolve(env.PCC_CONFIG) : undefined,
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
