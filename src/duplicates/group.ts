/**
 * Duplicate groups over a whole library, as one pure function on typed arrays (no catalog, no I/O),
 * so the CLI, the API and the bench all run the same code and 100k photos stay well under a minute:
 *
 * - exact: one photo (one content hash) seen at two or more paths;
 * - identical: different files showing the same picture (a re-save, a resize, another format):
 *   dHash within a few bits AND CLIP image vectors nearly parallel; without a vector on either side
 *   the dHash alone must be closer still;
 * - burst: similar photos taken within a few seconds of each other, chained, never spanning more
 *   than a minute, and never a photo that already is in an identical group.
 *
 * Identical candidates come from multi-index hashing: split the 64 bits into k > d chunks; two
 * hashes within d bits differ in at most d chunks, so they agree on at least one whole chunk.
 * Bucketing by each chunk and comparing only within buckets replaces n² comparisons by a few per
 * photo. Bursts need no index: sorted by time, each photo only meets the next few seconds.
 */

export type DuplicateKind = 'exact' | 'identical' | 'burst';
export const DUPLICATE_KINDS: readonly DuplicateKind[] = ['exact', 'identical', 'burst'];

/** CLIP image vectors: `row[i]` is photo i's row in `data` (unit length, `dim` floats), −1 without one. */
export interface VectorMatrix {
  dim: number;
  data: Float32Array;
  row: Int32Array;
}

/** One entry per photo; every array is indexed like `photoIds`. */
export interface DuplicateInput {
  photoIds: ArrayLike<number>;
  /** The 64-bit dHash in two halves: `hashHi` holds the first 8 hex digits, `hashLo` the last 8. */
  hashHi: Uint32Array;
  hashLo: Uint32Array;
  /** 1 where the photo has a dHash (omit when every photo has one). */
  hasHash?: Uint8Array;
  /** Paths per photo: two or more make an exact group (omit to find no exact groups). */
  pathCounts?: ArrayLike<number>;
  vectors?: VectorMatrix;
  /** Capture time in ms (any fixed clock: only differences matter); NaN when unknown. */
  takenAtMs?: Float64Array;
}

export interface DuplicateOptions {
  /** Identical: at most this many of the 64 dHash bits differ. */
  maxHashDistance: number;
  /** Identical: and the CLIP image vectors' cosine is at least this. */
  minCosine: number;
  /** Identical when either photo has no vector: the dHash alone, at most this many bits. */
  maxHashDistanceWithoutVector: number;
  /** Burst: taken at most this many seconds after the previous photo of the burst. */
  burstSeconds: number;
  /** Burst: similar when the dHash is within this many bits … */
  burstMaxHashDistance: number;
  /** … or the CLIP cosine is at least this. */
  burstMinCosine: number;
  /** Burst: first to last photo of one group at most this many seconds apart. */
  burstMaxSpanSeconds: number;
  /** A hash chunk shared by more photos than this is degenerate (a flat picture): not compared. */
  maxBucketSize: number;
  /** Burst: each photo is compared with at most this many later ones (many photos in one second). */
  burstMaxNeighbours: number;
}

export const DEFAULT_DUPLICATE_OPTIONS: Readonly<DuplicateOptions> = Object.freeze({
  maxHashDistance: 4,
  minCosine: 0.97,
  maxHashDistanceWithoutVector: 2,
  burstSeconds: 3,
  burstMaxHashDistance: 12,
  burstMinCosine: 0.9,
  burstMaxSpanSeconds: 60,
  maxBucketSize: 4096,
  burstMaxNeighbours: 256,
});

export interface DuplicateGroup {
  kind: DuplicateKind;
  /** Identical: by photo id; burst: by capture time; exact: the one photo. */
  photoIds: number[];
  /** Why these belong together, in words ("dHash 2 bits, cosine 0.991"). */
  reason: string;
  /** The largest dHash distance of a link that made the group (identical, burst). */
  maxHashDistance?: number;
  /** The smallest cosine of a link that needed it (identical with vectors; burst links by CLIP). */
  minCosine?: number;
  /** Identical: some link had a photo without a vector, so only the stricter dHash bound held. */
  withoutVector?: boolean;
  /** Burst: first to last capture time. */
  spanMs?: number;
  /** Exact: how many paths. */
  paths?: number;
}

export interface DuplicateGroups {
  exact: DuplicateGroup[];
  identical: DuplicateGroup[];
  burst: DuplicateGroup[];
  /** What was left out and why (degenerate hash buckets, crowded seconds). */
  notes: string[];
  stats: { photos: number; hashed: number; candidatePairs: number; skippedBuckets: number; ms: number };
}

