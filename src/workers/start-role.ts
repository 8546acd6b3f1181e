import { loadConfigEnvFile, readConfig } from '../config';
import { ensureTemporal } from '../temporal/dev-server';
import { createWorkers, type CreateWorkersOptions } from './create-workers';
import type { QueueRole } from '../shared/queues';
import { consoleLine } from '../logging/logger';
import { codecKeyFile } from '../temporal/payload-codec';

/** Runs workers for `roles` in this process until SIGINT/SIGTERM. Used by the per-role entries and `pcc worker`. */
export async function startRoles(
  roles: QueueRole[],
  tuning: CreateWorkersOptions['tuning'] = {},
): Promise<void> {
  loadConfigEnvFile();
  const config = readConfig();
  const endpoint = await ensureTemporal(config, { log: (m) => consoleLine('info', m) });
  const group = await createWorkers(config, endpoint, roles, { tuning });
  const running = group.run();
  let signals = 0;
  const onSignal = () => {
    if (++signals > 1) {
      // Second Ctrl-C: do not wait for tasks in hand.
      endpoint.kill();
      process.exit(130);
    }
    consoleLine('info', 'stopping workers (finishing tasks in hand; Ctrl-C again to force) …');
    void group.shutdown();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  consoleLine('info', `workers polling ${roles.map((r) => `pcc-${r}`).join(', ')}`, {
    temporal: endpoint.address,
  });
  for (const { from, to } of config.pathMap) consoleLine('info', `path map: ${from} → ${to}`);
  // A shared cluster means other machines: a key file of this data folder is this machine's alone.
  if (config.temporalAddress && config.codec.mode === 'auto')
    consoleLine(
      'warn',
      `history keys come from ${codecKeyFile(config.dataDir)}: every pcc process on other machines needs the same keys — set PCC_CODEC_KEYS on all of them (docs/deployment.md)`,
    );
  try {
    await running;
  } finally {
    // A dev server this process started goes with it.
    await endpoint.stop();
  }
}
