import { loadConfigEnvFile, readConfig, type PccConfig } from '../config';
import { Catalog } from '../catalog/catalog';
import { consoleLine } from '../logging/logger';

/** Thrown for user mistakes: printed as one line, exit code 2, no stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Runs `fn`, turning what it throws into a UsageError (one line, exit code 2): for lookups of user input. */
export function asUsageError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function cliConfig(): PccConfig {
  loadConfigEnvFile();
  return readConfig();
}

/** Opens the catalog for `fn` (sync or async) and closes it when `fn` is done. */
export function withCatalog<T>(config: PccConfig, fn: (catalog: Catalog) => T): T {
  const catalog = Catalog.open(config.dataDir);
  let result: T;
  try {
    result = fn(catalog);
  } catch (err) {
    catalog.close();
    throw err;
  }
  if (result instanceof Promise) return result.finally(() => catalog.close()) as T;
  catalog.close();
  return result;
}

export const info = (message: string, fields?: Record<string, unknown>) =>
  consoleLine('info', message, fields);

export function toNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`${name} must be a number, got "${value}"`);
  return n;
}

export function toInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`${name} must be a whole number, got "${value}"`);
  return n;
}

/** A file name or model text for a terminal line: control characters (newlines, escapes) shown as \xNN. */
export function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this escapes
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** The run a command works on: `--run` (run id or workflow id), else the newest clustered run. */
export function clusteredRun(catalog: Catalog, id: string | undefined): string {
  if (id) {
    const run = catalog.runs.run(id);
    if (!run) throw new UsageError(`no run ${id} in the catalog`);
    return run.id;
  }
  const runId = catalog.clusters.latestClusteredRunId();
  if (!runId) throw new UsageError('no clustered run yet: start one with `pcc run <dir> --cluster`');
  return runId;
}