type Range = readonly [min: number, max: number, whole: boolean];

const LIMITS: Record<keyof DuplicateOptions, Range> = {
  maxHashDistance: [0, 32, true],
  minCosine: [-1, 1, false],
  maxHashDistanceWithoutVector: [0, 32, true],
  burstSeconds: [0, 3600, false],
  burstMaxHashDistance: [0, 64, true],
  burstMinCosine: [-1, 1, false],
  burstMaxSpanSeconds: [0, 86_400, false],
  maxBucketSize: [2, 10_000_000, true],
  burstMaxNeighbours: [1, 100_000, true],
};

/** Defaults filled in and every value checked; a bad one throws a RangeError naming the option. */
export function resolveDuplicateOptions(partial: Partial<DuplicateOptions> = {}): DuplicateOptions {
  const out: DuplicateOptions = { ...DEFAULT_DUPLICATE_OPTIONS };
  for (const key of Object.keys(LIMITS) as Array<keyof DuplicateOptions>) {
    const value = partial[key];
    if (value === undefined) continue;
    const [min, max, whole] = LIMITS[key];
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < min ||
      value > max ||
      (whole && !Number.isInteger(value))
    )
      throw new RangeError(
        `${key} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${String(value)}`,
      );
    out[key] = value;
  }
  return out;
}

/** Hex dHashes (16 digits, as the loader stores them) to the typed halves; bad or missing ones are flagged. */
export function dhashHalves(hashes: ReadonlyArray<string | null | undefined>): {
  hashHi: Uint32Array;
  hashLo: Uint32Array;
  hasHash: Uint8Array;
} {
  const n = hashes.length;
  const hashHi = new Uint32Array(n);
  const hashLo = new Uint32Array(n);
  const hasHash = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const h = hashes[i];
    if (!h || !/^[0-9a-f]{16}$/i.test(h)) continue;
    hashHi[i] = parseInt(h.slice(0, 8), 16);
    hashLo[i] = parseInt(h.slice(8), 16);
    hasHash[i] = 1;
  }
  return { hashHi, hashLo, hasHash };
}

/** Set bits of a 32-bit value (SWAR: pairs, nibbles, bytes, then one multiply sums the bytes). */
export function popcount32(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Dot product of two rows of a flat matrix, four lanes at a time (unit rows: the cosine). */
export function dotRows(data: Float32Array, a: number, b: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += data[a + i] * data[b + i];
    s1 += data[a + i + 1] * data[b + i + 1];
    s2 += data[a + i + 2] * data[b + i + 2];
    s3 += data[a + i + 3] * data[b + i + 3];
  }
  for (; i < dim; i++) s0 += data[a + i] * data[b + i];
  return s0 + s1 + s2 + s3;
}

/** The `len` bits starting at bit `start` (0 = the hash's most significant bit), len ≤ 32. */
function chunkOf(hi: number, lo: number, start: number, len: number): number {
  const end = start + len;
  const low = (value: number, bits: number) => (bits >= 32 ? value >>> 0 : (value & ((1 << bits) - 1)) >>> 0);
  if (end <= 32) return low(hi >>> (32 - end), len);
  if (start >= 32) return low(lo >>> (64 - end), len);
  const loBits = end - 32;
  // Multiplication, not a shift: the result may need all 32 bits, and shifts are signed 32-bit.
  return low(hi, 32 - start) * 2 ** loBits + (lo >>> (32 - loBits));
}

/** Chunk boundaries for `k` chunks over 64 bits, as even as possible. */
function chunkLayout(k: number): Array<{ start: number; len: number }> {
  const base = Math.floor(64 / k);
  const extra = 64 % k;
  const out: Array<{ start: number; len: number }> = [];
  let start = 0;
  for (let c = 0; c < k; c++) {
    const len = base + (c < extra ? 1 : 0);
    out.push({ start, len });
    start += len;
  }
  return out;
}

// Loops, not Math.max(...xs): a degenerate group can have more links than a call has arguments.
function largest(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}

function smallest(xs: readonly number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    let r = x;
    while (this.parent[r] !== r) r = this.parent[r];
    while (this.parent[x] !== r) {
      const next = this.parent[x];
      this.parent[x] = r;
      x = next;
    }
    return r;
  }
}

interface Link {
  a: number;
  b: number;
  distance: number;
  /** NaN when not computed (a photo without a vector, or a burst link the dHash already made). */
  cosine: number;
}

