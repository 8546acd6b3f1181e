import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Catalog } from '../../src/catalog/catalog';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const SHARED = path.resolve(REPO_ROOT, '..', 'shared');
export const SAMPLE_LIBRARY = path.join(SHARED, 'photos', 'library');
export const SAMPLE_BROKEN = path.join(SHARED, 'photos', 'broken');

/**
 * Clustering flags for runs on the stand-in CLIP weights: a fixed cosine threshold gives a few
 * small clusters, and every AI term passes the (random) CLIP check, so the pipeline is exercised,
 * not judged.
 */
export const STAND_IN_CLUSTER_FLAGS: readonly string[] = [
  '--cluster',
  '--cluster-mode',
  'cosine-threshold',
  '--cluster-threshold',
  '0.95',
  '--ai-min-score',
  '-1',
];

export function tempDir(prefix = 'pcc-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Copies the sample photos into a temp library (tests never touch ../shared). */
export function makeLibrary(parts: Array<'library' | 'broken'> = ['library', 'broken']): string {
  const root = tempDir('pcc-lib-');
  for (const part of parts) {
    fs.cpSync(part === 'library' ? SAMPLE_LIBRARY : SAMPLE_BROKEN, path.join(root, part), {
      recursive: true,
    });
  }
  return root;
}

/**
 * A small all-JPEG library: copies of the sample library's cameras/ (8 photos) and orientation/
 * (18), the set the cloud, keyword, privacy and studio tests share.
 */
export function jpegLibrary(prefix = 'pcc-jpeglib-'): string {
  const root = tempDir(prefix);
  for (const sub of ['cameras', 'orientation']) {
    fs.mkdirSync(path.join(root, sub));
    for (const f of fs.readdirSync(path.join(SAMPLE_LIBRARY, sub)).filter((f) => f.endsWith('.jpg')))
      fs.copyFileSync(path.join(SAMPLE_LIBRARY, sub, f), path.join(root, sub, f));
  }
  return root;
}

/** Reads a test's catalog (a pcc process wrote it) and closes it again. */
export function catalogOf<T>(dataDir: string, fn: (c: Catalog) => T): T {
  const c = Catalog.open(dataDir);
  try {
    return fn(c);
  } finally {
    c.close();
  }
}

export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

/** SHA-256 of every file (and the file list itself): proves a folder was left untouched. */
export function hashTree(root: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const f of listFiles(root)) {
    const st = fs.statSync(f);
    result[path.relative(root, f)] =
      `${crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')}:${st.mtimeMs}`;
  }
  return result;
}

export function sampleCounts(): { good: number; goodFiles: number; broken: number } {
  // Distinct photos: the library holds byte-identical duplicates (counted once by content hash).
  const files = listFiles(SAMPLE_LIBRARY);
  const hashes = new Set(
    files.map((f) => crypto.createHash('sha1').update(fs.readFileSync(f)).digest('hex')),
  );
  return { good: hashes.size, goodFiles: files.length, broken: listFiles(SAMPLE_BROKEN).length };
}

export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Payloads in the remote codec protocol's JSON, as Temporal's UI sends them (metadata values and
 * data base64), written here independently of the codec server's own reader.
 */
export function codecRequestBody(
  payloads: ReadonlyArray<{ metadata?: Record<string, Uint8Array | null> | null; data?: Uint8Array | null }>,
): string {
  return JSON.stringify({
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? []).toString('base64'),
    })),
  });
}
