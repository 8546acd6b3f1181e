/**
 * Ctrl-C and SIGTERM for long-running commands (`pcc server`, `pcc worker`, `pcc run`): the first
 * signal stops gracefully what this process started (workers drain, its own Temporal dev server
 * stops, the state file goes); a second one forces — it kills what is left and exits at once.
 */
import { info } from './context';

export interface InterruptHandlers {
  /** The graceful stop; the process exits with `exitCode` once it settles. */
  graceful: () => Promise<void>;
  /** Synchronous last resort on the second signal (kill child process groups, remove state files). */
  force: () => void;
  exitCode?: number;
}

export function handleInterrupts(handlers: InterruptHandlers): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      info(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping … (press Ctrl-C again to force)`);
      void handlers
        .graceful()
        .catch((err: Error) => info(`stopped with an error: ${err.message}`))
        .finally(() => process.exit(handlers.exitCode ?? 0));
      return;
    }
    info('forcing the stop');
    try {
      handlers.force();
    } finally {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Runs `fn` once, however often it is called; every call gets the same promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
