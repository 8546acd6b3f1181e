/**
 * `--path-map FROM=TO` (PCC_PATH_MAP): a worker on another machine sees the catalog host's folders
 * under other paths — the library mounted at /mnt/photos instead of /photos, the data folder's
 * proxies/ and staging/ over NFS. Every path in activity payloads is in the catalog host's terms;
 * this worker maps the paths it is given to its own (longest FROM first, whole path components
 * only), and the files it writes back to the catalog host's.
 */
import path from 'node:path';
import { ConfigError } from '../config-error';

export interface PathMapEntry {
  from: string;
  to: string;
}

/** Parses `FROM=TO` entries; both sides absolute. */
export function parsePathMap(entries: readonly string[], source: string): PathMapEntry[] {
  return entries.map((entry) => {
    const at = entry.indexOf('=');
    const from = at > 0 ? entry.slice(0, at).trim() : '';
    const to = at > 0 ? entry.slice(at + 1).trim() : '';
    if (!path.isAbsolute(from) || !path.isAbsolute(to)) {
      throw new ConfigError(
        `${source} takes FROM=TO with two absolute paths (the catalog host's, then this machine's), got ${JSON.stringify(entry)}`,
      );
    }
    return { from: path.resolve(from), to: path.resolve(to) };
  });
}

function swap(p: string, pairs: ReadonlyArray<[string, string]>): string {
  for (const [a, b] of pairs) {
    if (p === a) return b;
    if (p.startsWith(a.endsWith(path.sep) ? a : a + path.sep)) return b + p.slice(a.length);
  }
  return p;
}

export class PathMap {
  private readonly toLocalPairs: Array<[string, string]>;
  private readonly toSharedPairs: Array<[string, string]>;

  constructor(entries: readonly PathMapEntry[]) {
    const byLength = (x: [string, string], y: [string, string]) => y[0].length - x[0].length;
    this.toLocalPairs = entries.map((e): [string, string] => [e.from, e.to]).sort(byLength);
    this.toSharedPairs = entries.map((e): [string, string] => [e.to, e.from]).sort(byLength);
  }

  /** A catalog-host path as this machine sees it. */
  toLocal(p: string): string {
    return swap(p, this.toLocalPairs);
  }

  /** A path on this machine in the catalog host's terms (files handed back to io). */
  toShared(p: string): string {
    return swap(p, this.toSharedPairs);
  }
}

/**
 * Payload fields that hold file paths. Mapped by name, so captions, tags and other text that
 * happens to look like a path are never rewritten.
 */
const PATH_FIELDS = new Set([
  'proxyPath',
  'thumbPath',
  'absPath',
  'file',
  'files',
  'imageFile',
  'captionsFile',
  'stagingDir',
]);

/** A copy of `value` with every path field passed through `fn`. */
export function mapPathFields<T>(value: T, fn: (p: string) => string): T {
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return key !== undefined && PATH_FIELDS.has(key) ? fn(v) : v;
    if (Array.isArray(v)) return v.map((item) => walk(item, key === 'files' ? key : undefined));
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, k)]));
    return v;
  };
  return walk(value) as T;
}
