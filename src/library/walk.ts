import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { classifyFile, type FileKind } from './formats';

export interface WalkOptions {
  include: string[];
  exclude: string[];
}

export interface FoundFile {
  root: string;
  absPath: string;
  /** Relative to its root, always with forward slashes. */
  relPath: string;
  kind: FileKind;
}

export interface WalkProblem {
  absPath: string;
  reason: string;
}

/**
 * Walks library roots depth first in sorted order, following symlinks but never entering the same
 * directory twice (keyed by device + inode), so symlink cycles end. Problems (permission denied,
 * dangling links) are reported, never thrown: one bad folder must not stop a 40k-photo scan.
 */
export async function* walkLibrary(
  roots: string[],
  options: WalkOptions,
  onProblem: (p: WalkProblem) => void,
): AsyncGenerator<FoundFile> {
  const included = options.include.length ? picomatch(options.include, { dot: true, nocase: true }) : null;
  const excluded = options.exclude.length ? picomatch(options.exclude, { dot: true, nocase: true }) : null;
  const visited = new Set<string>();

  // Depth first, entries in byte order, so batches follow the folder structure.
  async function* walkDir(root: string, dir: string): AsyncGenerator<FoundFile> {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(dir);
    } catch (err) {
      onProblem({ absPath: dir, reason: (err as Error).message });
      return;
    }
    const key = `${st.dev}:${st.ino}`;
    if (visited.has(key)) return;
    visited.add(key);

    let entries: Array<fs.Dirent<Buffer>>;
    try {
      // Names as raw bytes: a name that is not valid UTF-8 cannot be opened through a JS string.
      entries = await fs.promises.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      onProblem({ absPath: dir, reason: (err as Error).message });
      return;
    }
    const named = entries.map((entry) => ({ entry, name: entry.name.toString('utf8') }));
    named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const { entry, name } of named) {
      const absPath = path.join(dir, name);
      if (!Buffer.from(name, 'utf8').equals(entry.name)) {
        onProblem({
          absPath,
          reason:
            `the name is not valid UTF-8 (bytes ${entry.name.toString('hex')}), so it cannot be kept in the ` +
            'catalog; rename it (e.g. `convmv -f latin1 -t utf8 --notest`) and run again',
        });
        continue;
      }
      const relPath = path.relative(root, absPath).split(path.sep).join('/');
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = await fs.promises.stat(absPath);
          isDir = target.isDirectory();
          isFile = target.isFile();
        } catch (err) {
          onProblem({ absPath, reason: `broken symlink: ${(err as Error).message}` });
          continue;
        }
      }
      if (isDir) {
        if (excluded && (excluded(relPath) || excluded(`${relPath}/`))) continue;
        yield* walkDir(root, absPath);
      } else if (isFile) {
        if (excluded?.(relPath)) continue;
        if (included && !included(relPath)) continue;
        yield { root, absPath, relPath, kind: classifyFile(name) };
      }
    }
  }

  for (const root of roots) yield* walkDir(root, root);
}
