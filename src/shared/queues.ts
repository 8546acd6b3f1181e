/** Task queues by hardware role (see docs/architecture.md). One worker process may poll several. */
export const QUEUE_ROLES = [
  'io',
  'cpu',
  'gpu',
  'api-openai',
  'api-anthropic',
  'api-gemini',
  'api-xai',
] as const;
export type QueueRole = (typeof QUEUE_ROLES)[number];

export function taskQueueOf(role: QueueRole): string {
  return `pcc-${role}`;
}

/** Workflows (libraryRun, processBatch) are polled on the io queue's worker. */
export const WORKFLOW_TASK_QUEUE = taskQueueOf('io');

export function parseQueueRoles(csv: string): QueueRole[] {
  const roles = csv
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (roles.length === 0) throw new Error(`--queues needs at least one of ${QUEUE_ROLES.join(', ')}`);
  for (const r of roles) {
    if (!(QUEUE_ROLES as readonly string[]).includes(r)) {
      throw new Error(`unknown queue role "${r}"; known roles: ${QUEUE_ROLES.join(', ')}`);
    }
  }
  return [...new Set(roles)] as QueueRole[];
}
