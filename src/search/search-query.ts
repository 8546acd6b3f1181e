/**
 * What a search asks for, and the one table its CLI flags and API query parameters come from, so
 * `pcc search --camera x100` and `GET /search?camera=x100` cannot drift apart. Values arrive as
 * strings from both (argv, a query string) and are parsed and checked here, once.
 */
import { PHOTO_STATUSES, type PhotoStatus } from '../shared/status';

export type Presence = 'only' | 'exclude';

export interface SearchFilters {
  /** Resolved capture date, inclusive: YYYY, YYYY-MM or YYYY-MM-DD. */
  from?: string;
  to?: string;
  /** Words of the camera make and model (case-insensitive substring). */
  camera?: string;
  lens?: string;
  /** A glob over paths relative to the library root (`2019/**`, `**\/Venice*`). */
  folder?: string;
  /** A keyword (`glass`, `CK|studio`, `AI|murano`) that is not rejected. */
  keyword?: string;
  /** A run's photos only (its id or workflow id); `cluster` needs one and defaults to the latest clustered run. */
  run?: string;
  cluster?: number;
  people?: Presence;
  private?: Presence;
  /** The photo's caption status. */
  status?: PhotoStatus;
  hasGps?: boolean;
}

export interface SearchQuery extends SearchFilters {
  /** The words; may be empty when filters alone choose the photos. */
  text: string;
  /** Results below this fused score (0–1) are left out. */
  minScore: number;
  offset: number;
  limit: number;
}

export const DEFAULT_MIN_SCORE = 0.3;
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 500;

type Kind = 'text' | 'date' | 'number' | 'int' | 'boolean' | 'choice';

export interface SearchOption {
  key: keyof SearchQuery;
  /** The CLI flag and the API query parameter (`--min-score`, `?min-score=`; camelCase works too). */
  name: string;
  kind: Kind;
  help: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  example: string;
}

export const SEARCH_OPTIONS: readonly SearchOption[] = [
  {
    key: 'from',
    name: 'from',
    kind: 'date',
    help: 'taken on or after (YYYY, YYYY-MM, YYYY-MM-DD)',
    example: '2019-05',
  },
  {
    key: 'to',
    name: 'to',
    kind: 'date',
    help: 'taken on or before (YYYY, YYYY-MM, YYYY-MM-DD)',
    example: '2019',
  },
  { key: 'camera', name: 'camera', kind: 'text', help: 'camera make or model contains', example: 'x100' },
  { key: 'lens', name: 'lens', kind: 'text', help: 'lens contains', example: '35mm' },
  {
    key: 'folder',
    name: 'folder',
    kind: 'text',
    help: 'path (relative to the library) matches this glob',
    example: '2019/**',
  },
  {
    key: 'keyword',
    name: 'keyword',
    kind: 'text',
    help: 'has this keyword, not rejected (term or LAYER|term)',
    example: 'CK|studio',
  },
  {
    key: 'run',
    name: 'run',
    kind: 'text',
    help: "only this run's photos (run id or workflow id)",
    example: 'pcc-run-…',
  },
  {
    key: 'cluster',
    name: 'cluster',
    kind: 'int',
    help: 'in this cluster of the run (default the latest clustered run)',
    min: -1,
    example: '3',
  },
  {
    key: 'people',
    name: 'people',
    kind: 'choice',
    choices: ['only', 'exclude'],
    help: 'photos with a person: only, exclude',
    example: 'only',
  },
  {
    key: 'private',
    name: 'private',
    kind: 'choice',
    choices: ['only', 'exclude'],
    help: 'private photos (NSFW, local-only): only, exclude',
    example: 'exclude',
  },
  {
    key: 'status',
    name: 'status',
    kind: 'choice',
    choices: PHOTO_STATUSES,
    help: 'caption status',
    example: 'success',
  },
  {
    key: 'hasGps',
    name: 'has-gps',
    kind: 'boolean',
    help: 'has GPS coordinates: true, false',
    example: 'true',
  },
  {
    key: 'minScore',
    name: 'min-score',
    kind: 'number',
    min: 0,
    max: 1,
    help: `leave out results below this score (0–1, default ${DEFAULT_MIN_SCORE})`,
    example: '0.5',
  },
  {
    key: 'offset',
    name: 'offset',
    kind: 'int',
    min: 0,
    help: 'skip this many results (paging)',
    example: '20',
  },
  {
    key: 'limit',
    name: 'limit',
    kind: 'int',
    min: 1,
    max: MAX_LIMIT,
    help: `results per page (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})`,
    example: '50',
  },
];

