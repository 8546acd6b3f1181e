/**
 * The one vocabulary of per-photo outcomes. Every layer (catalog, workflows, CLI, API, exports)
 * imports it from here so a status can never be spelled two ways.
 */
export const PHOTO_STATUSES = [
  'success',
  'error_corrupt',
  'error_api',
  'error_model',
  'skipped_private',
] as const;
export type PhotoStatus = (typeof PHOTO_STATUSES)[number];
export type StatusCounts = Record<PhotoStatus, number>;

export function isPhotoStatus(value: string): value is PhotoStatus {
  return (PHOTO_STATUSES as readonly string[]).includes(value);
}

export function emptyCounts(): StatusCounts {
  return { success: 0, error_corrupt: 0, error_api: 0, error_model: 0, skipped_private: 0 };
}

export function addCounts(a: StatusCounts, b: StatusCounts): StatusCounts {
  const sum = emptyCounts();
  for (const s of PHOTO_STATUSES) sum[s] = a[s] + b[s];
  return sum;
}

export function totalOf(counts: StatusCounts): number {
  return PHOTO_STATUSES.reduce((n, s) => n + counts[s], 0);
}

/** Parses `a,b` from the CLI/API; throws a message naming the allowed values. */
export function parseStatusList(csv: string): PhotoStatus[] {
  const items = csv
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!isPhotoStatus(item)) {
      throw new Error(`unknown status "${item}"; use one or more of ${PHOTO_STATUSES.join(', ')}`);
    }
  }
  return items as PhotoStatus[];
}
