/**
 * Task queues by hardware role (see docs/architecture.md); one worker process may poll several.
 * Each cloud provider has its own `api-<provider>` queue, named by its backend (src/backends), so
 * a new provider needs no change here.
 */
export const HARDWARE_ROLES = ['io', 'cpu', 'gpu'] as const;
export type QueueRole = (typeof HARDWARE_ROLES)[number] | `api-${string}`;

export function isQueueRole(value: string): value is QueueRole {
  return (HARDWARE_ROLES as readonly string[]).includes(value) || /^api-[a-z0-9][a-z0-9-]*$/.test(value);
}

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
  const known = `${HARDWARE_ROLES.join(', ')} or api-<provider> (api-openai, api-anthropic, …)`;
  if (roles.length === 0) throw new Error(`--queues needs at least one of ${known}`);
  for (const r of roles) {
    if (!isQueueRole(r)) throw new Error(`unknown queue role "${r}"; use ${known}`);
  }
  return [...new Set(roles)] as QueueRole[];
}