const bits = (n: number) => `${n} bit${n === 1 ? '' : 's'}`;

/**
 * Every pair within `bound` bits (multi-index hashing). Calls `visit` once per pair, a < b.
 * Returns how many buckets were too large to compare, with a note for each kind of skip.
 */
function pairsWithin(
  hashHi: Uint32Array,
  hashLo: Uint32Array,
  members: Int32Array,
  bound: number,
  maxBucket: number,
  visit: (a: number, b: number, distance: number) => void,
  notes: string[],
): { candidates: number; skipped: number } {
  const m = members.length;
  // More chunks than the bound keeps the pigeonhole argument and every chunk within 32 bits.
  const layout = chunkLayout(Math.max(bound + 1, 2));
  const keys = layout.map(({ start, len }) => {
    const out = new Uint32Array(m);
    for (let i = 0; i < m; i++) out[i] = chunkOf(hashHi[members[i]], hashLo[members[i]], start, len);
    return out;
  });
  const skippedKeys = layout.map(() => new Set<number>());
  let candidates = 0;
  let skipped = 0;
  // Each chunk's entries sorted by (chunk value, position): one packed float sort, no comparator.
  const scale = 2 ** Math.ceil(Math.log2(m + 1));
  const packed = new Float64Array(m);
  const order = new Int32Array(m);
  for (let c = 0; c < layout.length; c++) {
    const key = keys[c];
    if (scale * 2 ** 32 <= Number.MAX_SAFE_INTEGER) {
      for (let i = 0; i < m; i++) packed[i] = key[i] * scale + i;
      packed.sort();
      for (let i = 0; i < m; i++) order[i] = packed[i] % scale;
    } else {
      const idx = Array.from({ length: m }, (_, i) => i).sort((x, y) => key[x] - key[y] || x - y);
      order.set(idx);
    }
    for (let from = 0; from < m;) {
      const value = key[order[from]];
      let to = from + 1;
      while (to < m && key[order[to]] === value) to++;
      const size = to - from;
      if (size > maxBucket) {
        skippedKeys[c].add(value);
        skipped++;
        const { start, len } = layout[c];
        notes.push(
          `${size} photos share bits ${start}–${start + len - 1} of their dHash (0x${value.toString(16)}), ` +
            'as flat or featureless pictures do: not compared on those bits (raise maxBucketSize to compare them)',
        );
      } else if (size > 1) {
        for (let x = from; x < to; x++) {
          const p = order[x];
          for (let y = x + 1; y < to; y++) {
            const q = order[y];
            // A pair sharing an earlier (compared) chunk was already seen there.
            let seen = false;
            for (let e = 0; e < c && !seen; e++)
              seen = keys[e][p] === keys[e][q] && !skippedKeys[e].has(keys[e][p]);
            if (seen) continue;
            candidates++;
            const a = members[p];
            const b = members[q];
            const distance = popcount32(hashHi[a] ^ hashHi[b]) + popcount32(hashLo[a] ^ hashLo[b]);
            if (distance <= bound) visit(Math.min(a, b), Math.max(a, b), distance);
          }
        }
      }
      from = to;
    }
  }
  return { candidates, skipped };
}

/**
 * Every pair of hashed photos whose dHashes differ in at most `bound` bits, as [i, j, distance]
 * with i < j (row indices): the identical stage's candidate search on its own, for tests and
 * benches that compare it with a brute-force scan.
 */
export function nearHashPairs(
  input: Pick<DuplicateInput, 'hashHi' | 'hashLo' | 'hasHash'>,
  bound: number,
  maxBucketSize: number = DEFAULT_DUPLICATE_OPTIONS.maxBucketSize,
): { pairs: Array<[number, number, number]>; notes: string[] } {
  const members: number[] = [];
  for (let i = 0; i < input.hashHi.length; i++) if (!input.hasHash || input.hasHash[i] === 1) members.push(i);
  const pairs: Array<[number, number, number]> = [];
  const notes: string[] = [];
  pairsWithin(
    input.hashHi,
    input.hashLo,
    Int32Array.from(members),
    bound,
    maxBucketSize,
    (a, b, d) => pairs.push([a, b, d]),
    notes,
  );
  return { pairs, notes };
}

