import fs from 'node:fs';
import type { Tags } from 'exiftool-vendored';
import { batchReader } from './exiftool-batch';
import { EXACT_JSON_READ, withAliases } from './exiftool-safe';
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
  const found = (await readInventoryBatch([{ photoId, absPath }])).get(photoId);
  if (!found) throw new Error(`ExifTool could not read ${absPath}`);
  return found;
}

/** The tags the inventory needs; asking for just these keeps ExifTool's work and output small. */
const INVENTORY_TAGS = [
  'Make',
  'Model',
  'LensModel',
  'Lens',
  'DateTimeOriginal',
  'CreateDate',
  'ModifyDate',
  'ISO',
  'FNumber',
  'ExposureTime',
  'Orientation#',
  'GPSLatitude',
  'GPSPosition',
  'ImageWidth',
  'ImageHeight',
  'XMP-dc:Subject',
  'Keywords',
  'HierarchicalSubject',
  'TagsList',
  'Description',
  'ImageDescription',
  'Caption-Abstract',
];

function localMtime(st: fs.Stats): string {
  return new Date(st.mtime.getTime() - st.mtime.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

/**
 * Reads the inventory of many originals with one ExifTool process (read-only), which costs a
 * fraction of one call per photo. Photos ExifTool cannot read are simply absent from the result.
 */
export async function readInventoryBatch(
  items: Array<{ photoId: number; absPath: string }>,
): Promise<Map<number, PhotoMetadata>> {
  const out = new Map<number, PhotoMetadata>();
  if (!items.length) return out;
  await withAliases(async (aliases) => {
    // Names ExifTool cannot take as one argument line are read through a safe-named link.
    const byPath = new Map(items.map((i) => [aliases.forRead(i.absPath), i]));
    const args = ['-fast2', ...EXACT_JSON_READ, ...INVENTORY_TAGS.map((t) => `-${t}`), ...byPath.keys()];
    const json = await batchReader().run(args);
    const rows = json.trim() ? (JSON.parse(json) as Array<Tags & { SourceFile: string }>) : [];
    await Promise.all(
      rows.map(async (row) => {
        const item = byPath.get(row.SourceFile);
        if (!item) return;
        const st = await fs.promises.stat(item.absPath).catch(() => undefined);
        out.set(item.photoId, metadataFromTags(item.photoId, row, st ? localMtime(st) : undefined));
      }),
    );
  });
  return out;
}
