/** Names shared by workflows and clients: queries, signals, ids. Deterministic and I/O free. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RunProgress, WriteProgress } from '../shared/payloads';

export interface ResumeArgs {
  /** Raise (or set) the spending cap before resuming a run paused by it. */
  maxCostUsd?: number;
}

export const progressQuery = defineQuery<RunProgress>('progress');
export const writeProgressQuery = defineQuery<WriteProgress>('writeProgress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal<[ResumeArgs?]>('resume');

export function batchWorkflowId(runWorkflowId: string, batchIndex: number, start = 1): string {
  const base = `${runWorkflowId}/batch-${String(batchIndex).padStart(5, '0')}`;
  return start > 1 ? `${base}-r${start}` : base;
}
