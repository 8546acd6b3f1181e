import { ConfigError } from '../config';

export interface KeySpec {
  variable: string;
  /** How a real key starts, for the example in the message and a malformed-key check. */
  example: string;
  pattern: RegExp;
}

/** Missing or malformed keys fail at startup, naming the exact variable and where to put it. */
export function requireKey(env: NodeJS.ProcessEnv, spec: KeySpec): string {
  const value = env[spec.variable]?.trim();
  if (!value) {
    throw new ConfigError(
      `${spec.variable} is not set: add ${spec.variable}=${spec.example} to config.env (or the environment)`,
    );
  }
  if (!spec.pattern.test(value) || /\s/.test(value)) {
    throw new ConfigError(
      `${spec.variable} does not look like a key (expected something like ${spec.example}); check config.env`,
    );
  }
  return value;
}
