/**
 * A long-lived `exiftool -stay_open` process that reads many files per request (one -execute with
 * all of a batch's paths, JSON out). exiftool-vendored sends one file per request; for the
 * per-batch inventory one request per batch costs a fraction, and Perl starts once per worker.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { exiftoolScript } from './exiftool';
import { assertSafeArguments } from './exiftool-safe';

interface Pending {
  id: number;
  resolve: (json: string) => void;
  reject: (err: Error) => void;
}

export class ExiftoolBatchReader {
  private child?: ChildProcessWithoutNullStreams;
  private buffer = '';
  private queue: Pending[] = [];
  private nextId = 1;
  private chain: Promise<unknown> = Promise.resolve();

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn('perl', [exiftoolScript(), '-stay_open', 'True', '-@', '-'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (;;) {
        const m = /\{ready(\d+)\}\r?\n?/.exec(this.buffer);
        if (!m) break;
        const body = this.buffer.slice(0, m.index);
        this.buffer = this.buffer.slice(m.index + m[0].length);
        const pending = this.queue.shift();
        pending?.resolve(body);
      }
    });
    child.stderr.on('data', () => undefined);
    child.once('exit', () => {
      this.child = undefined;
      for (const p of this.queue.splice(0)) p.reject(new Error('exiftool exited'));
    });
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    this.child = child;
    return child;
  }

  /**
   * Runs one request (args, one per line) and returns ExifTool's stdout for it. Each argument must
   * be one safe line (see exiftool-safe.ts): anything else is refused before it reaches ExifTool.
   */
  run(args: string[]): Promise<string> {
    try {
      assertSafeArguments(args);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const task = this.chain.then(
      () =>
        new Promise<string>((resolve, reject) => {
          const child = this.child ?? this.start();
          const id = this.nextId++;
          this.queue.push({ id, resolve, reject });
          child.stdin.write(`${[...args, `-execute${id}`].join('\n')}\n`);
        }),
    );
    this.chain = task.catch(() => undefined);
    return task;
  }

  end(): void {
    if (!this.child) return;
    this.child.stdin.write('-stay_open\nFalse\n');
    this.child.stdin.end();
    this.child = undefined;
  }
}

let shared: ExiftoolBatchReader | undefined;

export function batchReader(): ExiftoolBatchReader {
  if (!shared) {
    shared = new ExiftoolBatchReader();
    process.once('exit', () => shared?.end());
  }
  return shared;
}

export function endBatchReader(): void {
  shared?.end();
  shared = undefined;
}
