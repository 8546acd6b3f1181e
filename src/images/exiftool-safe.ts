/**
 * How untrusted names and values reach ExifTool — the one module that decides it.
 *
 * ExifTool reads its arguments one per line (the `-stay_open` stream and `-@` argfiles), trims
 * each line and skips lines that start with `#`. A line break inside a file name or a caption would
 * therefore start a new argument — an option, and `-if EXPR` evaluates Perl. So:
 * - every argument is checked to be one clean line before it is sent (`assertSafeArguments`);
 * - a path that could not travel as one clean line (line breaks, control characters, edge
 *   whitespace) is passed as a safe-named symlink in a private temp dir (`ExiftoolAliases`), and a
 *   sidecar with such a name is written under a safe name and then moved into place by Node;
 * - values (captions, keywords) never travel as arguments: they go into a JSON file that ExifTool
 *   imports with `-json=FILE`, which keeps them byte for byte (`tagsJson`).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One argument that ExifTool reads back exactly as given: a single line it will not trim or skip. */
export function isSafeArgument(arg: string): boolean {
  // C0 and C1 controls, DEL, Unicode line/paragraph separators; NUL cannot be passed at all.
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(arg)) return false;
  if (arg !== arg.trim()) return false;
  return !arg.startsWith('#');
}

export class UnsafeArgumentError extends Error {
  override name = 'UnsafeArgumentError';
}

/** Refuses to send any argument that would split into several or be altered on the way in. */
export function assertSafeArguments(args: readonly string[]): void {
  for (const arg of args) {
    if (!isSafeArgument(arg)) {
      throw new UnsafeArgumentError(
        `refusing to pass an unsafe argument to ExifTool: ${JSON.stringify(arg)}`,
      );
    }
  }
}

/** A path ExifTool can take as it is: absolute (never an option) and one safe line. */
export function isSafePath(absPath: string): boolean {
  return path.isAbsolute(absPath) && isSafeArgument(absPath);
}

/** The extension ExifTool may use as a file-type hint, when it is plain. */
function plainExtension(p: string): string {
  const ext = path.extname(p);
  return /^\.[A-Za-z0-9]{1,10}$/.test(ext) ? ext : '';
}

export interface WriteTarget {
  /** The path to give ExifTool. */
  exiftoolPath: string;
  /** Moves what ExifTool wrote to the real target (a no-op when it wrote there itself). */
  commit(): Promise<void>;
}

/**
 * Safe stand-ins for paths ExifTool cannot take as they are, in a private (0700) temp dir.
 * Call `dispose()` when the ExifTool work is done.
 */
export class ExiftoolAliases {
  private dir?: string;
  private next = 0;
  private readonly byAlias = new Map<string, string>();

  private folder(): string {
    this.dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-exiftool-'));
    return this.dir;
  }

  private fresh(ext: string): string {
    return path.join(this.folder(), `f${this.next++}${ext}`);
  }

  /** The path to read `absPath` through: itself when safe, else a symlink to it. */
  forRead(absPath: string): string {
    if (isSafePath(absPath)) return absPath;
    const alias = this.fresh(plainExtension(absPath));
    fs.symlinkSync(path.resolve(absPath), alias);
    this.byAlias.set(alias, absPath);
    return alias;
  }

  /**
   * Where ExifTool should write `target` (a sidecar): itself when safe; otherwise a private copy
   * (of the existing file, if any) that `commit()` then moves next to the photo under its real name.
   */
  async forWrite(target: string): Promise<WriteTarget> {
    if (isSafePath(target)) return { exiftoolPath: target, commit: async () => undefined };
    const stand = this.fresh(plainExtension(target) || '.xmp');
    try {
      await fs.promises.copyFile(target, stand);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.byAlias.set(stand, target);
    return {
      exiftoolPath: stand,
      commit: async () => {
        // Copy beside the target first, then rename: the sidecar appears whole or not at all.
        // Unique across concurrent writers in this process and others (two chunks may share a folder).
        const beside = path.join(path.dirname(target), `.pcc-${randomUUID()}.tmp`);
        try {
          await fs.promises.copyFile(stand, beside);
          await fs.promises.rename(beside, target);
        } finally {
          await fs.promises.rm(beside, { force: true });
        }
      },
    };
  }

  /** The real path behind a path ExifTool reported (its SourceFile). */
  original(exiftoolPath: string): string {
    return this.byAlias.get(exiftoolPath) ?? exiftoolPath;
  }

  dispose(): void {
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.byAlias.clear();
  }
}

/** Runs `fn` with a fresh set of aliases, removed afterwards whatever happens. */
export async function withAliases<T>(fn: (aliases: ExiftoolAliases) => Promise<T>): Promise<T> {
  const aliases = new ExiftoolAliases();
  try {
    return await fn(aliases);
  } finally {
    aliases.dispose();
  }
}

/**
 * ExifTool's JSON import decodes a string that starts with `base64:` as binary; such a value is
 * sent base64-encoded itself, so that it decodes back to exactly the text.
 */
function jsonValue(value: string): string {
  return value.startsWith('base64:') ? `base64:${Buffer.from(value, 'utf8').toString('base64')}` : value;
}

/**
 * Text as XMP (XML 1.0) can hold it: the C0 controls other than tab, line feed and carriage return,
 * and U+FFFE/U+FFFF, are dropped (ExifTool would turn them into dots or garbage).
 */
export function xmpText(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/gu, '');
}

/** The body of a `-json=FILE` import that sets `tags` on whichever file it is applied to. */
export function tagsJson(tags: Record<string, string | string[]>): string {
  const row: Record<string, string | string[]> = { SourceFile: '*' };
  for (const [tag, value] of Object.entries(tags)) {
    row[tag] = Array.isArray(value) ? value.map((v) => jsonValue(xmpText(v))) : jsonValue(xmpText(value));
  }
  return JSON.stringify([row]);
}

/**
 * Options for reading ExifTool's JSON exactly: numbers quoted (a keyword "007" stays "007"),
 * file names as UTF-8.
 */
export const EXACT_JSON_READ = ['-json', '-api', 'structformat=jsonq', '-charset', 'filename=utf8'];
