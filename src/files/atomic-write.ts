/**
 * Files that appear whole or not at all: written under a temporary name beside the target (same
 * file system), then renamed over it. A crash leaves the old file or the new one, never half.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

function tempBeside(file: string): string {
  // Unique per write: two writers of one file (or folder) never share a temporary name.
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID().slice(0, 8)}.tmp`);
}

export function writeFileAtomic(file: string, content: string | NodeJS.ArrayBufferView): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempBeside(file);
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** For large outputs written piece by piece (exports): `write` gets an open descriptor. */
export function writeFileAtomicWith(file: string, write: (fd: number) => void): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = tempBeside(path.resolve(file));
  const fd = fs.openSync(tmp, 'w');
  try {
    try {
      write(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
