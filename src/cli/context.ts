import { loadConfigEnvFile, readConfig, type PccConfig } from '../config';
import { Catalog } from '../catalog/catalog';
import { consoleLine } from '../logging/logger';

/** Thrown for user mistakes: printed as one line, exit code 2, no stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function cliConfig(): PccConfig {
  loadConfigEnvFile();
  return readConfig();
}

export function withCatalog<T>(config: PccConfig, fn: (catalog: Catalog) => T): T {
  const catalog = Catalog.open(config.dataDir);
  try {
    return fn(catalog);
  } finally {
    catalog.close();
  }
}

export const info = (message: string, fields?: Record<string, unknown>) =>
  consoleLine('info', message, fields);
