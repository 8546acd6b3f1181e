/**
 * What a person sees of a run in Temporal's Web UI: the phase as a search attribute, a one-line
 * summary in the memo when it ends, and one line per activity and batch child ("caption 32 photos
 * in 2019/Trips/"). Summaries and the memo are payloads, so the history codec encrypts them like
 * everything else; the search attribute holds only the phase name.
 */
import type { ActivityOptions } from '@temporalio/common';
import {
  proxyActivities,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityInterfaceFor,
} from '@temporalio/workflow';
import { PHASE_ATTRIBUTE } from '../shared/search-attributes';
import type { RunPhase } from '../shared/payloads';
import type { PhotoStatus } from '../shared/status';

/** How the run's memo summary names each status ("67 captioned, 2 unreadable"). */
export const STATUS_WORDS: Record<PhotoStatus, string> = {
  success: 'captioned',
  error_corrupt: 'unreadable',
  error_api: 'failed at the provider',
  error_model: 'failed in the model',
  skipped_private: 'kept private',
};

/**
 * The client sets the attributes at start when the namespace has them registered; runs started
 * before (and their recorded histories) have none, and get no upserts, so they replay unchanged.
 */
function uiAttributesOn(): boolean {
  return workflowInfo().typedSearchAttributes.get(PHASE_ATTRIBUTE) !== undefined;
}

export function showPhase(phase: RunPhase): void {
  const shown = workflowInfo().typedSearchAttributes.get(PHASE_ATTRIBUTE);
  // No attribute: the run started without them (see uiAttributesOn).
  if (shown !== undefined && shown !== phase)
    upsertSearchAttributes([{ key: PHASE_ATTRIBUTE, value: phase }]);
}

export function showSummary(summary: string): void {
  if (uiAttributesOn()) upsertMemo({ summary });
}

/** The folder the photos share, for summaries: `2019/Trips/`, or `the library root`. */
export function folderOf(relPaths: readonly string[]): string {
  if (relPaths.length === 0) return 'the library root';
  let common = relPaths[0].split('/').slice(0, -1);
  for (const p of relPaths) {
    const dirs = p.split('/').slice(0, -1);
    let i = 0;
    while (i < common.length && i < dirs.length && common[i] === dirs[i]) i++;
    common = common.slice(0, i);
  }
  return common.length ? `${common.join('/')}/` : 'the library root';
}

export function photos(n: number): string {
  return `${n} photo${n === 1 ? '' : 's'}`;
}

/** Activities whose next calls carry `summary` (the line the UI shows for each of them). */
export function summarised<A>(options: ActivityOptions, summary: string): ActivityInterfaceFor<A> {
  return proxyActivities<A>({ ...options, summary });
}
