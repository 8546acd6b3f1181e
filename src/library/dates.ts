/**
 * Resolves when a photo was taken, with a trust score, from every clue it has: EXIF
 * DateTimeOriginal / CreateDate / ModifyDate, the file's mtime, date tokens in its path, and its
 * neighbours in the same folder. Pure functions: the resolveDates activity feeds them catalog rows.
 */

export interface DateClues {
  photoId: number;
  relPath: string;
  dateOriginal?: string;
  createDate?: string;
  modifyDate?: string;
  fileMtime?: string;
}

export interface ResolvedDate {
  photoId: number;
  /** ISO date-time (local time as recorded), or undefined when there is no clue at all. */
  date?: string;
  /** 0..1: how far the date can be trusted. */
  trust: number;
  source: 'exif-original' | 'exif-create' | 'exif-modify' | 'path' | 'file-mtime' | 'none';
  reason: string;
}

/** Photos below this trust get the keyword AI|date-uncertain. */
export const DATE_TRUST_THRESHOLD = 0.5;

const DAY = 86_400_000;

interface PathDate {
  date: string;
  precision: 'day' | 'month' | 'year';
}

/** Date tokens in a path, most precise first: YYYY-MM-DD (or _ . separators, or YYYYMMDD), YYYY_MM, YYYY. */
export function pathDate(relPath: string): PathDate | undefined {
  const valid = (y: number, m = 1, d = 1) => y >= 1826 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
  const day =
    /(?:^|[^\d])((?:18|19|20)\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?:[^\d]|$)/.exec(relPath);
  if (day && valid(+day[1], +day[2], +day[3]))
    return { date: `${day[1]}-${day[2]}-${day[3]}T12:00:00`, precision: 'day' };
  const month = /(?:^|[^\d])((?:18|19|20)\d{2})[-_.](0[1-9]|1[0-2])(?:[^\d]|$)/.exec(relPath);
  if (month) return { date: `${month[1]}-${month[2]}-15T12:00:00`, precision: 'month' };
  const year = /(?:^|[^\d])((?:18|19|20)\d{2})(?:[^\d]|$)/.exec(relPath);
  if (year && valid(+year[1])) return { date: `${year[1]}-07-01T12:00:00`, precision: 'year' };
  return undefined;
}

function ms(date: string): number {
  return Date.parse(date.endsWith('Z') || /[+-]\d\d:\d\d$/.test(date) ? date : `${date}Z`);
}

/** The path date and an EXIF date agree when they fall in the same period the path names. */
function agrees(exif: string, path: PathDate): boolean {
  const tolerance = path.precision === 'day' ? 2 * DAY : path.precision === 'month' ? 31 * DAY : 200 * DAY;
  return Math.abs(ms(exif) - ms(path.date)) <= tolerance;
}

function median(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function folderOf(relPath: string): string {
  const i = relPath.lastIndexOf('/');
  return i < 0 ? '' : relPath.slice(0, i);
}

/** The best single-photo guess, before looking at neighbours. */
function ownGuess(c: DateClues): ResolvedDate {
  const path = pathDate(c.relPath);
  const exif: Array<[string | undefined, ResolvedDate['source'], number]> = [
    [c.dateOriginal, 'exif-original', 0.9],
    [c.createDate, 'exif-create', 0.8],
    [c.modifyDate, 'exif-modify', 0.55],
  ];
  for (const [date, source, trust] of exif) {
    if (!date || Number.isNaN(ms(date))) continue;
    if (!path) return { photoId: c.photoId, date, trust, source, reason: `${source}` };
    if (agrees(date, path)) {
      return {
        photoId: c.photoId,
        date,
        trust: Math.min(1, trust + 0.1),
        source,
        reason: `${source}, confirmed by the path`,
      };
    }
    return {
      photoId: c.photoId,
      date,
      trust: trust - 0.2,
      source,
      reason: `${source}, but the path says ${path.date.slice(0, 10)}`,
    };
  }
  if (path) {
    const trust = path.precision === 'day' ? 0.6 : path.precision === 'month' ? 0.5 : 0.35;
    return {
      photoId: c.photoId,
      date: path.date,
      trust,
      source: 'path',
      reason: `path date (${path.precision})`,
    };
  }
  if (c.fileMtime)
    return {
      photoId: c.photoId,
      date: c.fileMtime,
      trust: 0.2,
      source: 'file-mtime',
      reason: 'file modification time only',
    };
  return { photoId: c.photoId, trust: 0, source: 'none', reason: 'no date anywhere' };
}

/**
 * Resolves a set of photos together. A photo whose EXIF date lies more than a year from its
 * folder's median while its path disagrees is downgraded: the path (if it has a date) wins.
 */
export function resolveDates(photos: DateClues[]): ResolvedDate[] {
  const own = photos.map(ownGuess);
  const byFolder = new Map<string, number[]>();
  photos.forEach((p, i) => {
    const d = own[i];
    if (d.date && d.source !== 'file-mtime') {
      const key = folderOf(p.relPath);
      byFolder.set(key, [...(byFolder.get(key) ?? []), ms(d.date)]);
    }
  });
  return photos.map((p, i) => {
    const guess = own[i];
    if (!guess.date || !guess.source.startsWith('exif')) return guess;
    const med = median(byFolder.get(folderOf(p.relPath)) ?? []);
    const path = pathDate(p.relPath);
    const farFromFolder = med !== undefined && Math.abs(ms(guess.date) - med) > 365 * DAY;
    if (farFromFolder && path && !agrees(guess.date, path)) {
      return {
        photoId: p.photoId,
        date: path.date,
        trust: 0.4,
        source: 'path',
        reason: `EXIF ${guess.date.slice(0, 10)} is far from its folder (median ${new Date(med).toISOString().slice(0, 10)}) and from its path`,
      };
    }
    if (farFromFolder)
      return {
        ...guess,
        trust: Math.min(guess.trust, 0.45),
        reason: `${guess.reason}; far from its folder's median`,
      };
    return guess;
  });
}