/** Finds exact, identical and burst groups. Pure: the same input always gives the same groups. */
export function groupDuplicates(
  input: DuplicateInput,
  options: Partial<DuplicateOptions> = {},
): DuplicateGroups {
  const started = performance.now();
  const o = resolveDuplicateOptions(options);
  const n = input.photoIds.length;
  for (const [name, arr] of [
    ['hashHi', input.hashHi],
    ['hashLo', input.hashLo],
    ['hasHash', input.hasHash],
    ['pathCounts', input.pathCounts],
    ['takenAtMs', input.takenAtMs],
    ['vectors.row', input.vectors?.row],
  ] as const) {
    if (arr && arr.length !== n) throw new RangeError(`${name} has ${arr.length} entries for ${n} photos`);
  }
  const hasHash = (i: number) => !input.hasHash || input.hasHash[i] === 1;
  const vectors = input.vectors;
  const rowOf = (i: number) => (vectors ? vectors.row[i] : -1);
  const cosine = (a: number, b: number) => {
    const ra = rowOf(a);
    const rb = rowOf(b);
    if (!vectors || ra < 0 || rb < 0) return NaN;
    return dotRows(vectors.data, ra * vectors.dim, rb * vectors.dim, vectors.dim);
  };
  const notes: string[] = [];

  // Exact: the catalog already keys photos by content, so a photo with several paths is the group.
  const exact: DuplicateGroup[] = [];
  if (input.pathCounts) {
    for (let i = 0; i < n; i++) {
      const count = input.pathCounts[i];
      if (count >= 2)
        exact.push({
          kind: 'exact',
          photoIds: [input.photoIds[i]],
          reason: `the same bytes at ${count} paths`,
          paths: count,
        });
    }
  }

  // Identical: candidate pairs from the hash index, confirmed by CLIP (or a stricter dHash).
  const hashed: number[] = [];
  for (let i = 0; i < n; i++) if (hasHash(i)) hashed.push(i);
  const identicalLinks: Link[] = [];
  const { candidates, skipped } = pairsWithin(
    input.hashHi,
    input.hashLo,
    Int32Array.from(hashed),
    o.maxHashDistance,
    o.maxBucketSize,
    (a, b, distance) => {
      const cos = cosine(a, b);
      const linked = Number.isNaN(cos) ? distance <= o.maxHashDistanceWithoutVector : cos >= o.minCosine;
      if (linked) identicalLinks.push({ a, b, distance, cosine: cos });
    },
    notes,
  );
  const identical = groupsOf(n, identicalLinks, (members, links) => {
    const maxD = largest(links.map((l) => l.distance));
    const cosines = links.map((l) => l.cosine).filter((c) => !Number.isNaN(c));
    const withoutVector = cosines.length < links.length;
    const minCos = cosines.length ? smallest(cosines) : undefined;
    const several = links.length > 1;
    const parts = [`dHash ${several ? '≤ ' : ''}${bits(maxD)}`];
    if (minCos !== undefined) parts.push(`cosine ${several ? '≥ ' : ''}${minCos.toFixed(3)}`);
    if (withoutVector)
      parts.push(
        `no CLIP vector for ${several ? 'some' : 'one'}: dHash had to be ≤ ${o.maxHashDistanceWithoutVector}`,
      );
    return {
      kind: 'identical' as const,
      photoIds: members.map((i) => input.photoIds[i]).sort((x, y) => x - y),
      reason: parts.join(', '),
      maxHashDistance: maxD,
      ...(minCos === undefined ? {} : { minCosine: minCos }),
      ...(withoutVector ? { withoutVector } : {}),
    };
  });
  identical.sort((x, y) => x.photoIds[0] - y.photoIds[0]);

  // Bursts: sorted by time, each photo meets the photos of the next few seconds.
  const burst: DuplicateGroup[] = [];
  const times = input.takenAtMs;
  if (times) {
    const inIdentical = new Uint8Array(n);
    for (const l of identicalLinks) inIdentical[l.a] = inIdentical[l.b] = 1;
    const eligible: number[] = [];
    for (let i = 0; i < n; i++)
      if (Number.isFinite(times[i]) && !inIdentical[i] && (hasHash(i) || rowOf(i) >= 0)) eligible.push(i);
    eligible.sort((a, b) => times[a] - times[b] || a - b);
    const windowMs = o.burstSeconds * 1000;
    const maxSpanMs = o.burstMaxSpanSeconds * 1000;
    const uf = new UnionFind(n);
    const minT = new Float64Array(n);
    const maxT = new Float64Array(n);
    for (const i of eligible) minT[i] = maxT[i] = times[i];
    const links: Link[] = [];
    let crowded = 0;
    for (let p = 0; p < eligible.length; p++) {
      const a = eligible[p];
      for (let q = p + 1; q < eligible.length && times[eligible[q]] - times[a] <= windowMs; q++) {
        if (q - p > o.burstMaxNeighbours) {
          crowded++;
          break;
        }
        const b = eligible[q];
        const distance =
          hasHash(a) && hasHash(b)
            ? popcount32(input.hashHi[a] ^ input.hashHi[b]) + popcount32(input.hashLo[a] ^ input.hashLo[b])
            : NaN;
        const byHash = distance <= o.burstMaxHashDistance;
        const cos = byHash ? NaN : cosine(a, b);
        if (!byHash && !(cos >= o.burstMinCosine)) continue;
        const ra = uf.find(a);
        const rb = uf.find(b);
        if (ra === rb) {
          links.push({ a, b, distance: byHash ? distance : NaN, cosine: cos });
          continue;
        }
        // Chains of near neighbours must not grow into an hour-long "burst".
        const lo = Math.min(minT[ra], minT[rb]);
        const hi = Math.max(maxT[ra], maxT[rb]);
        if (hi - lo > maxSpanMs) continue;
        uf.parent[rb] = ra;
        minT[ra] = lo;
        maxT[ra] = hi;
        links.push({ a, b, distance: byHash ? distance : NaN, cosine: cos });
      }
    }
    if (crowded)
      notes.push(
        `${crowded} photos had more than ${o.burstMaxNeighbours} others within ${o.burstSeconds} s ` +
          '(many photos with the same capture time): bursts compared only the nearest of them',
      );
    burst.push(
      ...groupsOf(n, links, (members, groupLinks) => {
        const sorted = members.sort((x, y) => times[x] - times[y] || x - y);
        const spanMs = times[sorted[sorted.length - 1]] - times[sorted[0]];
        const hashLinks = groupLinks.filter((l) => !Number.isNaN(l.distance));
        const clipLinks = groupLinks.filter((l) => Number.isNaN(l.distance));
        const maxD = hashLinks.length ? largest(hashLinks.map((l) => l.distance)) : undefined;
        const minCos = clipLinks.length ? smallest(clipLinks.map((l) => l.cosine)) : undefined;
        const parts = [
          sorted.length === 2
            ? `taken ${(spanMs / 1000).toFixed(1)} s apart`
            : `${sorted.length} photos within ${(spanMs / 1000).toFixed(1)} s`,
        ];
        if (maxD !== undefined) parts.push(`dHash ${hashLinks.length > 1 ? '≤ ' : ''}${bits(maxD)}`);
        if (minCos !== undefined)
          parts.push(
            `CLIP cosine ${clipLinks.length > 1 ? '≥ ' : ''}${minCos.toFixed(3)}${maxD !== undefined ? ' where the dHash differed more' : ''}`,
          );
        return {
          kind: 'burst' as const,
          photoIds: sorted.map((i) => input.photoIds[i]),
          reason: parts.join(', '),
          spanMs,
          ...(maxD === undefined ? {} : { maxHashDistance: maxD }),
          ...(minCos === undefined ? {} : { minCosine: minCos }),
        };
      }),
    );
    // Groups come out in the order of their first photo's time (eligible is time-sorted).
    const rank = new Map<number, number>(eligible.map((i, r) => [input.photoIds[i], r]));
    burst.sort((x, y) => (rank.get(x.photoIds[0]) ?? 0) - (rank.get(y.photoIds[0]) ?? 0));
  }

  return {
    exact,
    identical,
    burst,
    notes,
    stats: {
      photos: n,
      hashed: hashed.length,
      candidatePairs: candidates,
      skippedBuckets: skipped,
      ms: Math.round(performance.now() - started),
    },
  };
}

/** Connected components of `links` (two or more members each), described by `describe`. */
function groupsOf(
  n: number,
  links: readonly Link[],
  describe: (members: number[], links: Link[]) => DuplicateGroup,
): DuplicateGroup[] {
  const uf = new UnionFind(n);
  for (const l of links) {
    const ra = uf.find(l.a);
    const rb = uf.find(l.b);
    if (ra !== rb) uf.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const members = new Map<number, number[]>();
  const linksOf = new Map<number, Link[]>();
  const placed = new Uint8Array(n);
  for (const l of links) {
    const r = uf.find(l.a);
    (linksOf.get(r) ?? linksOf.set(r, []).get(r)!).push(l);
    for (const i of [l.a, l.b]) {
      if (placed[i]) continue;
      placed[i] = 1;
      (members.get(r) ?? members.set(r, []).get(r)!).push(i);
    }
  }
  return [...members.entries()].map(([r, list]) => describe(list, linksOf.get(r)!));
}
