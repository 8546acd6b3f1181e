/**
 * A machine setting is missing or malformed: printed as one line naming the variable. In a module
 * of its own so the parsers readConfig calls (codec keys, path maps) throw it without importing
 * config.ts back.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
