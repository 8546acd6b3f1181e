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

const SECRET_NAME = /(KEYS?|TOKEN|SECRET|PASSWORD)$/i;

/**
 * `text` with the value of every secret-looking variable in `env` (…_KEY, …_TOKEN, …_SECRET,
 * …_PASSWORD) replaced by [redacted]: for text that came back from a provider (an error quoting the
 * key) and is about to be written to a file that may be committed or shared.
 */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv): string {
  let out = text;
  for (const [name, value] of Object.entries(env)) {
    const secret = value?.trim();
    if (secret && secret.length >= 8 && SECRET_NAME.test(name)) out = out.split(secret).join('[redacted]');
  }
  return out;
}
