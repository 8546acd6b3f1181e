/**
 * What the Temporal Web UI can find a run by (List filters such as `PccPhase = "clustering"` or
 * `PccRoots = "2019"`). Search attributes are indexed in clear text — they are not payloads and the
 * history codec cannot encrypt them — so only words that say nothing private go here: the backend,
 * the phase, and each root's last folder name (never a full path, a photo's name or a caption).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ROOTS_ATTRIBUTE = defineSearchAttributeKey('PccRoots', SearchAttributeType.KEYWORD_LIST);
export const BACKEND_ATTRIBUTE = defineSearchAttributeKey('PccBackend', SearchAttributeType.KEYWORD);
export const PHASE_ATTRIBUTE = defineSearchAttributeKey('PccPhase', SearchAttributeType.KEYWORD);

/** Name → type, as `temporal server start-dev --search-attribute` and the operator service take them. */
export const PCC_SEARCH_ATTRIBUTES = [ROOTS_ATTRIBUTE, BACKEND_ATTRIBUTE, PHASE_ATTRIBUTE] as const;

/** A root's last folder name (`/photos/2019/` → `2019`), without depending on node:path (workflow code). */
export function rootLabel(root: string): string {
  const parts = root.split(/[\\/]+/).filter(Boolean);
  return parts[parts.length - 1] ?? '/';
}
