import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import { endBatchReader } from './exiftool-batch';
import { processConfig } from '../config';

let instance: ExifTool | undefined;

/**
 * One ExifTool pool per process (each member is a long-lived `exiftool -stay_open` Perl process).
 * PCC_EXIFTOOL_PROCS sizes it; it is ended when the process exits.
 */
export function exiftool(): ExifTool {
  if (!instance) {
    instance = new ExifTool({
      maxProcs: processConfig().tuning.exiftoolProcs,
      taskTimeoutMillis: 60_000,
    });
    process.once('beforeExit', () => void instance?.end());
  }
  return instance;
}

export async function endExiftool(): Promise<void> {
  endBatchReader();
  const current = instance;
  instance = undefined;
  await current?.end();
}

/** The Perl ExifTool script exiftool-vendored ships (for batch runs outside its process pool). */
export function exiftoolScript(): string {
  return path.join(path.dirname(require.resolve('exiftool-vendored.pl/package.json')), 'bin', 'exiftool');
}
