/** Names shared by workflows and clients: queries, signals, ids. Deterministic and I/O free. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RunProgress } from '../shared/payloads';

export const progressQuery = defineQuery<RunProgress>('progress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');

export function batchWorkflowId(runWorkflowId: string, batchIndex: number): string {
  return `${runWorkflowId}/batch-${String(batchIndex).padStart(5, '0')}`;
}
