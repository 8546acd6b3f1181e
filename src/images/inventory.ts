import fs from 'node:fs';
import type { Tags } from 'exiftool-vendored';
import { exiftool } from './exiftool';
import type { PhotoMetadata } from '../catalog/metadata.repository';

/** ExifTool dates come as ExifDateTime objects or strings ("2012:04:16 13:02:13"); we store ISO-like local times. */
export function exifDate(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const raw =
    typeof value === 'string'
      ? value
      : typeof (value as { rawValue?: unknown }).rawValue === 'string'
        ? (value as { rawValue: string }).rawValue
        : undefined;
  if (!raw) return undefined;
  const m = /^(\d{4})[:-](\d\d)[:-](\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?)?/.exec(raw.trim());
  if (!m || m[1] === '0000') return undefined;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}`;
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((v) => String(v).trim()).filter(Boolean);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function num(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Maps ExifTool's tags onto the catalog's inventory fields. */
export function metadataFromTags(photoId: number, tags: Tags, fileMtime?: string): PhotoMetadata {
  const t = tags as Tags & Record<string, unknown>;
  const tagsList = list(t.TagsList).map((k) => k.replace(/\//g, '|'));
  const hierarchical = unique([...list(t.HierarchicalSubject), ...tagsList]);
  const leaves = hierarchical.map((h) => h.split('|').pop() as string);
  return {
    photoId,
    make: t.Make ? String(t.Make) : undefined,
    model: t.Model ? String(t.Model) : undefined,
    lens: t.LensModel ? String(t.LensModel) : t.Lens ? String(t.Lens) : undefined,
    dateOriginal: exifDate(t.DateTimeOriginal),
    createDate: exifDate(t.CreateDate),
    modifyDate: exifDate(t.ModifyDate),
    fileMtime,
    iso: num(t.ISO),
    fNumber: num(t.FNumber),
    exposureTime: t.ExposureTime !== undefined ? String(t.ExposureTime) : undefined,
    orientation: num(t.Orientation),
    hasGps: t.GPSLatitude !== undefined || t.GPSPosition !== undefined,
    width: num(t.ImageWidth),
    height: num(t.ImageHeight),
    keywords: unique([...list(t.Subject), ...list(t.Keywords), ...leaves]),
    hierarchical,
    description: [t.Description, t.ImageDescription, t['Caption-Abstract']]
      .map((d) => (d ? String(d).trim() : ''))
      .find(Boolean),
  };
}

/** Reads one original's metadata (read-only: ExifTool only opens it for reading). */
export async function readInventory(photoId: number, absPath: string): Promise<PhotoMetadata> {
  const [tags, st] = await Promise.all([exiftool().read(absPath), fs.promises.stat(absPath)]);
  const mtime = st.mtime;
  const local = new Date(mtime.getTime() - mtime.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
  return metadataFromTags(photoId, tags, local);
}
