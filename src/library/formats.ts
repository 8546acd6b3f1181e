/** What the scanner does with a file, decided by its extension (content is checked later by the loader). */
export type FileKind = 'image' | 'raw' | 'video' | 'sidecar' | 'other';

const IMAGE_EXTENSIONS = new Set([
  'jpg',
  'jpeg',
  'png',
  'webp',
  'avif',
  'gif',
  'tif',
  'tiff',
  'heic',
  'heif',
  'jxl',
]);
const RAW_EXTENSIONS = new Set(['dng', 'cr2', 'cr3', 'nef', 'arw', 'orf', 'rw2', 'raf']);
const VIDEO_EXTENSIONS = new Set([
  'mp4',
  'mov',
  'm4v',
  'avi',
  'mkv',
  'mts',
  'm2ts',
  '3gp',
  'wmv',
  'webm',
  'mpg',
  'mpeg',
]);
const SIDECAR_EXTENSIONS = new Set(['xmp', 'aae', 'thm', 'pp3', 'dop', 'json']);

export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  // Trailing blanks are a slip of whoever named the file ("photo.jpg "), not another extension.
  return dot < 0
    ? ''
    : fileName
        .slice(dot + 1)
        .trim()
        .toLowerCase();
}

export function classifyFile(fileName: string): FileKind {
  const ext = extensionOf(fileName);
  if (IMAGE_EXTENSIONS.has(ext)) return 'image';
  if (RAW_EXTENSIONS.has(ext)) return 'raw';
  if (VIDEO_EXTENSIONS.has(ext)) return 'video';
  if (SIDECAR_EXTENSIONS.has(ext)) return 'sidecar';
  return 'other';
}

/** The catalog's format name: the extension, normalised (jpeg → jpg, tif → tiff, heif → heic). */
export function formatOf(fileName: string): string {
  const ext = extensionOf(fileName);
  const aliases: Record<string, string> = { jpeg: 'jpg', tif: 'tiff', heif: 'heic' };
  return aliases[ext] ?? ext;
}
