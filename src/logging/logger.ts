import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

/** Keys whose values never reach a log line, whatever object they appear in. */
const REDACT = [
  '*.apiKey',
  '*.api_key',
  '*.authorization',
  '*.Authorization',
  '*.token',
  '*.password',
  '*.secret',
  'apiKey',
  'authorization',
  'token',
  'password',
  'secret',
  ...[
    'OPENAI_API_KEY',
    'ANTHROPIC_API_KEY',
    'GEMINI_API_KEY',
    'XAI_API_KEY',
    'PCC_CODEC_KEYS',
    'PCC_CODEC_SERVER_TOKEN',
  ].flatMap((k) => [k, `*.${k}`]),
];

const runLoggers = new Map<string, Logger>();

export function runLogPath(dataDir: string, runId: string): string {
  return path.join(dataDir, 'logs', 'runs', `${runId}.jsonl`);
}

/**
 * The structured JSON log of one run: every process that works on the run (several workers,
 * possibly on several machines sharing PCC_DATA_DIR) appends to the same file.
 */
export function runLogger(dataDir: string, runId: string): Logger {
  let logger = runLoggers.get(runId);
  if (!logger) {
    const file = runLogPath(dataDir, runId);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    logger = pino(
      { base: { runId, pid: process.pid }, redact: { paths: REDACT, censor: '[redacted]' } },
      pino.destination({ dest: file, append: true, sync: true }),
    );
    runLoggers.set(runId, logger);
  }
  return logger;
}

/** Human-readable console lines for the CLI and services: `12:03:04 WARN message key=value`. */
export function consoleLine(
  level: 'info' | 'warn' | 'error',
  message: string,
  fields: Record<string, unknown> = {},
): void {
  const time = new Date().toISOString().slice(11, 19);
  const extra = Object.entries(fields)
    .filter(([k]) => !REDACT.includes(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const line = `${time} ${level.toUpperCase().padEnd(5)} ${message}${extra ? ` ${extra}` : ''}`;
  (level === 'info' ? process.stdout : process.stderr).write(`${line}\n`);
}
