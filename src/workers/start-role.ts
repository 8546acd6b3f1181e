import { loadConfigEnvFile, readConfig } from '../config';
import { ensureTemporal } from '../temporal/dev-server';
import { createWorkers, type CreateWorkersOptions } from './create-workers';
import type { QueueRole } from '../shared/queues';
import { consoleLine } from '../logging/logger';

/** Runs workers for `roles` in this process until SIGINT/SIGTERM. Used by the per-role entries and `pcc worker`. */
export async function startRoles(
  roles: QueueRole[],
  tuning: CreateWorkersOptions['tuning'] = {},
): Promise<void> {
  loadConfigEnvFile();
  const config = readConfig();
  const endpoint = await ensureTemporal(config, { log: (m) => consoleLine('info', m) });
  const group = await createWorkers(config, endpoint, roles, { tuning });
  const stop = () => {
    consoleLine('info', 'stopping workers (finishing tasks in hand) …');
    void group.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  consoleLine('info', `workers polling ${roles.map((r) => `pcc-${r}`).join(', ')}`, {
    temporal: endpoint.address,
  });
  await group.run();
}