/** A value a person can fix: the message names the flag or parameter and what it accepts. */
export class SearchQueryError extends Error {
  override name = 'SearchQueryError';
}

const camel = (name: string) => name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

function parseValue(o: SearchOption, raw: string, label: string): unknown {
  const bad = (what: string) => new SearchQueryError(`${label} ${what}, got "${raw.slice(0, 80)}"`);
  switch (o.kind) {
    case 'text': {
      const text = raw.trim();
      if (!text) throw bad('must not be empty');
      if (text.length > 500) throw new SearchQueryError(`${label} is longer than 500 characters`);
      return text;
    }
    case 'date':
      if (!/^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/.test(raw.trim()))
        throw bad('must be YYYY, YYYY-MM or YYYY-MM-DD');
      return raw.trim();
    case 'choice':
      if (!o.choices!.includes(raw)) throw bad(`must be one of ${o.choices!.join(', ')}`);
      return raw;
    case 'boolean':
      if (['true', 'yes', '1'].includes(raw)) return true;
      if (['false', 'no', '0'].includes(raw)) return false;
      throw bad('must be true or false');
    case 'number':
    case 'int': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (o.kind === 'int' && !Number.isInteger(n)))
        throw bad(`must be ${o.kind === 'int' ? 'a whole number' : 'a number'}`);
      if (o.min !== undefined && n < o.min) throw bad(`must be at least ${o.min}`);
      if (o.max !== undefined && n > o.max) throw bad(`must be at most ${o.max}`);
      return n;
    }
  }
}

/**
 * The query from raw strings (CLI options by key, or an API query string by name or key).
 * Unknown API parameters are refused, so a misspelt filter never silently matches everything.
 */
export function parseSearchQuery(
  text: string | undefined,
  raw: Record<string, unknown>,
  source: 'cli' | 'api',
): SearchQuery {
  const query: SearchQuery = {
    text: (text ?? '').trim().slice(0, 1000),
    minScore: DEFAULT_MIN_SCORE,
    offset: 0,
    limit: DEFAULT_LIMIT,
  };
  const known = new Set<string>(source === 'api' ? ['q'] : []);
  for (const o of SEARCH_OPTIONS) {
    known.add(o.name);
    known.add(camel(o.name));
    const value = raw[o.name] ?? raw[camel(o.name)];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string')
      throw new SearchQueryError(`${source === 'cli' ? `--${o.name}` : o.name} may be given once`);
    const label = source === 'cli' ? `--${o.name}` : `parameter ${o.name}`;
    (query as unknown as Record<string, unknown>)[o.key] = parseValue(o, value, label);
  }
  if (source === 'api')
    for (const name of Object.keys(raw))
      if (!known.has(name))
        throw new SearchQueryError(
          `unknown parameter ${name.slice(0, 40)}; known: q, ${SEARCH_OPTIONS.map((o) => o.name).join(', ')}`,
        );
  if (query.from && query.to && query.from.slice(0, query.to.length) > query.to)
    throw new SearchQueryError(`from ${query.from} is after to ${query.to}`);
  return query;
}

/** The filters a query sets (for "no filters: every photo is a candidate"). */
export function activeFilters(q: SearchQuery): Array<keyof SearchFilters> {
  const keys: Array<keyof SearchFilters> = [
    'from',
    'to',
    'camera',
    'lens',
    'folder',
    'keyword',
    'run',
    'cluster',
    'people',
    'private',
    'status',
    'hasGps',
  ];
  return keys.filter((k) => q[k] !== undefined);
}
